"""SQLite writers wait their turn in the kernel, not in sleeps.

SQLite lets one connection write at a time. One that finds the database
locked sleeps and tries again, 1, 2, 5, 10 ms later and so on, so two
worker processes taking turns at writes held a tenth of a millisecond
(a rating tap) each sleep a millisecond or more on many requests, and
the CPU stands idle. Here a write transaction first takes its turn in a
queue: a thread lock within the process, then an exclusive flock on a
file beside the database, which the kernel hands to the next waiting
process the moment it is let go.

SQLite's own lock still decides who writes: the queue only spares the
sleeps, so letting go of it early is always safe. A turn is only ever
awaited while holding none of SQLite's locks, so the two cannot deadlock.
The thread lock gives up after the busy timeout, so a thread that already
writes on another connection still gets SQLite's "database is locked"
rather than waiting for itself.
"""
from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time

BUSY_TIMEOUT_SECONDS = 30

# SQLite copies the WAL back into the database (a checkpoint, ending in an
# fsync) inside the commit that grows the WAL past wal_autocheckpoint pages,
# so inside the writer's turn: every other writer would wait for the disk.
# Here a process checkpoints after a commit, its turn given up, at most once
# in CHECKPOINT_SECONDS; SQLite's own is only a backstop for a WAL grown past
# BACKSTOP_PAGES (about 40 MB).
CHECKPOINT_SECONDS = 1.0
BACKSTOP_PAGES = 10_000
clock = time.monotonic  # tests move it

log = logging.getLogger(__name__)


class WriterQueue:
    """The turn of this process's writers to one database file."""

    def __init__(self, database_path: str):
        self.path = database_path + "-writers"
        self._turn = threading.Lock()
        self._fd: int | None = None
        self._next_checkpoint = 0.0

    def checkpoint_due(self, now: float) -> bool:
        """Whether this process should checkpoint now (two threads that
        both see it due run two passive checkpoints: harmless)."""
        if now < self._next_checkpoint:
            return False
        self._next_checkpoint = now + CHECKPOINT_SECONDS
        return True

    def enter(self) -> None:
        if not self._turn.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._turn.release()
            raise

    def leave(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._turn.release()


# One queue per database file and process, whichever engine writes.
_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def _afresh_after_fork() -> None:
    """flock is held per open file, which a fork shares with its parent:
    a child opens its own, and takes no lock that was held at the fork."""
    global _queues_lock
    _queues.clear()
    _queues_lock = threading.Lock()


os.register_at_fork(after_in_child=_afresh_after_fork)


def queue_for(path: str) -> WriterQueue:
    queue = _queues.get(path)
    if queue is None:
        with _queues_lock:
            queue = _queues.setdefault(path, WriterQueue(path))
    return queue


class QueuedConnection(sqlite3.Connection):
    """A DBAPI connection that writes in its turn (begin_write) and gives
    the turn up as soon as its transaction ends, or with the connection."""

    _queue: WriterQueue | None = None

    def __init__(self, database: str, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.database_path = os.path.abspath(database)
        self.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")

    def begin_write(self) -> None:
        queue = queue_for(self.database_path)
        queue.enter()
        self._queue = queue
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave_queue()
            raise

    def commit(self) -> None:
        queue = self._queue
        try:
            super().commit()
        finally:
            self._leave_queue()
        if queue is not None and queue.checkpoint_due(clock()):
            self._checkpoint()

    def _checkpoint(self) -> None:
        """PASSIVE: copies what no reader still needs, waits for nobody."""
        try:
            self.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # the commit stands; the next checkpoint copies it
            log.warning("WAL checkpoint failed", exc_info=True)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()

    def __del__(self) -> None:  # dropped unclosed: the turn must not go with it
        self._leave_queue()

    def _leave_queue(self) -> None:
        queue, self._queue = self._queue, None
        if queue is not None:
            queue.leave()

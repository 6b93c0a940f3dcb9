"""routing.writer_queue: on a SQLite file, a write transaction holds its
turn in a queue beside the database from BEGIN to its end, so the next
writer (thread or process) is woken when it ends instead of sleeping in
SQLite's busy handler; reads take no turn."""
from __future__ import annotations

import fcntl
import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from routing.foundation import writer_queue
from routing.foundation.db import Database, read_transaction, write_on_driver
from routing.models import Unit
from routing.services.org import create_unit
from support import ROOT
from support.factories import ADD_RATING


@pytest.fixture
def db(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    db.create_all()
    yield db
    db.dispose()


def queue_is_taken(db: Database) -> bool:
    """Asked from an open file of its own, as another process would."""
    fd = os.open(db.engine.url.database + "-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def unit_count(db: Database) -> int:
    with db.sessionmaker() as session, read_transaction(session):
        return session.scalar(select(func.count(Unit.id)))


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_transaction_holds_the_turn_until_it_ends(db, end):
    with db.sessionmaker() as session:
        create_unit(session, "OUT-1", "Riverside outlet")
        session.flush()
        assert queue_is_taken(db)
        getattr(session, end)()
        assert not queue_is_taken(db)
    assert unit_count(db) == (1 if end == "commit" else 0)


def test_a_connection_lost_mid_transaction_gives_up_its_turn(db):
    connection = db.engine.connect()
    connection.begin()
    connection.execute(insert(Unit).values(code="OUT-1", name="Riverside outlet"))
    assert queue_is_taken(db)
    connection.invalidate()  # closes the DBAPI connection, as on a broken one
    assert not queue_is_taken(db)
    connection.close()
    assert unit_count(db) == 0


def test_a_connection_dropped_without_closing_gives_up_its_turn(db):
    connection = sqlite3.connect(db.engine.url.database, factory=writer_queue.QueuedConnection)
    connection.begin_write()
    assert queue_is_taken(db)
    del connection
    gc.collect()
    assert not queue_is_taken(db)


def test_a_read_takes_no_turn(db):
    with db.sessionmaker() as session, read_transaction(session):
        session.scalar(select(func.count(Unit.id)))
        assert not queue_is_taken(db)


def waiting_for_the_queue(pid: int) -> bool:
    """Is the process blocked on a file lock? (Linux lists waiters with "->".)"""
    return any("->" in line and f" {pid} " in line for line in Path("/proc/locks").read_text().splitlines())


def test_a_writer_in_another_process_waits_its_turn_and_then_writes(db):
    """The other process gives SQLite no busy timeout at all: without the
    queue its write would fail at once while this one holds the lock."""
    writer = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from routing.foundation.db import Database
from routing.services.org import create_unit
db = Database({str(db.engine.url)!r}, connect_args={{"timeout": 0}})
with db.sessionmaker() as session:
    create_unit(session, "OUT-2", "Hillside outlet")
    session.commit()
print("written", flush=True)
"""
    with db.sessionmaker() as session:
        create_unit(session, "OUT-1", "Riverside outlet")
        session.flush()  # holds the turn and SQLite's write lock
        other = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        deadline = time.monotonic() + 60
        while not waiting_for_the_queue(other.pid) and other.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # until the other process is in the queue (or has failed)
        assert waiting_for_the_queue(other.pid)
        session.commit()
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0 and out == "written\n", err
    with db.sessionmaker() as session:
        assert list(session.scalars(select(Unit.code).order_by(Unit.id))) == ["OUT-1", "OUT-2"]


def test_threads_writing_at_once_lose_no_write(tmp_path):
    """No busy timeout either: every writer gets its turn from the queue."""
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}", connect_args={"timeout": 0})
    db.create_all()
    failures = []

    def write(n):
        try:
            for i in range(20):
                with db.sessionmaker() as session:
                    create_unit(session, f"T{n}-{i}", f"Outlet {n}-{i}")
                    session.commit()
        except Exception as error:  # reported below: a thread's exception would be lost
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert unit_count(db) == 80
    assert not queue_is_taken(db)
    db.dispose()


def test_a_thread_writing_twice_at_once_is_told_the_database_is_locked(db, monkeypatch):
    """Its second write would wait for its first: it fails, as SQLite's
    own lock would make it, instead of waiting for ever."""
    monkeypatch.setattr(writer_queue, "BUSY_TIMEOUT_SECONDS", 0.2)
    with db.sessionmaker() as first, db.sessionmaker() as second:
        create_unit(first, "OUT-1", "Riverside outlet")
        first.flush()
        with pytest.raises(Exception, match="database is locked"):
            second.connection()
        first.commit()
    assert unit_count(db) == 1
    assert not queue_is_taken(db)


def test_a_forked_child_queues_on_a_file_of_its_own(db):
    with db.sessionmaker() as session:
        create_unit(session, "OUT-1", "Riverside outlet")
        session.commit()  # the parent's queue now has its file open
    parent_queue = writer_queue.queue_for(os.path.abspath(db.engine.url.database))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a queue of its own, no file shared with the parent
        try:
            child_queue = writer_queue.queue_for(parent_queue.path.removesuffix("-writers"))
            own = child_queue is not parent_queue and child_queue._fd is None
            os.write(write, b"own" if own else b"shared")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 10)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"own"


def written_back(db: Database, tmp_path: Path) -> list[str]:
    """The units in the database file alone, as if its WAL were lost: what
    checkpoints have copied back."""
    alone = tmp_path / "alone.db"
    alone.write_bytes(Path(db.engine.url.database).read_bytes())
    with sqlite3.connect(alone) as connection:
        return [code for (code,) in connection.execute("SELECT code FROM unit ORDER BY code")]


def add_unit(db: Database, code: str) -> int:
    with db.sessionmaker() as session:
        unit = create_unit(session, code, f"Outlet {code}")
        session.commit()
        return unit.id


@pytest.fixture
def moments(db, monkeypatch):  # after db: its schema's commit has had its checkpoint
    """The queue's clock, moved by hand from a second after now: a
    checkpoint is due at once."""
    now = [writer_queue.clock() + writer_queue.CHECKPOINT_SECONDS]
    monkeypatch.setattr(writer_queue, "clock", lambda: now[0])
    return now


def test_a_commit_writes_back_to_the_database_after_its_turn_at_most_once_a_second(db, tmp_path,
                                                                                     moments, monkeypatch):
    turn_taken_at_checkpoint = []
    checkpoint = writer_queue.QueuedConnection._checkpoint

    def watched(connection):
        turn_taken_at_checkpoint.append(queue_is_taken(db))
        checkpoint(connection)

    monkeypatch.setattr(writer_queue.QueuedConnection, "_checkpoint", watched)
    add_unit(db, "OUT-1")
    assert written_back(db, tmp_path) == ["OUT-1"]
    moments[0] += 0.5
    add_unit(db, "OUT-2")  # within the second: stays in the WAL for now
    assert written_back(db, tmp_path) == ["OUT-1"] and unit_count(db) == 2
    moments[0] += 0.5
    add_unit(db, "OUT-3")
    assert written_back(db, tmp_path) == ["OUT-1", "OUT-2", "OUT-3"]
    assert turn_taken_at_checkpoint == [False, False]  # the next writer never waits for the disk


def test_a_failed_write_back_leaves_the_commit_standing(db, moments, caplog):
    with db.sessionmaker() as session:
        create_unit(session, "OUT-1", "Riverside outlet")
        session.flush()
        driver = session.connection().connection.driver_connection
        run = driver.execute

        def execute(sql, *args):
            if "wal_checkpoint" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return run(sql, *args)

        driver.execute = execute
        try:
            session.commit()  # does not raise
        finally:
            del driver.execute
    assert unit_count(db) == 1 and not queue_is_taken(db)
    assert "WAL checkpoint failed" in caplog.text


def test_a_write_straight_on_the_driver_takes_its_turn_and_gives_it_back_when_refused(db):
    """The QR tap's path (routing.db.write_on_driver)."""
    unit_id = add_unit(db, "OUT-1")
    turn_taken_at_insert = []
    pooled = db.engine.raw_connection()
    pooled.driver_connection.set_trace_callback(
        lambda sql: sql.startswith("INSERT") and turn_taken_at_insert.append(queue_is_taken(db)))
    pooled.close()  # back to the pool, the next checkout's connection
    write_on_driver(db.engine, ADD_RATING, {"unit": unit_id, "score": 4, "now": datetime.now(timezone.utc)})
    assert turn_taken_at_insert == [True] and not queue_is_taken(db)
    with pytest.raises(sqlite3.IntegrityError) as refused:  # scores are 1 to 5
        write_on_driver(db.engine, ADD_RATING, {"unit": unit_id, "score": 9, "now": datetime.now(timezone.utc)})
    # Given back at once, not when the exception (still held here) is collected.
    assert refused.value and db.engine.pool.checkedout() == 0 and not queue_is_taken(db)


def test_sqlite_checkpoints_on_its_own_only_as_a_backstop(db):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == writer_queue.BACKSTOP_PAGES

"""The outbox dispatcher: a pass sends what is due with a few threads, each
claiming one message just before sending it (routing.outbox_leases) and
recording the outcome (routing.delivery). It runs apart from the tick's
escalations and callbacks, so a provider that hangs delays only messages.

Stopping: `stop` is an event; each thread finishes the message in its hands
(sends have short timeouts) and claims no more; `hand_back` then lets go of
anything still held.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from routing.services import delivery
from routing.services.outbox_leases import claim_next, hand_back, worker_name

log = logging.getLogger("feedback.outbox")

OUTCOMES = ("sent", "held", "retried", "failed", "cancelled", "unconfirmed", "confirmed", "resent", "possibly_doubled",
            "lease_lost", "errors")


class OutboxDispatcher:
    def __init__(self, sessions: sessionmaker, senders: dict[str, delivery.Sender], clock, *,
                 concurrency: int = 4, batch: int = 100, lease: timedelta = timedelta(seconds=60),
                 max_attempts: int = 6, send_timeout: float | None = None, worker: str | None = None,
                 context: Callable[[], AbstractContextManager] = nullcontext):
        if send_timeout is not None and lease.total_seconds() < 2 * send_timeout:
            # A lease that ran out mid-send would let another worker ask the
            # provider too early and send a second time.
            raise ValueError(f"the outbox lease ({lease.total_seconds():g} s) must be at least twice "
                             f"the send timeout ({send_timeout:g} s)")
        self.sessions, self.senders, self.clock = sessions, senders, clock
        self.concurrency, self.batch, self.lease = max(1, concurrency), batch, lease
        self.settings = delivery.Settings(worker=worker or worker_name(), max_attempts=max_attempts)
        self.stop = threading.Event()
        self.context = context  # what a send runs in: the app's, whose catalogue renders the notices

    @property
    def worker(self) -> str:
        return self.settings.worker

    def run_pass(self, due_at: datetime | None = None) -> dict:
        """Send what is due by `due_at` (now if not given): at most `batch`
        messages, `concurrency` at a time. Returns the count of each outcome."""
        report: Counter = Counter()
        lock = threading.Lock()
        budget = [self.batch]

        def take() -> bool:
            with lock:
                if budget[0] <= 0 or self.stop.is_set():
                    return False
                budget[0] -= 1
                return True

        def work() -> None:
            with self.sessions() as session:
                while take():
                    try:
                        outcome = self._one(session, due_at)
                    except Exception:  # the database went away, say: this thread stops, the lease expires
                        log.exception("outbox: a message could not be handled")
                        session.rollback()
                        outcome = "errors"
                    if outcome is None:
                        return
                    with lock:
                        report[outcome] += 1
                    if outcome == "errors":
                        return
                    session.expunge_all()

        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox") as pool:
            for future in [pool.submit(work) for _ in range(self.concurrency)]:
                future.result()
        return {name: report[name] for name in OUTCOMES}

    def _one(self, session: Session, due_at: datetime | None) -> str | None:
        now = self.clock.now()
        claim = claim_next(session, worker=self.worker, now=now, due_at=due_at or now, lease=self.lease)
        if claim is None:
            session.commit()
            return None
        if not claim.in_doubt and delivery.opted_out(session, claim.message):
            outcome = delivery.cancel(session, claim.message, self.settings)
            session.commit()
            return outcome
        session.commit()  # the claim is on record before the provider is called
        sender = self.senders[claim.message.transport]
        act = delivery.resolve if claim.in_doubt else delivery.send
        with self.context():
            outcome = act(session, sender, claim, self.clock.now(), self.settings)
        session.commit()
        return outcome

    def hand_back(self) -> int:
        with self.sessions() as session:
            count = hand_back(session, self.worker, self.clock.now())
            session.commit()
        if count:
            log.warning("outbox: %s message(s) handed back as in doubt", count)
        return count

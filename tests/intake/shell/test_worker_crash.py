"""Real `feedback worker` processes on PostgreSQL, sending through the real
twilio client to a local fake of Twilio that takes a quarter of a second per
message: killed with SIGKILL mid-send again and again, or stopped with
SIGTERM and SIGINT, and then let finish. Afterwards every message reached
Twilio exactly once (or is marked as possibly doubled), none was lost, and
none is left claimed."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from routing.foundation.db import Database
from routing.models import OutboundMessage
from routing.services.outbox import enqueue
from support.factories import empty_postgres
from support.fake_twilio import ACCOUNT_SID, FROM, FakeTwilio

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="FEEDBACK_TEST_POSTGRES_URL is not set: the crash tests run workers on PostgreSQL")

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 60


@pytest.fixture
def database_url(postgres_server_url):
    empty_postgres(postgres_server_url)
    return postgres_server_url


@pytest.fixture
def db(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        server.slow(before=0.1, after=0.15)  # accepted a tenth of a second in, answered later
        yield server


@pytest.fixture
def queued(db):
    """MESSAGES surveys, each to its own number, due now (the workers keep real time)."""
    now = datetime.now(timezone.utc) - timedelta(minutes=1)
    with db.sessionmaker() as session:
        for n in range(MESSAGES):
            enqueue(session, transport="sms", to=f"+86138{n:08d}", body=f"Survey {n}: reply 1-5.", purpose="survey",
                    now=now)
        session.commit()


class Workers:
    """Starts `feedback worker` processes, one at a time, logging to files."""

    def __init__(self, database_url: str, fake_twilio: FakeTwilio, folder: Path):
        self.fake, self.folder, self.started = fake_twilio, folder, 0
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "FEEDBACK_DATABASE_URL": database_url,
                    "FEEDBACK_SECRET_KEY": "test-secret", "FEEDBACK_INSTANCE_PATH": str(folder / "instance"),
                    "FEEDBACK_SMS_BACKEND": "twilio", "FEEDBACK_TWILIO_API_URL": fake_twilio.url,
                    "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "test-auth-token",
                    "FEEDBACK_TWILIO_FROM": FROM, "FEEDBACK_PUBLIC_URL": "https://feedback.example.com",
                    "FEEDBACK_TICK_SECONDS": "3600", "FEEDBACK_OUTBOX_SECONDS": "1",
                    "FEEDBACK_OUTBOX_CONCURRENCY": "4", "FEEDBACK_OUTBOX_SEND_TIMEOUT": "1",
                    "FEEDBACK_OUTBOX_LEASE_SECONDS": "2"}

    def start(self) -> subprocess.Popen:
        self.started += 1
        with open(self.folder / f"worker-{self.started}.log", "w") as log:  # the child keeps its own copy
            return subprocess.Popen([sys.executable, "-m", "intake.shell.cli", "worker"], cwd=ROOT, env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT)

    def start_and_wait_until_sending(self) -> subprocess.Popen | None:
        """A new worker, once a request of its own is in flight at Twilio
        (None if it found nothing to send)."""
        before = self.fake.posts_started
        worker = self.start()
        deadline = time.monotonic() + 30
        while not (self.fake.posts_started > before and self.fake.in_flight > 0):
            if time.monotonic() > deadline:
                worker.kill()
                worker.wait()
                return None
            assert worker.poll() is None, self.log_tail()
            time.sleep(0.005)
        return worker

    def log_tail(self) -> str:
        return (self.folder / f"worker-{self.started}.log").read_text()[-3000:]


@pytest.fixture
def workers(database_url, fake_twilio, tmp_path):
    return Workers(database_url, fake_twilio, tmp_path)


def unfinished(db) -> int:
    """Messages still to be sent, or still claimed."""
    with db.sessionmaker() as session:
        return len(session.scalars(select(OutboundMessage.id).where(
            (OutboundMessage.status.in_(("pending", "sending", "unconfirmed")))
            | OutboundMessage.lease_owner.is_not(None))).all())


def finish(workers: Workers, db) -> None:
    """A last worker runs until nothing is left, then stops with SIGTERM."""
    worker = workers.start()
    deadline = time.monotonic() + 60
    while unfinished(db):
        assert time.monotonic() < deadline, workers.log_tail()
        assert worker.poll() is None, workers.log_tail()
        time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, workers.log_tail()


@dataclass
class Figures:
    messages: int
    sent_once: int
    marked: int  # possibly doubled, and said so
    doubled_unmarked: int
    lost: int
    stuck: int  # not sent, or still claimed


def figures(db, fake: FakeTwilio) -> Figures:
    with db.sessionmaker() as session:
        messages = session.scalars(select(OutboundMessage)).all()
    received = {}
    for sent in fake.messages:
        received[(sent["To"], sent["Body"])] = received.get((sent["To"], sent["Body"]), 0) + 1
    copies = [received.get((m.to, m.body), 0) for m in messages]
    return Figures(
        messages=len(messages),
        sent_once=sum(1 for m, n in zip(messages, copies) if n == 1 and not m.possibly_doubled),
        marked=sum(1 for m in messages if m.possibly_doubled),
        doubled_unmarked=sum(1 for m, n in zip(messages, copies) if n > 1 and not m.possibly_doubled),
        lost=sum(1 for n in copies if n == 0),
        stuck=sum(1 for m in messages if m.status != "sent" or m.lease_owner is not None),
    )


def test_workers_killed_mid_send_again_and_again_leave_every_message_sent_once(
        db, queued, workers, fake_twilio):
    kills = mid_send = 0
    while mid_send < 10:
        assert kills < 20, "too few kills landed mid-send"
        worker = workers.start_and_wait_until_sending()
        assert worker is not None, "nothing left to send before ten kills"
        time.sleep(random.uniform(0, 0.2))
        mid_send += fake_twilio.in_flight > 0
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
    with db.sessionmaker() as session:
        claimed_by_the_dead = len(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.status == "sending")).all())
    assert claimed_by_the_dead > 0  # the last kill left claims for the next worker to resolve

    finish(workers, db)

    result = figures(db, fake_twilio)
    print(f"\nSIGKILL: {kills} kills ({mid_send} mid-send), {result}")
    assert result.messages == MESSAGES
    assert result.lost == result.doubled_unmarked == result.stuck == 0
    assert result.sent_once + result.marked == MESSAGES


def test_workers_stopped_mid_send_finish_what_they_hold_and_leave_nothing_claimed(
        db, queued, workers, fake_twilio):
    stops = [signal.SIGTERM, signal.SIGINT] * 5
    for stop in stops:
        worker = workers.start_and_wait_until_sending()
        assert worker is not None, "nothing left to send"
        worker.send_signal(stop)
        assert worker.wait(timeout=30) == 0, workers.log_tail()
        with db.sessionmaker() as session:
            held = session.scalars(select(OutboundMessage).where(
                OutboundMessage.status.in_(("sending", "unconfirmed")) | OutboundMessage.lease_owner.is_not(None)
            )).all()
        assert held == [], workers.log_tail()  # what was in flight was finished, nothing handed over half-done
        assert "stopped, 0 message(s) handed back" in workers.log_tail()

    finish(workers, db)

    result = figures(db, fake_twilio)
    print(f"\nSIGTERM and SIGINT: {len(stops)} stops, {result}")
    assert result == Figures(messages=MESSAGES, sent_once=MESSAGES, marked=0, doubled_unmarked=0, lost=0, stuck=0)

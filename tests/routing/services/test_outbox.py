"""A message is queued once per dedupe key, and the database's unique key
decides it: a second transaction queueing the same key, even while the first
is still open, commits the rest of what it wrote and queues nothing."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select, text

from routing.models import Notification, OutboundMessage
from routing.services.notify import notify
from routing.services.outbox import enqueue

KEY = "low_ratings:1:2026110209:1"
WAIT_SECONDS = 20


def alert(session, supervisor, now) -> OutboundMessage | None:
    """What the low-ratings alert writes (notify with send=True): the in-app
    notice, and its SMS under the hour's key."""
    data = {"unit": "Pudong Outlet", "count": 3, "minutes": 30}
    notify(session, supervisor, "low_ratings", now, data=data)
    return enqueue(session, transport="sms", to=supervisor.phone, notice="low_ratings", params=data,
                   locale=supervisor.locale, purpose="alert", now=now, staff_id=supervisor.id, dedupe_key=KEY)


def waiting_for_a_lock(db) -> bool:
    """PostgreSQL: a session of this database waits for another's lock."""
    with db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")))


def until(condition) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_key_queued_by_two_open_transactions_is_sent_once_and_both_commit(app, session, make, clock):
    supervisor = make.staff("supervisor", phone="+8613800000001")
    db = app.extensions["db"]
    first, second = db.sessionmaker(), db.sessionmaker()
    queued = alert(first, supervisor, clock.now())
    first.flush()  # the first holds the key, not yet committed
    outcome: dict = {}

    def other_worker():
        try:
            outcome["sms"] = alert(second, supervisor, clock.now())
            second.commit()
        except Exception as error:  # noqa: BLE001 - the test reports what ended the transaction
            outcome["error"] = error
            second.rollback()

    worker = threading.Thread(target=other_worker)
    worker.start()
    if db.is_postgres:  # it reaches the key and waits for the first; SQLite: it waits at BEGIN, the write lock
        assert until(lambda: waiting_for_a_lock(db)), "the second transaction never waited for the first"
    first.commit()
    worker.join(timeout=WAIT_SECONDS)
    first.close()
    second.close()

    assert "error" not in outcome, outcome.get("error")
    assert queued is not None and outcome["sms"] is None
    assert session.scalars(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == KEY)).all() == [queued.id]
    # Each transaction's in-app notice is kept: the second lost nothing by meeting the key.
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.staff_id == supervisor.id, Notification.kind == "low_ratings")) == 2


def test_enqueue_returns_the_queued_message_and_none_for_a_key_already_queued(session, clock):
    message = enqueue(session, transport="sms", to="+8613800000002", notice="join_code", purpose="join_code",
                      params={"code": "123456", "minutes": 10}, now=clock.now(), dedupe_key="join_code:1")
    assert message in session
    assert (message.status, message.attempts, message.possibly_doubled) == ("pending", 0, False)
    assert message.params == {"code": "123456", "minutes": "10"}
    again = enqueue(session, transport="sms", to="+8613800000002", notice="join_code", purpose="join_code",
                    params={"code": "654321", "minutes": 10}, now=clock.now(), dedupe_key="join_code:1")
    assert again is None
    session.commit()
    assert session.scalars(select(OutboundMessage.params)).all() == [{"code": "123456", "minutes": "10"}]

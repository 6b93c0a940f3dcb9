"""The worker's two schedules, in the real APScheduler: while Twilio hangs,
the sends wait on their own threads and the tick escalates an overdue case
all the same; a stopping dispatcher claims nothing more and hands back what
it still holds."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.shell.jobs import make_dispatcher
from intake.shell.scheduler import start_scheduler
from routing.models import Escalation, OutboundMessage
from routing.services.outbox import enqueue
from routing.services.outbox_leases import claim_next
from support.fake_twilio import sending_to
from support.ladder import local


@pytest.fixture
def app_config(app_config, fake_twilio):
    return {**app_config, **sending_to(fake_twilio), "TICK_SECONDS": 1, "OUTBOX_SECONDS": 1,
            "OUTBOX_CONCURRENCY": 2, "OUTBOX_SEND_TIMEOUT": 5}


def wait_for(condition, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_while_twilio_hangs_the_tick_still_escalates_an_overdue_case(app, session, make, ladder_org, clock, fake_twilio):
    for n in range(4):
        enqueue(session, transport="sms", to=f"+861380000010{n}", body="How was our service?", purpose="survey",
                now=clock.now())
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Power cut")  # on site within 30 minutes
    clock.set(local(2026, 11, 2, 9, 20))
    fake_twilio.hang_after_accept(times=100)
    scheduler = start_scheduler(app)
    try:
        wait_for(lambda: fake_twilio.in_flight == 2)  # both sending threads wait on Twilio
        clock.set(local(2026, 11, 2, 9, 45))  # the arrival limit is missed

        def escalated():
            session.rollback()
            return session.scalars(select(Escalation).where(Escalation.case_id == case.id)).first()

        wait_for(escalated, seconds=4)
        assert fake_twilio.in_flight == 2  # the sends are still hanging
    finally:
        fake_twilio.release()
        scheduler.shutdown(wait=True)


def test_a_stopped_dispatcher_claims_nothing_and_hands_back_what_it_held(app, session, clock):
    for n in range(3):
        enqueue(session, transport="sms", to=f"+861380000020{n}", body="Hello", purpose="reply", now=clock.now())
    session.commit()
    dispatcher = make_dispatcher(app)
    with app.extensions["db"].sessionmaker() as held:  # as if one of its threads had claimed and not finished
        claim_next(held, worker=dispatcher.worker, now=clock.now(), due_at=clock.now(), lease=timedelta(minutes=1))
        held.commit()
    dispatcher.stop.set()

    assert not any(dispatcher.run_pass().values())
    assert dispatcher.hand_back() == 1

    session.rollback()
    statuses = [(m.status, m.lease_owner, m.lease_until) for m in session.scalars(
        select(OutboundMessage).order_by(OutboundMessage.id))]
    assert statuses == [("unconfirmed", None, clock.now()), ("pending", None, None), ("pending", None, None)]

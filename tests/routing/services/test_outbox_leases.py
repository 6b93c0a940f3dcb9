"""The outbox's leases, with the recording sender (which, like SMTP and the
log, cannot be asked what it accepted): a claim is on record before the
provider is called; a worker that dies leaves a lease that runs out; a
message in doubt with such a sender is sent again and marked; a late outcome
from a worker whose lease was taken over is not recorded."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.shell.jobs import make_dispatcher, tick
from routing.models import OutboundMessage
from routing.services.delivery import DeliveryError, Settings, send
from routing.services.outbox import enqueue
from routing.services.outbox_leases import claim_next

PHONE = "+8613812345678"


@pytest.fixture
def queued(session, clock):
    message = enqueue(session, transport="sms", to=PHONE, body="Your case is resolved.", purpose="resolution",
                      now=clock.now())
    session.commit()
    return message


def reread(session, message_id):
    session.rollback()
    session.expire_all()
    return session.get(OutboundMessage, message_id)


def claim(app, worker="worker-a", lease=timedelta(seconds=60)):
    now = app.extensions["clock"].now()
    with app.extensions["db"].sessionmaker() as session:
        claimed = claim_next(session, worker=worker, now=now, due_at=now, lease=lease)
        session.commit()
        return claimed


def test_a_message_is_claimed_and_its_claim_committed_before_the_provider_is_called(app, senders, queued, clock):
    seen = []

    class Watching:
        """Reads the message's row, as another process would, while it is being sent."""

        def send(self, message):
            with app.extensions["db"].sessionmaker() as other:
                row = other.get(OutboundMessage, message.id)
                seen.append((row.status, row.lease_owner is not None, row.lease_until, row.attempted_at,
                             row.attempts))
            return "PROVIDER-1"

    app.extensions["senders"]["sms"] = Watching()

    assert tick(app, clock.now())["outbox"]["sent"] == 1
    assert seen == [("sending", True, clock.now() + timedelta(seconds=60), clock.now(), 1)]


def test_a_message_in_doubt_with_a_sender_that_cannot_be_asked_is_sent_again_and_marked(
        app, session, senders, queued, clock):
    claim(app, worker="dead-worker")  # ...which died mid-send

    assert tick(app, clock.advance(seconds=59))["outbox"]["sent"] == 0
    report = tick(app, clock.advance(seconds=1))["outbox"]

    assert (report["possibly_doubled"], report["sent"]) == (1, 1)
    message = reread(session, queued.id)
    assert (message.status, message.possibly_doubled, message.attempts, message.lease_owner) == ("sent", True, 2, None)
    assert senders["sms"].bodies_to(PHONE) == ["Your case is resolved."]  # the second attempt; the first is unknown


def test_a_late_outcome_from_a_worker_whose_lease_was_taken_over_is_not_recorded(app, session, senders, queued, clock):
    slow = claim(app, worker="slow-worker")
    clock.advance(seconds=61)
    tick(app, clock.now())  # taken over: in doubt, sent again and marked
    settings = Settings(worker="slow-worker")

    with app.extensions["db"].sessionmaker() as late:
        assert send(late, senders["sms"], slow, clock.now(), settings) == "lease_lost"
        late.commit()

    message = reread(session, queued.id)
    assert message.provider_id != slow.message.provider_id and message.lease_owner is None


def test_a_refusal_for_good_fails_the_message_at_once_and_a_refusal_for_now_retries_it(
        app, session, senders, queued, clock):
    senders["sms"].fail_with = DeliveryError("rate limited", retryable=True)
    assert tick(app, clock.now())["outbox"]["retried"] == 1
    assert reread(session, queued.id).not_before == clock.now() + timedelta(minutes=1)

    senders["sms"].fail_with = DeliveryError("not a mobile number", retryable=False)
    assert tick(app, clock.advance(minutes=1))["outbox"]["failed"] == 1
    message = reread(session, queued.id)
    assert (message.status, message.attempts, message.last_error) == ("failed", 2, "not a mobile number")


def test_two_dispatchers_never_hold_the_same_message(app, session, clock):
    for n in range(6):
        enqueue(session, transport="sms", to=f"+86138000003{n:02d}", body="Hello", purpose="reply", now=clock.now())
    session.commit()
    first = [claim(app, worker="a") for _ in range(3)]
    second = [claim(app, worker="b") for _ in range(4)]

    assert second[-1] is None  # six messages, six claims
    assert len({c.message.id for c in first + second[:3]}) == 6
    owners = session.scalars(select(OutboundMessage.lease_owner).order_by(OutboundMessage.id)).all()
    assert sorted(owners) == ["a"] * 3 + ["b"] * 3


def test_a_lease_shorter_than_two_send_timeouts_is_refused_at_start(app):
    app.config.update(OUTBOX_SEND_TIMEOUT=10, OUTBOX_LEASE_SECONDS=15)
    with pytest.raises(ValueError, match="at least twice the send timeout"):
        make_dispatcher(app)

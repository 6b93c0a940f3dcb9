"""The outbox sends through the real twilio client (built from the
configuration, as in production) to a local fake of Twilio's API: each
message claimed just before it is sent, a send whose answer was lost
checked in Twilio's message list before anything is sent again, at most a
few in flight at once."""
from datetime import timedelta

import pytest

from intake.shell.jobs import tick
from intake.sms.twilio_client import send_sms
from routing.models import Contact, OutboundMessage
from routing.services.outbox import enqueue
from routing.services.outbox_leases import claim_next
from support.fake_twilio import ACCOUNT_SID, FROM, sending_to
from support.sms import PHONE, rows, serve


@pytest.fixture
def app_config(app_config, fake_twilio):
    """conftest's configuration with no senders handed in: the app builds
    its TwilioSender from these settings."""
    return {**app_config, **sending_to(fake_twilio), "OUTBOX_SEND_TIMEOUT": 1}


@pytest.fixture
def sms_app(app):
    yield app
    app.extensions["senders"]["sms"].client.http_client.session.close()


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")


def queue(app, body="Your case C-2026-000001 is resolved.", to=PHONE, key=None):
    """A message due now, committed."""
    with app.extensions["db"].sessionmaker() as session:
        message = enqueue(session, transport="sms", to=to, body=body, purpose="reply",
                          now=app.extensions["clock"].now(), dedupe_key=key)
        session.commit()
        return message.id


def the_message(app, message_id=None):
    [message] = rows(app, OutboundMessage, *([OutboundMessage.id == message_id] if message_id else []))
    return message


def test_a_survey_reaches_twilio(sms_app, clock, fake_twilio, outlet):
    serve(sms_app, outlet, locale="en")

    report = tick(sms_app, clock.advance(minutes=10))

    assert report["outbox"]["sent"] == 1
    [sent] = fake_twilio.messages
    assert (sent["To"], sent["From"]) == (PHONE, FROM)
    assert sent["Body"].startswith("Thank you for visiting Pudong Outlet.")
    assert sent["StatusCallback"] == "https://feedback.example.com/sms/status"
    assert (sent["auth_user"], sent["auth_password"]) == (ACCOUNT_SID, "test-auth-token")
    message = the_message(sms_app)
    assert (message.status, message.provider_id, message.lease_owner) == ("sent", sent["sid"], None)


def test_rate_limited_by_twilio_it_is_sent_again_after_a_pause_without_asking(sms_app, clock, fake_twilio):
    queue(sms_app)
    fake_twilio.fail_next(429, code=20429)  # Twilio says plainly it took nothing

    assert tick(sms_app, clock.now())["outbox"]["retried"] == 1
    assert tick(sms_app, clock.advance(seconds=59))["outbox"]["sent"] == 0  # backing off
    assert tick(sms_app, clock.advance(seconds=1))["outbox"]["sent"] == 1

    assert len(fake_twilio.sent_to(PHONE)) == 1
    assert (the_message(sms_app).status, the_message(sms_app).attempts) == ("sent", 2)


def test_after_a_twilio_server_error_twilio_is_asked_and_the_message_sent_once(sms_app, clock, fake_twilio):
    queue(sms_app)
    fake_twilio.fail_next(500)  # it may have made the message before failing: in doubt

    assert tick(sms_app, clock.now())["outbox"]["unconfirmed"] == 1
    assert the_message(sms_app).status == "unconfirmed"
    assert tick(sms_app, clock.advance(seconds=59))["outbox"]["resent"] == 0  # asked after a pause

    report = tick(sms_app, clock.advance(seconds=1))["outbox"]

    assert (report["resent"], report["sent"]) == (1, 1)  # Twilio had none: sent, and not marked
    assert len(fake_twilio.sent_to(PHONE)) == 1
    message = the_message(sms_app)
    assert (message.status, message.attempts, message.possibly_doubled) == ("sent", 2, False)


@pytest.mark.parametrize("handed_on", [True, False], ids=["sent-by-twilio", "still-queued-at-twilio"])
def test_a_send_accepted_by_twilio_whose_answer_timed_out_is_found_there_and_not_sent_again(
        sms_app, clock, fake_twilio, handed_on):
    fake_twilio.send_at_once = handed_on  # a queued message has no date sent yet
    queue(sms_app)
    fake_twilio.hang_after_accept()  # accepted, then no answer within the client's timeout

    report = tick(sms_app, clock.now())["outbox"]

    assert (report["sent"], report["unconfirmed"]) == (0, 1)
    [accepted] = fake_twilio.messages
    assert (the_message(sms_app).status, the_message(sms_app).provider_id) == ("unconfirmed", None)

    report = tick(sms_app, clock.advance(minutes=1))["outbox"]

    assert (report["confirmed"], report["sent"], report["resent"]) == (1, 0, 0)
    assert fake_twilio.messages == [accepted]  # never sent twice
    message = the_message(sms_app)
    assert (message.status, message.provider_id, message.possibly_doubled) == ("sent", accepted["sid"], False)
    assert not any(tick(sms_app, clock.advance(hours=1))["outbox"].values())  # nothing left to do


def answer_lost_and_twilio_not_answering_questions(app, clock, fake, *, max_attempts: int) -> None:
    """A send accepted by Twilio whose answer was lost; then asking Twilio about it fails twice."""
    app.config["OUTBOX_MAX_ATTEMPTS"] = max_attempts
    queue(app)
    fake.hang_after_accept()
    tick(app, clock.now())
    fake.fail_next(503, times=2, method="GET")


def test_while_twilio_cannot_be_asked_nothing_is_sent_again_and_it_is_asked_again_later(
        sms_app, clock, fake_twilio):
    answer_lost_and_twilio_not_answering_questions(sms_app, clock, fake_twilio, max_attempts=3)

    for minutes in (1, 2):
        assert tick(sms_app, clock.advance(minutes=minutes))["outbox"]["unconfirmed"] == 1
        assert len(fake_twilio.messages) == 1
    message = the_message(sms_app)
    assert (message.status, message.attempts) == ("unconfirmed", 3)
    assert "Twilio could not be asked" in message.last_error

    # Asked again and answered: found, though the attempts had run out.
    assert tick(sms_app, clock.advance(minutes=4))["outbox"]["confirmed"] == 1
    assert (the_message(sms_app).status, len(fake_twilio.messages)) == ("sent", 1)


def test_when_twilio_never_answers_the_question_the_message_is_sent_again_and_marked_possibly_doubled(
        sms_app, clock, fake_twilio):
    answer_lost_and_twilio_not_answering_questions(sms_app, clock, fake_twilio, max_attempts=2)

    assert tick(sms_app, clock.advance(minutes=1))["outbox"]["unconfirmed"] == 1
    report = tick(sms_app, clock.advance(minutes=2))["outbox"]

    assert (report["possibly_doubled"], report["sent"]) == (1, 1)
    assert len(fake_twilio.sent_to(PHONE)) == 2
    message = the_message(sms_app)
    assert (message.status, message.possibly_doubled) == ("sent", True)
    assert message.provider_id == fake_twilio.messages[1]["sid"]


def crashed_claim(app):
    """A worker claims the next message and dies before recording anything."""
    with app.extensions["db"].sessionmaker() as session:
        claim = claim_next(session, worker="dead-worker", now=app.extensions["clock"].now(),
                           due_at=app.extensions["clock"].now(), lease=timedelta(seconds=60))
        session.commit()
        return claim.message


def test_a_worker_that_died_after_twilio_accepted_leaves_a_lease_that_runs_out_and_twilio_is_asked(
        sms_app, clock, fake_twilio):
    queue(sms_app)
    message = crashed_claim(sms_app)
    send_sms(sms_app.extensions["senders"]["sms"].client, FROM, message.to, message.body)  # then it died

    assert tick(sms_app, clock.advance(seconds=59))["outbox"]["sent"] == 0  # its lease still holds
    assert the_message(sms_app).lease_owner == "dead-worker"

    report = tick(sms_app, clock.advance(seconds=1))["outbox"]

    assert (report["confirmed"], report["sent"]) == (1, 0)
    assert len(fake_twilio.messages) == 1
    assert (the_message(sms_app).status, the_message(sms_app).lease_owner) == ("sent", None)


def test_a_worker_that_died_before_its_request_left_leaves_a_message_sent_once_after_its_lease(
        sms_app, clock, fake_twilio):
    queue(sms_app)
    crashed_claim(sms_app)

    report = tick(sms_app, clock.advance(seconds=60))["outbox"]

    assert (report["resent"], report["sent"]) == (1, 1)
    assert len(fake_twilio.messages) == 1
    message = the_message(sms_app)
    assert (message.status, message.possibly_doubled) == ("sent", False)


def test_the_same_text_to_the_same_person_twice_is_two_messages_when_twilio_is_asked(sms_app, clock, fake_twilio):
    first = queue(sms_app, body="Your callback is tomorrow.", key="one")
    tick(sms_app, clock.now())
    second = queue(sms_app, body="Your callback is tomorrow.", key="two")
    fake_twilio.hang_after_accept()
    tick(sms_app, clock.advance(minutes=1))  # the second was accepted; its answer was lost

    tick(sms_app, clock.advance(minutes=1))

    assert len(fake_twilio.messages) == 2
    assert the_message(sms_app, first).provider_id == fake_twilio.messages[0]["sid"]
    assert the_message(sms_app, second).provider_id == fake_twilio.messages[1]["sid"]


def test_no_more_than_the_configured_number_of_messages_are_in_flight_at_once(sms_app, clock, fake_twilio):
    sms_app.config["OUTBOX_CONCURRENCY"] = 3
    for n in range(12):
        queue(sms_app, to=f"+86138000000{n:02d}")
    fake_twilio.slow(after=0.05)

    assert tick(sms_app, clock.now())["outbox"]["sent"] == 12
    assert fake_twilio.most_in_flight == 3
    assert {m.status for m in rows(sms_app, OutboundMessage)} == {"sent"}


def test_a_recipient_who_unsubscribed_at_twilio_is_opted_out_and_sent_nothing_more(
        sms_app, clock, fake_twilio, outlet):
    serve(sms_app, outlet, external_id="Q-1")
    fake_twilio.fail_next(400, code=21610)

    tick(sms_app, clock.advance(minutes=10))
    [contact] = rows(sms_app, Contact)
    assert contact.opted_out_at is not None
    assert [m.status for m in rows(sms_app, OutboundMessage)] == ["cancelled"]

    clock.advance(days=31)  # past the survey throttle: only the opt-out stops the next one
    serve(sms_app, outlet, external_id="Q-2")
    tick(sms_app, clock.advance(minutes=10))
    assert fake_twilio.messages == []
    assert len(rows(sms_app, OutboundMessage)) == 1

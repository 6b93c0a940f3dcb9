"""The outbox sends surveys through the real twilio client (built from the
configuration, as in production) to a local fake of Twilio's API."""
import pytest

from intake.shell.jobs import tick
from routing.models import Contact, OutboundMessage
from support.fake_twilio import FakeTwilio
from support.sms import PHONE, rows, serve

ACCOUNT_SID = "AC" + "0" * 32


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def app_config(app_config, fake_twilio):
    """conftest's configuration with no senders handed in: the app builds
    its TwilioSender from these settings."""
    return {**app_config, "SENDERS": None, "SMS_BACKEND": "twilio", "TWILIO_API_URL": fake_twilio.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "test-auth-token",
            "TWILIO_FROM": "+15005550006"}


@pytest.fixture
def sms_app(app):
    yield app
    app.extensions["senders"]["sms"].client.http_client.session.close()


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")


def test_a_survey_reaches_twilio(sms_app, clock, fake_twilio, outlet):
    serve(sms_app, outlet, locale="en")

    report = tick(sms_app, clock.advance(minutes=10))

    assert report["outbox"]["sent"] == 1
    [sent] = fake_twilio.messages
    assert (sent["To"], sent["From"]) == (PHONE, "+15005550006")
    assert sent["Body"].startswith("Thank you for visiting Pudong Outlet.")
    assert sent["StatusCallback"] == "https://feedback.example.com/sms/status"
    assert (sent["auth_user"], sent["auth_password"]) == (ACCOUNT_SID, "test-auth-token")
    [message] = rows(sms_app, OutboundMessage)
    assert (message.status, message.provider_id) == ("sent", sent["sid"])


def test_a_twilio_server_error_is_retried_with_backoff_on_a_later_tick(sms_app, clock, fake_twilio, outlet):
    serve(sms_app, outlet)
    fake_twilio.fail_next(500)

    assert tick(sms_app, clock.advance(minutes=10))["outbox"]["retried"] == 1
    assert tick(sms_app, clock.advance(seconds=59))["outbox"]["sent"] == 0  # backing off
    assert fake_twilio.messages == []

    assert tick(sms_app, clock.advance(seconds=1))["outbox"]["sent"] == 1
    assert [m["To"] for m in fake_twilio.messages] == [PHONE]
    [message] = rows(sms_app, OutboundMessage)
    assert (message.status, message.attempts) == ("sent", 2)


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

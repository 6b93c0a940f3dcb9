import re
import socket
from datetime import datetime, timedelta, timezone

import pytest
from twilio.request_validator import RequestValidator

from intake.sms.twilio_client import (
    RedirectingHttpClient,
    SmsError,
    find_sent,
    make_client,
    send_sms,
    signature_valid,
    twiml_message,
)
from support.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "secret-auth-token"
SURVEY = "How was your service at Pudong Branch today? Reply 1-5. 回复TD退订"
STATUS_URL = "https://feedback.example.com/sms/status"


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def client(fake_twilio):
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, api_url=fake_twilio.url)
    yield client
    client.http_client.session.close()


def test_a_survey_reaches_twilio_with_its_fields_and_the_account_auth(client, fake_twilio):
    sid = send_sms(client, "+15005550006", "+8613812345678", SURVEY, status_callback=STATUS_URL)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    [sent] = fake_twilio.messages
    assert sent["sid"] == sid
    assert sent["To"] == "+8613812345678"
    assert sent["From"] == "+15005550006"
    assert sent["Body"] == SURVEY
    assert sent["StatusCallback"] == STATUS_URL
    assert "MessagingServiceSid" not in sent
    assert (sent["account_sid"], sent["auth_user"], sent["auth_password"]) == (
        ACCOUNT_SID,
        ACCOUNT_SID,
        AUTH_TOKEN,
    )


def test_a_messaging_service_sends_in_place_of_a_number(client, fake_twilio):
    service = "MG" + "1" * 32
    send_sms(client, service, "+8613812345678", SURVEY)

    [sent] = fake_twilio.messages
    assert sent["MessagingServiceSid"] == service
    assert "From" not in sent
    assert "StatusCallback" not in sent


def test_a_twilio_server_error_is_worth_retrying_once_twilio_is_asked(client, fake_twilio):
    fake_twilio.fail_next(500)
    with pytest.raises(SmsError) as failed:
        send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    assert failed.value.retryable and not failed.value.opted_out
    assert failed.value.in_doubt  # Twilio may have made the message before it failed
    assert failed.value.status == 500
    assert fake_twilio.messages == []

    # The fake fails once only: the retry goes through.
    assert send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    assert len(fake_twilio.messages) == 1


def test_being_rate_limited_is_worth_retrying(client, fake_twilio):
    fake_twilio.fail_next(429, code=20429)
    with pytest.raises(SmsError) as failed:
        send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    assert failed.value.retryable and not failed.value.in_doubt


def test_an_unsubscribed_recipient_is_opted_out_and_not_retried(client, fake_twilio):
    fake_twilio.fail_next(400, code=21610)
    with pytest.raises(SmsError) as failed:
        send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    assert failed.value.opted_out
    assert not failed.value.retryable
    assert failed.value.code == 21610


def test_any_other_refusal_is_final(client, fake_twilio):
    fake_twilio.fail_next(400, code=21211)  # invalid 'To' number
    with pytest.raises(SmsError) as failed:
        send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    assert not failed.value.retryable and not failed.value.opted_out
    assert failed.value.code == 21211
    assert failed.value.message


def test_twilio_unreachable_is_worth_retrying():
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        closed_url = "http://127.0.0.1:%d" % probe.getsockname()[1]
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, api_url=closed_url)
    try:
        with pytest.raises(SmsError) as failed:
            send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    finally:
        client.http_client.session.close()
    assert failed.value.retryable and not failed.value.opted_out
    assert not failed.value.in_doubt  # no connection, so no request reached Twilio
    assert failed.value.code is None


def test_an_answer_that_times_out_after_twilio_accepted_leaves_the_message_in_doubt(fake_twilio):
    client = make_client(ACCOUNT_SID, AUTH_TOKEN, api_url=fake_twilio.url, timeout=0.5)
    fake_twilio.hang_after_accept()
    try:
        with pytest.raises(SmsError) as failed:
            send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    finally:
        client.http_client.session.close()
    assert failed.value.in_doubt and failed.value.retryable
    assert len(fake_twilio.messages) == 1


def test_find_sent_reads_twilios_list_by_recipient_and_date_sent_and_matches_sender_and_text(client, fake_twilio):
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    ours = send_sms(client, "+15005550006", "+8613812345678", SURVEY)
    send_sms(client, "+15005550006", "+8613812345678", "Another text")
    send_sms(client, "+15005550006", "+8613900000000", SURVEY)
    send_sms(client, "+15005559999", "+8613812345678", SURVEY)  # another sender

    assert find_sent(client, "+15005550006", "+8613812345678", SURVEY, since) == [(ours, "sent")]
    assert find_sent(client, "+15005550006", "+8613812345678", SURVEY, since + timedelta(minutes=10)) == []


def test_the_redirect_keeps_path_and_query_and_a_base_path():
    http = RedirectingHttpClient("http://127.0.0.1:8123/twilio/")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"
    assert http.redirect(url) == (
        "http://127.0.0.1:8123/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"
    )
    http.session.close()


def test_the_redirect_needs_an_absolute_url():
    with pytest.raises(ValueError):
        RedirectingHttpClient("127.0.0.1:8123")


WEBHOOK_URL = "https://feedback.example.com/sms/inbound"
INBOUND = {"MessageSid": "SM" + "a" * 32, "From": "+8613812345678", "To": "+15005550006",
           "Body": "5"}


def test_a_webhook_signed_with_our_token_is_genuine():
    signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, INBOUND)
    assert signature_valid(AUTH_TOKEN, WEBHOOK_URL, INBOUND, signature)


def test_a_forged_or_altered_webhook_is_refused():
    signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, INBOUND)
    forged = RequestValidator("someone-elses-token").compute_signature(WEBHOOK_URL, INBOUND)
    assert not signature_valid(AUTH_TOKEN, WEBHOOK_URL, INBOUND, forged)
    assert not signature_valid(AUTH_TOKEN, WEBHOOK_URL, {**INBOUND, "Body": "1"}, signature)
    assert not signature_valid(AUTH_TOKEN, WEBHOOK_URL + "?x=1", INBOUND, signature)
    assert not signature_valid(AUTH_TOKEN, WEBHOOK_URL, INBOUND, None)
    assert not signature_valid(None, WEBHOOK_URL, INBOUND, signature)


def test_a_signature_over_flask_style_multi_valued_form_is_checked():
    from werkzeug.datastructures import ImmutableMultiDict

    form = ImmutableMultiDict([*INBOUND.items(), ("MediaUrl0", "https://x/1")])
    signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, form)
    assert signature_valid(AUTH_TOKEN, WEBHOOK_URL, form, signature)


def test_a_reply_is_one_message_in_twiml():
    assert twiml_message("Thanks! 谢谢 <3 & more") == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<Response><Message>Thanks! 谢谢 &lt;3 &amp; more</Message></Response>"
    )


def test_no_reply_is_an_empty_response():
    assert twiml_message(None) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert twiml_message("") == twiml_message(None)

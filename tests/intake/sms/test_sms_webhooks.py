"""Twilio's webhooks: what a customer's SMS becomes, answered in their
language; only requests signed by Twilio are heard; each message once;
delivery statuses only move forward."""
import pytest
from twilio.request_validator import RequestValidator

from intake.models import InboundMessage, Survey
from intake.shell.jobs import tick
from routing.models import Case, CaseEvent, Contact, OutboundMessage, Rating
from support.sms import AUTH_TOKEN, PHONE, rows, serve, signed, sms

OTHER_PHONE = "+8613912345678"


@pytest.fixture
def teller(make, outlet):
    return make.staff(unit=outlet)


@pytest.fixture
def surveyed(app, clock, outlet, teller):
    """The customer was served by the teller and has their survey."""
    serve(app, outlet, teller)
    tick(app, clock.advance(minutes=10))


def twiml(text):
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


@pytest.mark.parametrize("known,body,reply", [
    ("en", "The queue was far too long.", "Thank you. Your message is registered as case C-2026-000001; "
                                          "a member of staff will contact you."),
    (None, "排队时间太长了", "谢谢！您的信息已登记，工单号C-2026-000001，工作人员将与您联系。"),
    ("zh_Hans_CN", "The queue was far too long.", "谢谢！您的信息已登记，工单号C-2026-000001，工作人员将与您联系。"),
])
def test_a_signed_sms_is_answered_with_twiml_in_the_customers_language(app, client, session, known, body, reply):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # so that a Chinese reply is not merely the default
    if known:
        session.add(Contact(address=PHONE, locale=known))
        session.commit()

    response = sms(client, body)

    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == twiml(reply)


@pytest.mark.parametrize("headers", [
    {},
    {"X-Twilio-Signature": "forged"},
    signed("/sms/inbound", {"MessageSid": "SM0001", "From": PHONE, "Body": "Hi"}, token="another-token"),
    signed("/sms/inbound", {"MessageSid": "SM0001", "From": PHONE, "Body": "A different text"}),
])
def test_an_sms_without_twilios_signature_is_refused_and_nothing_recorded(app, client, headers):
    response = client.post("/sms/inbound", data={"MessageSid": "SM0001", "From": PHONE, "Body": "Hi"},
                           headers=headers)

    assert response.status_code == 403
    assert rows(app, InboundMessage) == [] and rows(app, Case) == []


def test_the_signature_is_over_the_public_url_and_not_the_address_a_proxy_forwarded_to(app, client):
    form = {"MessageSid": "SM0001", "From": PHONE, "Body": "Hi"}
    local = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/sms/inbound", form)
    assert client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": local}).status_code == 403

    with_query = client.post("/sms/inbound?site=pudong", data=form,
                             headers=signed("/sms/inbound", form, query="site=pudong"))
    assert with_query.status_code == 200


def test_the_webhook_needs_no_csrf_token_its_signature_stands_in(app, client):
    app.config["WTF_CSRF_ENABLED"] = True

    assert sms(client, "Hi").status_code == 200


def test_the_same_message_delivered_twice_is_recorded_once(app, client):
    first = sms(client, "The queue was far too long.", sid="SM0042")
    second = sms(client, "The queue was far too long.", sid="SM0042")

    assert first.get_data() == second.get_data()
    assert len(rows(app, InboundMessage)) == 1
    [case] = rows(app, Case)
    assert len(rows(app, CaseEvent, CaseEvent.case_id == case.id)) == 1


@pytest.mark.parametrize("body", ["5", "５", "五"])
def test_a_reply_to_the_survey_rates_the_unit_and_staff_member_of_the_service(
        app, client, surveyed, outlet, teller, body):
    response = sms(client, body)

    assert response.get_data(as_text=True) == twiml("感谢您的评价。")
    [rating] = rows(app, Rating)
    assert (rating.channel, rating.score, rating.unit_id, rating.staff_id) == ("sms", 5, outlet.id, teller.id)
    [survey] = rows(app, Survey)
    assert (survey.status, survey.rating_id) == ("answered", rating.id)
    assert rows(app, Case) == []


def test_a_low_rating_invites_the_customer_to_say_what_went_wrong_which_reaches_that_unit(
        app, client, clock, surveyed, outlet):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    reply = sms(client, "1", sid="SM0001").get_data(as_text=True)
    assert "Reply with what went wrong" in reply

    sms(client, "Nobody answered my question.", sid="SM0002")

    [case] = rows(app, Case)
    assert (case.unit_id, case.channel, case.contact_phone) == (outlet.id, "sms", PHONE)


def test_a_number_without_a_survey_waiting_is_heard_as_a_message(app, client):
    sms(client, "5")

    assert rows(app, Rating) == []
    [case] = rows(app, Case)
    assert case.description == "5"


@pytest.mark.parametrize("keyword", ["STOP", "退订", "td"])
def test_after_stop_a_service_sends_nothing(app, client, clock, senders, outlet, keyword):
    sms(client, keyword)
    serve(app, outlet)
    tick(app, clock.advance(minutes=10))

    assert senders["sms"].sent == []
    assert rows(app, Contact)[0].opted_out_at is not None
    assert rows(app, Survey) == []


def test_stop_cancels_a_survey_already_queued(app, client, clock, senders, outlet):
    serve(app, outlet)
    sms(client, "STOP")
    assert [m.status for m in rows(app, OutboundMessage)] == ["cancelled"]

    tick(app, clock.advance(minutes=10))
    assert senders["sms"].sent == []


def test_start_opts_back_in(app, client, clock, senders, outlet):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    sms(client, "STOP", sid="SM0001")
    assert "Reply STOP to opt out" in sms(client, "START", sid="SM0002").get_data(as_text=True)

    serve(app, outlet)
    tick(app, clock.advance(minutes=10))

    assert len(senders["sms"].bodies_to(PHONE)) == 1
    assert rows(app, Contact)[0].opted_out_at is None


def test_help_gets_a_help_text_and_nothing_else(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    reply = sms(client, "HELP").get_data(as_text=True)

    assert "Reply 1 to 5 to rate a service" in reply
    assert rows(app, Case) == [] and rows(app, Rating) == []
    assert [m.outcome for m in rows(app, InboundMessage)] == ["help"]


def test_a_message_joins_the_open_case_of_that_number(app, client, make):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    case = make.case(contact_phone=PHONE, description="My card was swallowed.")
    make.case(contact_phone=OTHER_PHONE)

    reply = sms(client, "我还在等回电").get_data(as_text=True)

    assert case.reference in reply
    assert len(rows(app, Case)) == 2
    events = rows(app, CaseEvent, CaseEvent.case_id == case.id)
    assert (events[-1].kind, events[-1].actor, events[-1].body) == ("customer_message", "customer", "我还在等回电")


def test_a_message_from_a_number_without_an_open_case_opens_one(app, client, make):
    closed = make.case(contact_phone=PHONE)
    with app.extensions["db"].sessionmaker() as s:
        s.get(Case, closed.id).status = "closed"
        s.commit()

    sms(client, "The cash machine is out of order.")

    new = rows(app, Case, Case.id != closed.id)
    assert [(c.channel, c.kind, c.contact_phone, c.description) for c in new] == [
        ("sms", "complaint", PHONE, "The cash machine is out of order.")]
    assert [m.outcome for m in rows(app, InboundMessage)] == ["new_case"]


@pytest.mark.parametrize("form,message", [
    ({"MessageSid": "SM0001", "Body": "Hi"}, "From"),
    ({"From": PHONE, "Body": "Hi"}, "MessageSid"),
    ({"MessageSid": "SM0001", "From": "12", "Body": "Hi"}, "phone number is not valid"),
])
def test_malformed_input_is_refused_with_a_message_and_nothing_written(app, client, form, message):
    response = client.post("/sms/inbound", data=form, headers=signed("/sms/inbound", form))

    assert response.status_code == 400
    assert message in response.get_json()["detail"]
    assert rows(app, InboundMessage) == [] and rows(app, Contact) == []


def status_callback(client, status, sid=None):
    if sid is None:  # the survey's id at the provider
        [sid] = [m.provider_id for m in rows(client.application, OutboundMessage)]
    form = {"MessageSid": sid, "MessageStatus": status, "To": PHONE}
    return client.post("/sms/status", data=form, headers=signed("/sms/status", form))


def test_delivery_statuses_only_move_forward(app, client, surveyed):
    assert status_callback(client, "delivered").status_code == 204
    status_callback(client, "sent")  # late, out of order
    status_callback(client, "undelivered")

    [message] = rows(app, OutboundMessage)
    assert message.status == "delivered"


def test_a_status_callback_without_a_signature_changes_nothing(app, client, surveyed):
    response = client.post("/sms/status", data={"MessageSid": "REC000001", "MessageStatus": "failed"})

    assert response.status_code == 403
    assert [m.status for m in rows(app, OutboundMessage)] == ["sent"]

"""Aliyun SMS and Tencent Cloud SMS through their real SDKs, pointed at local
fakes: a notice goes out as its approved template with the signature; a
notice without one is held, said so on the notices page, and sent once its
code is given; receipts and replies come back through the callbacks, once
each, and a reply of 1-5 or TD does what it does over Twilio; a refusal and a
timeout follow the outbox's rule (sent at most once unless the provider says
it took nothing; Aliyun is asked, Tencent cannot be)."""
from __future__ import annotations

import pytest

from intake.models import InboundMessage
from intake.shell.jobs import tick
from routing.models import Contact, NoticeTemplate, OutboundMessage, Rating
from support.fake_domestic_sms import FakeAliyun, FakeTencent, aliyun_settings, tencent_settings
from support.sms import PHONE, rows, serve

SECRET = "w3bh00k-s3cret"
CODES = {"aliyun": "SMS_480001", "tencent": "2100001"}


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request):
    return request.param


@pytest.fixture
def fake(provider, clock):
    with (FakeAliyun if provider == "aliyun" else FakeTencent)(clock=clock.now) as server:
        yield server


@pytest.fixture
def app_config(app_config, provider, fake):
    """No senders handed in: the app builds the provider's sender from these settings."""
    settings = aliyun_settings(fake) if provider == "aliyun" else tencent_settings(fake)
    return {**app_config, **settings, "SENDERS": None, "OUTBOX_SEND_TIMEOUT": 1, "SMS_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")


def approve(app, provider, *keys):
    """The administrator has entered the codes of these notices' templates."""
    with app.extensions["db"].sessionmaker() as session:
        for key in keys:
            session.add(NoticeTemplate(provider=provider, notice=key, code=f"{CODES[provider]}-{key}"[:64],
                                       updated_at=app.extensions["clock"].now()))
        session.commit()


def the_message(app, notice="survey"):
    [message] = rows(app, OutboundMessage, OutboundMessage.notice == notice)
    return message


def to_provider(provider):
    return "13812345678" if provider == "aliyun" else PHONE


def receipt(client, provider, message, delivered=True):
    if provider == "aliyun":
        body = [{"phone_number": "13812345678", "send_time": "2026-11-02 09:10:00", "report_time": "2026-11-02 09:10:05",
                 "success": delivered, "err_code": "DELIVERED" if delivered else "MK:0001", "err_msg": "用户接收成功",
                 "sms_size": "1", "biz_id": message.provider_id, "out_id": f"outbox-{message.id}"}]
        return client.post(f"/sms/aliyun/{SECRET}/report", json=body)
    body = [{"user_receive_time": "2026-11-02 09:10:05", "nationcode": "86", "mobile": "13812345678",
             "report_status": "SUCCESS" if delivered else "FAIL", "errmsg": "DELIVRD",
             "description": "用户短信送达成功", "sid": message.provider_id}]
    return client.post(f"/sms/tencent/{SECRET}/status", json=body)


def reply(client, provider, text, sequence=1):
    if provider == "aliyun":
        body = [{"phone_number": "13812345678", "send_time": "2026-11-02 09:20:00", "content": text,
                 "sign_name": "浦发客服", "dest_code": "", "sequence_id": 900000 + sequence}]
        return client.post(f"/sms/aliyun/{SECRET}/reply", json=body)
    body = {"extend": "", "mobile": "13812345678", "nationcode": "86", "sign": "浦发客服", "text": text,
            "time": 1793000000 + sequence}
    return client.post(f"/sms/tencent/{SECRET}/reply", json=body)


def test_a_survey_goes_out_as_its_approved_template_with_the_signature(app, clock, fake, provider, outlet):
    approve(app, provider, "survey")
    serve(app, outlet)

    assert tick(app, clock.advance(minutes=10))["outbox"]["sent"] == 1

    [sent] = fake.messages
    assert sent["template"] == f"{CODES[provider]}-survey" and sent["sign"] == "浦发客服"
    assert sent["params"] == ({"unit": "Pudong Outlet"} if provider == "aliyun" else ["Pudong Outlet"])
    assert fake.sent_to(to_provider(provider))
    message = the_message(app)
    assert message.status == "sent"
    assert message.provider_id == (sent["biz_id"] if provider == "aliyun" else sent["serial"])
    assert message.body is None and message.params == {"unit": "Pudong Outlet"}


def test_a_notice_without_a_template_is_held_shown_to_the_admin_and_sent_once_its_code_is_given(
        app, client, login, make, clock, fake, provider, outlet):
    serve(app, outlet)

    assert tick(app, clock.advance(minutes=10))["outbox"]["held"] == 1
    message = the_message(app)
    assert message.status == "held" and message.attempts == 0 and fake.messages == []
    assert f"no {provider} template for the notice survey" in message.last_error
    assert tick(app, clock.advance(hours=1))["outbox"]["held"] == 0  # held, not tried again and again

    login(make.staff("admin", unit=make.unit(code="HQ", level="company"), locale="en"))
    page = client.get("/admin/notices").get_data(as_text=True)
    assert f"These notices have no approved template at {provider}" in page and "survey" in page
    assert "1 held" in page and "感谢您光临${unit}" in page
    held = client.get("/admin/outbox?show=held").get_data(as_text=True)
    assert PHONE in held and f"no {provider} template for the notice survey" in held

    response = client.post(f"/admin/notices/{provider}/survey", data={"code": CODES[provider]})
    assert response.status_code == 302
    assert the_message(app).status == "pending"
    assert tick(app, clock.now())["outbox"]["sent"] == 1
    assert [m["template"] for m in fake.messages] == [CODES[provider]]


def test_a_template_code_that_is_no_code_is_refused_with_a_message(app, client, login, make, provider):
    login(make.staff("admin", unit=make.unit(code="HQ", level="company"), locale="en"))
    response = client.post(f"/admin/notices/{provider}/survey", data={"code": "SMS 1; DROP"})
    assert response.status_code == 400 and "A template code is letters, digits" in response.get_data(as_text=True)
    assert rows(app, NoticeTemplate) == []


def test_a_receipt_marks_the_message_delivered_once(app, client, clock, fake, provider, outlet):
    approve(app, provider, "survey")
    serve(app, outlet)
    tick(app, clock.advance(minutes=10))
    message = the_message(app)

    for _ in range(2):  # pushed twice
        response = receipt(client, provider, message)
        assert response.status_code == 200
    assert response.get_json() == ({"code": 0, "msg": "成功"} if provider == "aliyun" else {"result": 0, "errmsg": "OK"})
    assert the_message(app).status == "delivered"


def test_a_reply_of_5_rates_the_service_and_is_thanked_once(app, client, clock, fake, provider, outlet):
    approve(app, provider, "survey", "rating_thanks")
    serve(app, outlet)
    tick(app, clock.advance(minutes=10))

    for _ in range(2):  # the same callback delivered twice
        assert reply(client, provider, "5分").status_code == 200
    tick(app, clock.now())

    [rating] = rows(app, Rating)
    assert (rating.score, rating.unit_id) == (5, outlet.id)
    assert len(rows(app, InboundMessage)) == 1
    assert [m["template"] for m in fake.messages] == [f"{CODES[provider]}-survey", f"{CODES[provider]}-rating_thanks"]


def test_td_opts_out_cancels_what_is_waiting_and_is_confirmed(app, client, clock, fake, provider, outlet):
    approve(app, provider, "survey", "opted_out")
    serve(app, outlet)  # its survey waits ten minutes

    assert reply(client, provider, "退订").status_code == 200
    tick(app, clock.advance(minutes=10))

    [contact] = rows(app, Contact, Contact.address == PHONE)
    assert contact.opted_out_at is not None
    assert the_message(app).status == "cancelled"
    assert [m["template"] for m in fake.messages] == [f"{CODES[provider]}-opted_out"]  # only the confirmation


def test_a_reply_in_words_opens_a_case(app, client, clock, fake, provider):
    approve(app, provider, "sms_registered")
    assert reply(client, provider, "柜台排队太久了").status_code == 200
    tick(app, clock.now())
    [message] = rows(app, OutboundMessage)
    assert message.notice == "sms_registered" and message.status == "sent"


def test_a_refusal_for_good_fails_and_a_flow_control_waits(app, clock, fake, provider, outlet):
    approve(app, provider, "survey")
    later = "isv.BUSINESS_LIMIT_CONTROL" if provider == "aliyun" else "LimitExceeded.PhoneNumberOneHourLimit"
    fake.refuse_next(later)
    serve(app, outlet)

    assert tick(app, clock.advance(minutes=10))["outbox"]["retried"] == 1
    assert tick(app, clock.advance(minutes=1))["outbox"]["sent"] == 1
    assert len(fake.messages) == 1

    never = "isv.MOBILE_NUMBER_ILLEGAL" if provider == "aliyun" else "InvalidParameterValue.IncorrectPhoneNumber"
    fake.refuse_next(never)
    serve(app, outlet, phone="+8613812340000", external_id="Q-2")
    assert tick(app, clock.advance(minutes=10))["outbox"]["failed"] == 1
    [failed] = rows(app, OutboundMessage, OutboundMessage.to == "+8613812340000")
    assert failed.status == "failed" and never in failed.last_error


def test_tencents_do_not_disturb_list_counts_as_an_opt_out(app, clock, fake, outlet, provider):
    if provider != "tencent":
        pytest.skip("a Tencent Cloud answer")
    approve(app, provider, "survey")
    fake.refuse_next("FailedOperation.PhoneNumberInBlacklist")
    serve(app, outlet)
    assert tick(app, clock.advance(minutes=10))["outbox"]["cancelled"] == 1
    [contact] = rows(app, Contact, Contact.address == PHONE)
    assert contact.opted_out_at is not None


def test_a_timeout_after_the_provider_took_the_message(app, clock, fake, provider, outlet):
    """Aliyun is asked (QuerySendDetails, by OutId) and the message is not
    sent again; Tencent Cloud cannot be asked, so it is sent again and marked
    as possibly doubled."""
    approve(app, provider, "survey")
    fake.hang_after_accept()
    serve(app, outlet)

    assert tick(app, clock.advance(minutes=10))["outbox"]["unconfirmed"] == 1
    report = tick(app, clock.advance(minutes=1))["outbox"]

    message = the_message(app)
    if provider == "aliyun":
        assert report["confirmed"] == 1 and len(fake.messages) == 1, (report, message.status, message.last_error)
        assert (message.status, message.possibly_doubled) == ("sent", False)
        assert message.provider_id == f"aliyun-out:outbox-{message.id}"
    else:
        assert (report["possibly_doubled"], report["sent"]) == (1, 1)  # sent again in the same pass
        message = the_message(app)
        assert len(fake.messages) == 2 and (message.status, message.possibly_doubled) == ("sent", True)


def test_callbacks_need_the_secret_and_an_allowed_address(app, client, provider):
    path = "report" if provider == "aliyun" else "status"
    assert client.post(f"/sms/{provider}/wrong/{path}", json=[{"sid": "x"}]).status_code == 404
    assert client.post(f"/sms/{provider}/{SECRET}/{path}", data="not json").status_code == 400
    app.config["SMS_WEBHOOK_SOURCES"] = ["203.0.113.0/24"]
    assert client.post(f"/sms/{provider}/{SECRET}/{path}", json=[{"sid": "x"}]).status_code == 403
    assert client.post(f"/sms/{provider}/{SECRET}/{path}", json=[{"biz_id": "1", "sid": "1", "report_status": "SUCCESS"}],
                       environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200


@pytest.mark.parametrize("body", [
    [], {}, [1], "text", [{"sid": "", "report_status": ""}], [{"biz_id": "x" * 65, "sid": "x" * 65}],
])
def test_a_callback_with_junk_is_refused_with_a_message_and_records_nothing(app, client, provider, body):
    path = "report" if provider == "aliyun" else "status"
    response = client.post(f"/sms/{provider}/{SECRET}/{path}", json=body)
    assert response.status_code == 400 and response.get_json()["detail"]
    reply_body = [{"phone_number": "", "sequence_id": ""}] if provider == "aliyun" else {"mobile": "", "time": ""}
    assert client.post(f"/sms/{provider}/{SECRET}/reply", json=reply_body).status_code == 400
    assert rows(app, InboundMessage) == []


def test_a_reply_from_no_phone_number_is_skipped_and_a_huge_callback_refused(app, client, provider):
    bad = ([{"phone_number": "abc", "sequence_id": 1, "content": "5"}] if provider == "aliyun"
           else {"mobile": "abc", "nationcode": "86", "time": 1, "text": "5"})
    assert client.post(f"/sms/{provider}/{SECRET}/reply", json=bad).status_code == 200  # not pushed again
    assert rows(app, InboundMessage) == []
    huge = [{"content": "x" * 70_000, "phone_number": "13812345678", "sequence_id": 2}]
    assert client.post(f"/sms/{provider}/{SECRET}/reply", json=huge).status_code == 413

"""A database outage: Twilio's webhooks are kept in the spool, answered so
that Twilio keeps nothing back, and recorded exactly once when the database
is back; pages and the API say truthfully that a submission was not
recorded; /healthz answers 503.

The outage: on PostgreSQL the app talks to the server through a TCP proxy
whose plug is pulled (connections cut, new ones refused) and put back; on
SQLite the app is pointed at the same file opened read-only, then back.
"""
from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from intake import create_app
from intake.models import InboundMessage
from intake.shell.jobs import tick
from routing.foundation.db import Database
from routing.models import Case, OutboundMessage, Rating
from support.api import token_for
from support.sms import PHONE, serve, signed, sms
from support.tcp_proxy import TcpProxy

OTHER_PHONE = "+8613912345678"
SECRET = "w3bh00k-s3cret"


@pytest.fixture
def proxy(database_url):
    url = make_url(database_url)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def app_config(app_config, database_url, request, tmp_path):
    config = {**app_config, "SPOOL_PATH": str(tmp_path / "spool"), "SMS_WEBHOOK_SECRET": SECRET}
    if database_url.startswith("postgresql"):
        proxy = request.getfixturevalue("proxy")
        config["DATABASE_URL"] = make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
    return config


@pytest.fixture
def direct(database_url):
    """The database itself, not through the app's way to it."""
    db = Database(database_url, immediate=False)
    yield db
    db.dispose()


def count(db, model, *where) -> int:
    with db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def outage(app, app_config, database_url, request):
    """outage() -> a context in which the database cannot be reached (or
    written), yielding a test client of the app as it is then."""
    @contextmanager
    def down():
        if database_url.startswith("postgresql"):
            proxy = request.getfixturevalue("proxy")
            proxy.refuse()
            try:
                yield app.test_client()
            finally:
                proxy.restore()
            return
        read_only = create_app({**app_config, "DATABASE_URL": f"sqlite:///file:{database_url[10:]}?mode=ro&uri=true"})
        try:
            yield read_only.test_client()
        finally:
            read_only.extensions["db"].dispose()

    return down


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")


def status_callback(client, sid: str, status: str):
    form = {"MessageSid": sid, "MessageStatus": status}
    return client.post("/sms/status", data=form, headers=signed("/sms/status", form))


def test_inbound_sms_during_an_outage_are_kept_and_recorded_once_when_the_database_is_back(
        app, clock, outage, direct, senders, outlet, tmp_path):
    serve(app, outlet)
    tick(app, clock.advance(minutes=10))  # the survey went out
    with direct.sessionmaker() as session:
        survey = session.scalars(select(OutboundMessage)).one()
    outage_began = clock.advance(minutes=5)

    with outage() as client:
        answers = [
            sms(client, "5", sid="SM-rating"),  # the survey's answer
            sms(client, "The queue was far too long.", sid="SM-complaint", phone=OTHER_PHONE),
            sms(client, "The queue was far too long.", sid="SM-complaint", phone=OTHER_PHONE),  # Twilio again
            status_callback(client, survey.provider_id, "delivered"),
        ]
        assert count(direct, InboundMessage) == 0  # nothing reached the database

    assert [a.status_code for a in answers] == [200, 200, 200, 204]
    assert answers[0].get_data(as_text=True) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    kept = sorted((tmp_path / "spool").glob("*.json"))
    assert [json.loads(path.read_text())["kind"] for path in kept] == ["inbound", "inbound", "inbound", "status"]

    report = tick(app, clock.advance(minutes=30))  # the database is back

    assert report["inbound_spool"] == {"replayed": 4, "held": 0, "waiting": 0}
    assert list((tmp_path / "spool").glob("*.json")) == []
    with direct.sessionmaker() as session:
        assert sorted(session.scalars(select(InboundMessage.provider_id))) == ["SM-complaint", "SM-rating"]
        assert [r.score for r in session.scalars(select(Rating))] == [5]
        [case] = session.scalars(select(Case))
        assert (case.contact_phone, case.channel, case.created_at) == (OTHER_PHONE, "sms", outage_began)
        assert session.get(OutboundMessage, survey.id).status == "delivered"
        replies = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "sms_reply")).all()
        assert sorted((r.to, r.status) for r in replies) == [(PHONE, "sent"), (OTHER_PHONE, "sent")]
    assert senders["sms"].bodies_to(PHONE)[-1] == "感谢您的评价。"  # the answer the webhook could not give
    assert case.reference in senders["sms"].bodies_to(OTHER_PHONE)[0]

    assert tick(app, clock.advance(minutes=1))["inbound_spool"]["replayed"] == 0
    again = sms(app.test_client(), "The queue was far too long.", sid="SM-complaint", phone=OTHER_PHONE)
    assert case.reference in again.get_data(as_text=True)  # the first answer, and nothing recorded twice
    assert count(direct, InboundMessage) == 2 and count(direct, Case) == 1
    assert count(direct, OutboundMessage, OutboundMessage.purpose == "sms_reply") == 2


def test_aliyun_callbacks_during_an_outage_are_kept_and_recorded_once_when_the_database_is_back(
        app, clock, outage, direct, senders, outlet, tmp_path):
    serve(app, outlet)
    tick(app, clock.advance(minutes=10))  # the survey went out
    with direct.sessionmaker() as session:
        survey = session.scalars(select(OutboundMessage)).one()
    up = [{"phone_number": "13812345678", "send_time": "2026-11-02 09:20:00", "content": "5",
           "sign_name": "浦发客服", "dest_code": "", "sequence_id": 900001}]
    report = [{"phone_number": "13812345678", "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功",
               "biz_id": survey.provider_id, "out_id": f"outbox-{survey.id}"}]

    with outage() as client:
        answers = [client.post(f"/sms/aliyun/{SECRET}/reply", json=up),
                   client.post(f"/sms/aliyun/{SECRET}/reply", json=up),  # Aliyun pushes again
                   client.post(f"/sms/aliyun/{SECRET}/report", json=report)]
        assert count(direct, InboundMessage) == 0

    assert [a.get_json() for a in answers] == [{"code": 0, "msg": "成功"}] * 3  # kept: Aliyun need not push again
    kept = sorted((tmp_path / "spool").glob("*.json"))
    assert [json.loads(path.read_text())["kind"] for path in kept] == ["inbound", "inbound", "status"]

    assert tick(app, clock.advance(minutes=30))["inbound_spool"] == {"replayed": 3, "held": 0, "waiting": 0}
    with direct.sessionmaker() as session:
        assert list(session.scalars(select(InboundMessage.provider_id))) == ["aliyun-up-900001"]
        assert [r.score for r in session.scalars(select(Rating))] == [5]
        assert session.get(OutboundMessage, survey.id).status == "delivered"
        [thanks] = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "sms_reply"))
        assert (thanks.notice, thanks.status) == ("rating_thanks", "sent")


def test_during_an_outage_pages_and_the_api_say_that_nothing_was_recorded(
        app, clock, outage, direct, outlet, session, make):
    token = token_for(session, clock, make.staff("supervisor", unit=outlet))
    complaint = {"kind": "complaint", "category": "attitude", "description": "The teller shouted at me.",
                 "unit": outlet.id, "name": "Li Na", "phone": "13800138000", "email": "", "consent": "y"}

    with outage() as client:
        page = client.post("/complain", data=complaint, headers={"Accept-Language": "en"})
        chinese = client.post("/complain", data=complaint, headers={"Accept-Language": "zh-CN"})
        api = client.post("/api/v1/service-events", headers={"Authorization": f"Bearer {token}"},
                          json={"external_id": "Q-9", "unit": outlet.code, "occurred_at": clock.now().isoformat()})
        health = client.get("/healthz")

    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    text = page.get_data(as_text=True)
    assert "What you sent was not recorded." in text and "was lost" not in text
    assert "您提交的内容未能登记" in chinese.get_data(as_text=True)
    assert api.status_code == 503
    assert {k: api.get_json()[k] for k in ("code", "recorded")} == {"code": "database_unavailable", "recorded": False}
    assert health.status_code == 503 and health.get_json()["database"] == "unavailable"
    assert count(direct, Case) == 0
    assert app.test_client().get("/healthz").status_code == 200  # back


def test_a_webhook_that_cannot_be_kept_either_is_answered_with_an_error_so_twilio_may_try_elsewhere(
        app, outage, tmp_path):
    (tmp_path / "spool").write_text("a file where the folder should be")

    with outage() as client:
        response = sms(client, "Hello", sid="SM-lost")

    assert response.status_code == 503
    assert response.get_json()["code"] == "not_kept"


def test_a_spooled_webhook_that_fails_for_another_reason_is_set_aside_and_the_rest_go_on(
        app, clock, outage, direct, tmp_path):
    with outage() as client:
        sms(client, "First", sid="SM-1")
        sms(client, "Second", sid="SM-2", phone=OTHER_PHONE)
    [first, _second] = sorted((tmp_path / "spool").glob("*.json"))
    entry = json.loads(first.read_text())
    entry["fields"]["MessageStatus"] = "delivered"
    entry["kind"] = "status"  # a status without its message: not a database problem
    del entry["fields"]["MessageSid"]
    first.write_text(json.dumps(entry))

    report = tick(app, clock.advance(minutes=1))

    assert report["inbound_spool"] == {"replayed": 1, "held": 1, "waiting": 0}
    assert [p.name for p in (tmp_path / "spool" / "held").iterdir()] == [first.name]
    assert count(direct, InboundMessage) == 1

"""Messages given up after retries are seen by administrators, on a page and
in the API, and sent again with a button or a call; nobody else sees them."""
import pytest
from sqlalchemy import select

from intake.shell.jobs import tick
from routing.models import OutboundMessage
from routing.services.delivery import DeliveryError
from routing.services.outbox import enqueue

PHONE = "+8613812345678"


def reread(session):
    """See what the app committed: end the test's snapshot and forget what it loaded."""
    session.rollback()
    session.expire_all()


@pytest.fixture
def admin(make):
    return make.staff("admin", unit=make.unit(code="HQ", level="company"), locale="en")


@pytest.fixture
def given_up(app, session, clock, senders):
    """A survey the provider refused for good (a wrong number), and one that was delivered."""
    refused = enqueue(session, transport="sms", to=PHONE, body="How was our service? Reply 1-5.", purpose="survey",
                      now=clock.now())
    session.commit()
    senders["sms"].fail_with = DeliveryError("21211: Invalid 'To' Phone Number", retryable=False)
    tick(app, clock.now())
    senders["sms"].fail_with = None
    enqueue(session, transport="email", to="li@example.com", body="Case C-2026-000001 is overdue.",
            purpose="escalation", now=clock.now())
    session.commit()
    tick(app, clock.now())
    reread(session)
    assert session.get(OutboundMessage, refused.id).status == "failed"
    return refused


def test_an_admin_sees_what_was_not_delivered_and_sends_it_again(client, login, session, clock, senders, admin,
                                                                  given_up, app):
    login(admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Satisfaction survey" in page and PHONE in page and "Invalid &#39;To&#39; Phone Number" in page
    assert "li@example.com" not in page  # delivered: not listed
    assert "1 messages not delivered" in client.get("/admin/").get_data(as_text=True)

    response = client.post(f"/admin/outbox/{given_up.id}/retry", follow_redirects=True)

    assert f"The message to {PHONE} will be sent again in a moment." in response.get_data(as_text=True)
    reread(session)
    message = session.get(OutboundMessage, given_up.id)
    assert (message.status, message.attempts, message.not_before) == ("pending", 0, clock.now())
    tick(app, clock.now())
    assert senders["sms"].bodies_to(PHONE) == ["How was our service? Reply 1-5."]
    assert "None." in client.get("/admin/outbox").get_data(as_text=True)


def test_a_message_that_was_delivered_cannot_be_sent_again(client, login, session, admin, given_up):
    login(admin)
    delivered = session.scalars(select(OutboundMessage).where(OutboundMessage.status == "sent")).one()

    response = client.post(f"/admin/outbox/{delivered.id}/retry", follow_redirects=True)

    assert "Only a message that was not delivered can be sent again; this one is: Sent." in response.get_data(
        as_text=True)
    reread(session)
    assert session.get(OutboundMessage, delivered.id).status == "sent"


def test_the_page_speaks_chinese(client, login, make, given_up):
    login(make.staff("admin", locale="zh_Hans_CN"))
    page = client.get("/admin/outbox?lang=zh_Hans_CN").get_data(as_text=True)
    for chinese in ("未送达", "满意度调查", "重新发送", "短信"):
        assert chinese in page


def test_messages_sent_twice_perhaps_are_listed_apart(client, login, session, clock, admin, app):
    message = enqueue(session, transport="sms", to=PHONE, body="Your case is resolved.", purpose="resolution",
                      now=clock.now())
    message.status, message.possibly_doubled = "sent", True
    session.commit()
    login(admin)

    assert "Your case is resolved." not in client.get("/admin/outbox").get_data(as_text=True)
    page = client.get("/admin/outbox?show=doubled").get_data(as_text=True)
    assert "Your case is resolved." in page and "Resolution notice" in page
    assert "Send again" not in page  # it was sent


@pytest.mark.parametrize("role", ["handler", "supervisor", "manager", "executive"])
def test_nobody_but_an_admin_sees_the_messages(client, login, make, role, given_up):
    login(make.staff(role, unit=make.unit()))
    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{given_up.id}/retry").status_code == 403


def test_the_api_lists_what_was_not_delivered_and_sends_it_again(api_as, admin, given_up, session, senders, app,
                                                                 clock):
    api = api_as(admin)

    listed = api.get("/outbox?status=failed")
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert (item["id"], item["to"], item["purpose"], item["attempts"]) == (given_up.id, PHONE, "survey", 1)
    assert item["last_error"] == "21211: Invalid 'To' Phone Number" and item["possibly_doubled"] is False
    assert len(api.all_items("/outbox")) == 2
    assert api.get("/outbox?possibly_doubled=true").get_json()["items"] == []

    retried = api.post(f"/outbox/{given_up.id}/retry")
    assert retried.status_code == 200 and retried.get_json()["status"] == "pending"
    again = api.post(f"/outbox/{given_up.id}/retry")
    assert again.status_code == 409 and "Waiting to be sent" in again.get_json()["detail"]
    tick(app, clock.now())
    assert api.get(f"/outbox/{given_up.id}").get_json()["status"] == "sent"
    assert api.get("/outbox/999999").status_code == 404


@pytest.mark.parametrize("role", ["handler", "executive"])
def test_the_api_keeps_the_outbox_to_admins(api_as, make, role, given_up):
    api = api_as(make.staff(role, unit=make.unit()))
    assert api.get("/outbox").status_code == 403
    assert api.post(f"/outbox/{given_up.id}/retry").status_code == 403

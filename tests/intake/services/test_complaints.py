"""Web complaints and following a case: one register, one case per open
matter (one-call service), a private way back in, nothing internal shown."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from routing.models import Case, CaseEvent, OutboundMessage, Rating
from routing.services.timeline import add_event
from support.notices import subject_of, text_of


@pytest.fixture
def outlet(make):
    return make.unit(name="Lujiazui Outlet")


def complaint(outlet, **fields):
    return {"kind": "complaint", "category": "attitude", "description": "The teller shouted at me.",
            "unit": outlet.id, "name": "Li Na", "phone": "13800138000", "email": "",
            "preferred_callback": "after 18:00", "consent": "y", **fields}


def read(session, query):
    """Fresh rows; the commit ends the read transaction, which on SQLite
    holds the write lock the app would wait for."""
    rows = list(session.scalars(query.execution_options(populate_existing=True)))
    session.commit()
    return rows


def cases(session):
    return read(session, select(Case).order_by(Case.id))


def test_a_complaint_opens_a_case_and_shows_its_reference_and_private_link(client, session, outlet):
    response = client.post("/complain", data=complaint(outlet), headers={"Accept-Language": "en"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    [case] = cases(session)
    html = page.get_data(as_text=True)
    assert (case.kind, case.category, case.channel, case.unit_id) == ("complaint", "attitude", "web", outlet.id)
    assert (case.contact_name, case.contact_phone, case.preferred_callback) == ("Li Na", "+8613800138000", "after 18:00")
    assert case.consent and case.locale == "en"
    assert re.fullmatch(r"C-\d{4}-\d{6}", case.reference) and case.reference in html
    assert f"https://feedback.example.com/track/{case.tracking_token}" in html
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"


def test_the_confirmation_is_queued_in_the_customers_language(app, client, session, outlet):
    client.post("/complain", data=complaint(outlet), headers={"Accept-Language": "en"})
    client.post("/complain", data=complaint(outlet, phone="", email="Wei@Example.com"),
                headers={"Accept-Language": "en"})
    [case, by_email] = cases(session)
    [sms, email] = read(session, select(OutboundMessage).order_by(OutboundMessage.id))
    assert (sms.transport, sms.to, sms.purpose, sms.case_id) == ("sms", "+8613800138000", "confirmation", case.id)
    assert text_of(app, sms) == (f"We have registered your case {case.reference}. "
                        f"Follow it here: https://feedback.example.com/track/{case.tracking_token}")
    assert (email.transport, email.to, subject_of(app, email)) == ("email", "wei@example.com", f"Your case {by_email.reference}")


def test_a_complaint_with_an_invalid_phone_is_refused_with_a_clear_message(client, session, outlet):
    response = client.post("/complain", data=complaint(outlet, phone="12345"), headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This is not a valid phone number" in response.get_data(as_text=True)
    assert cases(session) == [] and read(session, select(OutboundMessage)) == []


@pytest.mark.parametrize("fields,message", [
    ({"phone": "", "email": ""}, "Please give a phone number or an e-mail address"),
    ({"email": "not-an-address", "phone": ""}, "This is not a valid e-mail address."),
    ({"description": "   "}, "Please tell us what happened."),
    ({"description": "x" * 4001}, "Please keep the description under 4000 characters."),
    ({"consent": ""}, "We need your agreement to handle the case."),
    ({"category": ""}, "Please choose what it is about."),
])
def test_incomplete_complaints_are_refused_and_nothing_is_recorded(client, session, outlet, fields, message):
    response = client.post("/complain", data=complaint(outlet, **fields), headers={"Accept-Language": "en"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert cases(session) == []


def sms_code(app, session, phone="+8613800138000") -> str:
    [message] = read(session, select(OutboundMessage).where(OutboundMessage.purpose == "join_code",
                                                             OutboundMessage.to == phone)
                     .order_by(OutboundMessage.id.desc()).limit(1))
    return re.search(r"\b(\d{6})\b", text_of(app, message)).group(1)


def test_a_second_complaint_with_the_code_sent_to_the_phone_joins_the_open_case(app, client, session, outlet,
                                                                                make):
    client.post("/complain", data=complaint(outlet, phone="138 0013 8000"))
    other_outlet = make.unit(name="Other Outlet")
    second = complaint(other_outlet, phone="+86 138-0013-8000", category="waiting_time",
                       description="And I waited an hour.")
    asked = client.post("/complain/code", data={"join-phone": "+86 138-0013-8000"},
                        headers={"Accept-Language": "en"})
    assert asked.status_code == 200 and "We sent a code" in asked.get_data(as_text=True)
    assert 'name="phone" type="tel" value="+86 138-0013-8000"' in asked.get_data(as_text=True)
    response = client.post("/complain", data={**second, "code": sms_code(app, session)},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/complain/joined")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    [case] = cases(session)
    events = read(session, select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    assert "we added this to it" in page
    # Whoever typed the number may not be the case's owner: no reference, no link.
    assert case.reference not in page and case.tracking_token not in page
    assert [(e.kind, e.actor, e.body) for e in events] == [
        ("created", "customer", "The teller shouted at me."),
        ("customer_message", "customer", "And I waited an hour.")]
    assert events[1].data["category"] == "waiting_time" and events[1].data["unit_id"] == other_outlet.id
    joined = read(session, select(OutboundMessage).where(OutboundMessage.purpose == "confirmation")
                  .order_by(OutboundMessage.id))[-1]
    assert joined.to == "+8613800138000" and case.reference in text_of(app, joined)
    assert case.tracking_token in text_of(app, joined)


def test_without_proof_a_second_complaint_opens_its_own_case_linked_as_possibly_the_same_customer(
        client, session, outlet):
    """Anyone may know a customer's phone number: without the code (or the
    tracking link) nothing is written into the customer's case."""
    client.post("/complain", data=complaint(outlet))
    response = client.post("/complain", data=complaint(outlet, description="I am not who you think."))
    assert response.status_code == 303 and "/complain/sent/" in response.headers["Location"]
    first, second = cases(session)
    assert second.same_customer_as_id == first.id and first.same_customer_as_id is None
    assert second.matter_key is None and first.matter_key == "complaint|+8613800138000"
    assert [e.kind for e in read(session, select(CaseEvent).where(CaseEvent.case_id == first.id))] == ["created"]


def test_a_closed_case_is_not_joined(client, session, outlet, clock):
    client.post("/complain", data=complaint(outlet))
    [case] = cases(session)
    case.status = "closed"
    session.commit()
    client.post("/complain", data=complaint(outlet, description="Again!"))
    assert len(cases(session)) == 2


def test_the_form_from_a_qr_code_preselects_the_unit_and_links_the_rating(client, session, make):
    outlet = make.unit(name="Lujiazui Outlet")
    make.unit(name="Another Outlet")
    counter = make.touchpoint(outlet, label="Counter 3")
    details = client.post(f"/q/{counter.token}", data={"score": 1}).headers["Location"]
    complain_url = re.search(r'href="([^"]*/complain\?[^"]*)"', client.get(details).get_data(as_text=True)).group(1)
    form = client.get(complain_url.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(rf'<option selected value="{outlet.id}">|<option value="{outlet.id}" selected>', form)
    token = re.search(r'name="touchpoint" type="hidden" value="([^"]+)"', form).group(1)
    rating_id = re.search(r'name="rating" type="hidden" value="(\d+)"', form).group(1)
    client.post("/complain", data=complaint(outlet, touchpoint=token, rating=rating_id))
    [case] = cases(session)
    [rating] = read(session, select(Rating))
    assert (case.channel, case.touchpoint_id, rating.case_id) == ("qr", counter.id, case.id)


def test_another_devices_rating_is_not_linked(app, client, session, make):
    outlet = make.unit()
    counter = make.touchpoint(outlet)
    app.test_client().post(f"/q/{counter.token}", data={"score": 1})
    [rating] = read(session, select(Rating))
    client.post("/complain", data=complaint(outlet, touchpoint=counter.token, rating=str(rating.id)))
    [rating] = read(session, select(Rating))
    assert rating.case_id is None and len(cases(session)) == 1


@pytest.fixture
def followed_case(make, session, clock):
    handler = make.staff("handler", unit=make.unit(), display_name="Zhang Wei", phone="+8613911112222")
    case = make.case(contact_phone="+8613800138000", contact_email="li@example.com",
                     description="My bill is wrong.")
    add_event(session, case, clock.now(), "note", actor="staff", staff=handler,
              body="Internal: customer called twice, call 13911112222 if urgent", public=False)
    add_event(session, case, clock.now(), "reply", actor="staff", staff=handler,
              body="We are checking your bill.", public=True)
    session.commit()
    return case


def test_tracking_with_reference_and_phone_shows_the_public_entries_only(client, followed_case):
    response = client.post("/track", data={"reference": followed_case.reference.lower(),
                                           "contact": "138 0013 8000"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/track/{followed_case.tracking_token}")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "My bill is wrong." in html and "We are checking your bill." in html and "Our reply" in html
    assert "Internal" not in html and "13911112222" not in html and "Zhang Wei" not in html
    assert "Received" in html  # the status, in words
    assert page.headers["Cache-Control"] == "no-store"


def test_the_tracking_page_in_chinese_labels_the_time_received_as_a_time(client, followed_case):
    client.post("/track", data={"reference": followed_case.reference, "contact": "13800138000"})
    html = client.get(f"/track/{followed_case.tracking_token}?lang=zh_Hans_CN").get_data(as_text=True)
    assert "<dt>受理时间</dt>" in html  # not the status word 已受理


def test_tracking_by_e_mail_works_too(client, followed_case):
    response = client.post("/track", data={"reference": followed_case.reference, "contact": "LI@example.com"})
    assert response.status_code == 303


@pytest.mark.parametrize("reference,contact", [
    (None, "13900000000"), (None, "other@example.com"), (None, "not a phone"), ("C-2026-999999", "13800138000")])
def test_tracking_with_a_wrong_pair_is_refused(client, followed_case, reference, contact):
    response = client.post("/track", data={"reference": reference or followed_case.reference, "contact": contact},
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "We found no case with this number" in html
    assert followed_case.tracking_token not in html


def test_information_added_on_the_tracking_page_joins_the_case(client, session, followed_case):
    url = f"/track/{followed_case.tracking_token}"
    response = client.post(url, data={"body": "My account number is 6222 0000."})
    assert response.status_code == 303
    assert "We added your message" in client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    [event] = read(session, select(CaseEvent).where(CaseEvent.kind == "customer_message"))
    assert (event.case_id, event.actor, event.public, event.body) == (
        followed_case.id, "customer", True, "My account number is 6222 0000.")
    assert client.post(url, data={"body": ""}).status_code == 400
    assert session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.kind == "customer_message")) == 1


def test_an_unknown_private_link_is_a_404(client, followed_case):
    assert client.get("/track/not-a-token").status_code == 404
    assert client.get("/complain/sent/not-a-token").status_code == 404


def test_every_step_the_customer_may_see_is_named_never_a_bare_update(session, client, followed_case, clock):
    """The timeline entries a customer sees (CaseEvent.public) each say what happened."""
    for kind in ("started", "waiting", "resumed", "arrival", "callback_scheduled", "customer_satisfied"):
        add_event(session, followed_case, clock.now(), kind, actor="staff", public=True)
    session.commit()
    client.post("/track", data={"reference": followed_case.reference, "contact": "13800138000"})
    for lang, generic in (("en", "<strong>Update</strong>"), ("zh_Hans_CN", "<strong>进展更新</strong>")):
        html = client.get(f"/track/{followed_case.tracking_token}?lang={lang}").get_data(as_text=True)
        assert generic not in html
    assert "工作人员已到达现场" in html and "我们将致电回访，了解处理效果" in html

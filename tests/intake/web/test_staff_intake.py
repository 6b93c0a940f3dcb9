"""Staff intake (RULES 1, seeds 000 and 004): whoever takes a call, a visit,
a letter or an opinion-book entry records it and is its first responder for
good; they handle it, or hand it over with a reason and stay accountable; a
customer with an open case of the same matter never gets a second one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from routing.models import Case, CaseEvent, Deadline, Notification
from routing.services import lifecycle


@pytest.fixture
def outlet(make):
    return make.unit("OA", "Outlet A")


@pytest.fixture
def lobby_manager(make, outlet):
    return make.staff("supervisor", outlet, username="lobby", locale="en")


def call(**fields):
    return {"channel": "phone", "received_at": "2026-11-02T08:55", "rings": "2", "contact_name": "Wang Fang",
            "contact_phone": "139 1234 5678", "contact_address": "12 Century Avenue",
            "description": "Charged twice for the transfer.", "kind": "complaint", "category": "billing",
            "severity": "normal", "amount_claimed": "200", "unit": "0", "consent": "y", "hand_over_to": "0",
            **fields}


def cases(session):
    rows = list(session.scalars(select(Case).order_by(Case.id).execution_options(populate_existing=True)))
    session.commit()
    return rows


def test_the_staff_navigation_leads_to_new_case(client, login, lobby_manager):
    login(lobby_manager)
    page = client.get("/cases").get_data(as_text=True)
    assert 'href="/cases/new"' in page
    form = client.get("/cases/new")
    assert form.status_code == 200 and "Opinion book" in form.get_data(as_text=True)


def test_who_takes_the_call_is_its_first_responder_and_owner_and_limits_count_from_the_call(
        client, login, session, lobby_manager, outlet, clock):
    login(lobby_manager)
    response = client.post("/cases/new", data=call(unit=str(outlet.id)))
    assert response.status_code == 303
    [case] = cases(session)
    assert response.headers["Location"].endswith(f"/cases/{case.reference}")
    assert (case.channel, case.kind, case.category, case.status) == ("phone", "complaint", "billing", "claimed")
    assert case.first_responder_id == case.owner_id == lobby_manager.id
    assert (case.contact_phone, case.contact_address, str(case.amount_claimed)) == (
        "+8613912345678", "12 Century Avenue", "200.00")
    # 08:55 in Shanghai, five minutes before it was typed in: the limits count from the call.
    assert case.received_at == clock.now() - timedelta(minutes=5)
    first_response = session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.target == "first_response")).one()
    assert first_response.due_at == case.received_at + timedelta(hours=24)


def test_answering_within_four_rings_is_the_acknowledge_target_of_a_call(client, login, session, lobby_manager):
    """000/004: answer within 4 rings (the preset: 5 seconds a ring)."""
    login(lobby_manager)
    client.post("/cases/new", data=call(rings="2"))
    client.post("/cases/new", data=call(rings="6", contact_phone="139 0000 0001"))
    quick, slow = cases(session)
    acks = {c.id: session.scalars(select(Deadline).where(Deadline.case_id == c.id,
                                                         Deadline.target == "acknowledge")).one()
            for c in (quick, slow)}
    for case in (quick, slow):
        assert acks[case.id].due_at == case.received_at + timedelta(seconds=20)
    assert acks[quick.id].met_at == quick.received_at + timedelta(seconds=10)  # met
    assert acks[slow.id].met_at == slow.received_at + timedelta(seconds=30)  # met late: six rings


def test_a_letter_is_acknowledged_when_recorded_not_by_rings(client, login, session, lobby_manager):
    login(lobby_manager)
    client.post("/cases/new", data=call(channel="letter", rings="", received_at="2026-11-01T15:00"))
    [case] = cases(session)
    assert case.channel == "letter"
    acks = session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                  Deadline.target == "acknowledge")).all()
    assert all(d.met_at is not None for d in acks)


def test_not_within_their_duty_they_hand_it_over_with_a_reason_and_stay_accountable(
        client, login, session, lobby_manager, make, outlet, clock):
    repairs = make.unit("RP", "Repair team", level="department")
    login(lobby_manager)
    refused = client.post("/cases/new", data=call(hand_over_to=str(repairs.id), reason=""))
    assert refused.status_code == 400 and "Say why you hand the case over." in refused.get_data(as_text=True)
    assert cases(session) == []
    response = client.post("/cases/new", data=call(kind="repair", hand_over_to=str(repairs.id),
                                                   reason="A fault on the line: the repair team's."))
    assert response.status_code == 303
    [case] = cases(session)
    assert (case.unit_id, case.owner_id, case.status) == (repairs.id, None, "new")
    assert case.first_responder_id == lobby_manager.id  # for good
    transferred = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.kind == "transferred")).one()
    assert transferred.body == "A fault on the line: the repair team's."
    # Still theirs to follow: the first responder sees the case and hears of its steps.
    assert client.get(f"/cases/{case.reference}").status_code == 200
    worker = make.staff("handler", repairs)
    lifecycle.claim(session, session.get(Case, case.id), worker, clock.now())
    lifecycle.resolve(session, session.get(Case, case.id), worker, "Line fixed.", clock.now())
    session.commit()
    told = session.scalars(select(Notification.kind).where(Notification.staff_id == lobby_manager.id)).all()
    assert "resolved" in told


def test_a_contact_cannot_be_received_later_than_now(client, login, session, lobby_manager):
    login(lobby_manager)
    response = client.post("/cases/new", data=call(received_at="2026-11-02T12:00"))
    assert response.status_code == 400
    assert "cannot be later than now" in response.get_data(as_text=True)
    assert cases(session) == []


def test_bad_input_is_refused_with_a_message_and_nothing_written(client, login, session, lobby_manager):
    login(lobby_manager)
    for bad in ({"contact_phone": "12"}, {"description": ""}, {"amount_claimed": "-5"}, {"channel": "fax"},
                {"rings": "99999999999999999999"}, {"unit": "2147483648"}):
        response = client.post("/cases/new", data=call(**bad))
        assert response.status_code == 400, bad
    assert cases(session) == []


def test_a_second_call_about_the_same_matter_joins_the_open_case(client, login, session, lobby_manager, make,
                                                                  outlet):
    colleague = make.staff("handler", outlet, locale="en")
    login(lobby_manager)
    client.post("/cases/new", data=call())
    client.post("/logout")
    login(colleague)
    response = client.post("/cases/new", data=call(channel="walk_in", description="Came in about the double charge.",
                                                   category="service_quality"))
    [case] = cases(session)
    assert response.headers["Location"].endswith(f"/cases/{case.reference}")
    assert case.first_responder_id == lobby_manager.id  # the first contact's
    joined = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc())).first()
    assert (joined.kind, joined.body, joined.staff_id) == (
        "customer_message", "Came in about the double charge.", colleague.id)
    assert joined.data["channel"] == "walk_in" and joined.data["category"] == "service_quality"
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "No second case was opened." in page


def test_another_matter_may_be_opened_on_purpose(client, login, session, lobby_manager):
    login(lobby_manager)
    client.post("/cases/new", data=call())
    client.post("/cases/new", data=call(description="And the card machine is broken.", separate="y"))
    assert len(cases(session)) == 2


def test_a_repair_from_the_same_phone_is_another_matter(client, login, session, lobby_manager):
    login(lobby_manager)
    client.post("/cases/new", data=call())
    client.post("/cases/new", data=call(kind="repair", description="No power since noon."))
    assert [c.kind for c in cases(session)] == ["complaint", "repair"]


def test_an_administrator_handles_no_cases_and_records_none(client, login, make):
    admin = make.staff("admin", make.unit("HQ", "Head office", level="company"))
    login(admin)
    assert client.get("/cases/new").status_code == 403
    assert client.post("/cases/new", data=call()).status_code == 403


def test_the_case_page_shows_possibly_the_same_customer(client, login, session, lobby_manager, outlet):
    """A contact on the public form without proof opens its own case; staff
    see both, linked."""
    form = {"kind": "complaint", "category": "attitude", "description": "Rude teller.", "unit": outlet.id,
            "phone": "13912345678", "consent": "y"}
    client.post("/complain", data=form)
    client.post("/complain", data={**form, "description": "Someone else with her number."})
    first, second = cases(session)
    login(lobby_manager)
    for case, other in ((first, second), (second, first)):
        page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
        assert "Possibly the same customer" in page and f'href="/cases/{other.reference}"' in page


def test_a_call_about_a_teller_goes_to_the_outlet_and_never_to_the_teller(client, login, session, make, outlet,
                                                                          lobby_manager):
    counter = make.unit("OA-1", "Counter 1", level="counter", parent=outlet)
    teller = make.staff("handler", counter, username="teller-1", locale="en")
    login(lobby_manager)
    form = client.get("/cases/new").get_data(as_text=True)
    assert "About a member of staff" in form and "(teller-1)" in form
    response = client.post("/cases/new", data=call(about=str(teller.id),
                                                   description="The teller was cold to me."))
    assert response.status_code == 303
    [case] = cases(session)
    assert (case.subject_staff_id, case.unit_id, case.owner_id) == (teller.id, outlet.id, lobby_manager.id)
    login(teller)
    assert client.post(f"/cases/{case.reference}/claim").status_code in (303, 403, 404)
    [case] = cases(session)
    assert case.owner_id == lobby_manager.id

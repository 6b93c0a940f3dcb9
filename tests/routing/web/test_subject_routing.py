"""Complaints never reach the person they are about (issue 13): a complaint
made at a counter goes to the outlet that supervises it, where its lobby
manager and supervisor take it; the teller it is about never claims it, is
never given it, never works on it, and by default does not even read it -
by page or by API."""
from __future__ import annotations

import re

from sqlalchemy import select

from routing.models import Case, CaseEvent
from routing.services import lifecycle


def _complain_at_counter(client, touchpoint, kind="complaint", phone="13812345678"):
    response = client.post("/complain", data={
        "touchpoint": touchpoint.token, "kind": kind, "category": "attitude", "unit": touchpoint.unit_id,
        "description": "The teller was cold to me.", "phone": phone, "consent": "y", "callback_slot": "anytime"})
    assert response.status_code == 303, response.get_data(as_text=True)


def _counter_case(client, session, bank, make):
    """Counter 1's QR code names its teller; the lobby manager is a handler of the outlet."""
    lobby = make.staff("handler", unit=bank.outlet_a, username="lobby-a")
    touchpoint = make.touchpoint(bank.counter_a, bank.handler_a)
    _complain_at_counter(client, touchpoint)
    session.expire_all()
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    session.commit()
    return case, lobby


def test_a_qr_complaint_at_a_counter_goes_to_the_outlet_and_names_the_teller(client, session, bank, make):
    case, _lobby = _counter_case(client, session, bank, make)
    assert case.unit_id == bank.outlet_a.id  # not counter 1, where the teller sits
    assert case.subject_staff_id == bank.handler_a.id
    routed = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "routed")).one()
    assert routed.data == {"from_unit_id": bank.counter_a.id, "to_unit_id": bank.outlet_a.id,
                           "reason": "away_from_subject"}


def test_a_repair_request_at_a_counter_stays_at_the_counter_and_is_about_nobody(client, session, bank, make):
    _complain_at_counter(client, make.touchpoint(bank.counter_a, bank.handler_a), kind="suggestion")
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert case.unit_id == bank.counter_a.id and case.subject_staff_id is None


def test_the_outlets_lobby_manager_claims_it_by_page(client, session, bank, make, sign_in):
    case, lobby = _counter_case(client, session, bank, make)
    sign_in(lobby)
    assert case.reference in client.get("/cases?tab=unit").get_data(as_text=True)
    assert "Complaint about" in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    response = client.post(f"/cases/{case.reference}/claim")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Case, case.id).owner_id == lobby.id


def test_the_teller_it_is_about_cannot_see_or_claim_it_by_page(client, session, bank, make, sign_in):
    case, _lobby = _counter_case(client, session, bank, make)
    sign_in(bank.handler_a)
    assert case.reference not in client.get("/cases?tab=unit").get_data(as_text=True)
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 403 and "is a complaint about you" in page.get_data(as_text=True)
    refused = client.post(f"/cases/{case.reference}/claim")
    assert refused.status_code == 403 and "is a complaint about you" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, case.id).owner_id is None


def test_the_teller_it_is_about_cannot_claim_it_by_api(client, session, bank, make, api_as):
    case, _lobby = _counter_case(client, session, bank, make)
    # The outlet's queue is beyond a counter teller's token: the case is not there for them at all.
    assert api_as(bank.handler_a).post(f"/cases/{case.reference}/claim").status_code == 404
    session.expire_all()
    assert session.get(Case, case.id).owner_id is None
    claimed = api_as(bank.supervisor_a).post(f"/cases/{case.reference}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["subject_staff_id"] == bank.handler_a.id


def test_a_staff_member_of_the_outlet_it_is_about_is_told_why_by_api(client, session, bank, make, api_as):
    lobby = make.staff("handler", unit=bank.outlet_a, username="lobby-a")
    _complain_at_counter(client, make.touchpoint(bank.outlet_a, lobby, label="Lobby"))
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    session.commit()
    assert case.unit_id == bank.outlet_a.id and case.subject_staff_id == lobby.id
    about = api_as(lobby)
    for response in (about.post(f"/cases/{case.reference}/claim"), about.get(f"/cases/{case.reference}")):
        assert response.status_code == 403
        body = response.get_json()
        assert body["code"] == "complaint_about_you" and "is a complaint about you" in body["detail"]
    assert case.reference not in {item["reference"] for item in about.get("/cases").get_json()["items"]}
    session.expire_all()
    assert session.get(Case, case.id).owner_id is None


def test_nobody_transfers_it_to_the_teller_by_page_or_api(client, session, bank, make, sign_in, api_as):
    case, lobby = _counter_case(client, session, bank, make)
    assert api_as(lobby).post(f"/cases/{case.reference}/claim").status_code == 200
    response = api_as(lobby).post(f"/cases/{case.reference}/transfer",
                                  json={"to_staff": bank.handler_a.username, "reason": "Her counter."})
    assert response.status_code == 403 and response.get_json()["code"] == "subject"
    assert "cannot be given to them" in response.get_json()["detail"]
    sign_in(lobby)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="to_staff".*?</select>', page, re.DOTALL)[0]
    assert f'value="{bank.handler_a.id}"' not in offered  # not offered as a colleague to transfer to
    client.post(f"/cases/{case.reference}/transfer", data={"to_staff": str(bank.handler_a.id), "reason": "Hers."})
    session.expire_all()
    assert session.get(Case, case.id).owner_id == lobby.id


def test_the_organisation_may_let_the_teller_read_it_but_never_act(app, client, session, bank, make, sign_in,
                                                                    api_as):
    app.config["SUBJECT_SEES_COMPLAINT"] = True
    case, _lobby = _counter_case(client, session, bank, make)
    bank.handler_a.unit_id = bank.outlet_a.id  # a teller of the outlet, so the case is within their token's sight
    session.commit()
    sign_in(bank.handler_a)
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200 and 'action="/cases/' + case.reference + '/claim"' not in page.get_data(as_text=True)
    client.post(f"/cases/{case.reference}/claim")
    assert "is a complaint about you" in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert api_as(bank.handler_a).get(f"/cases/{case.reference}").status_code == 200
    assert api_as(bank.handler_a).post(f"/cases/{case.reference}/claim").status_code == 403
    session.expire_all()
    assert session.get(Case, case.id).owner_id is None


def test_a_teller_recording_a_complaint_about_themselves_does_not_own_it(session, bank, make, clock):
    case = make.case(bank.counter_a, recorded_by=bank.handler_a, channel="walk_in", kind="complaint",
                     subject_staff_id=bank.handler_a.id, contact_phone="+8613812345670")
    assert case.owner_id is None and case.first_responder_id is None and case.status == "new"
    assert case.unit_id == bank.outlet_a.id
    lifecycle.claim(session, case, bank.supervisor_a, clock.now())
    assert case.owner_id == bank.supervisor_a.id


def test_a_colleague_recording_a_complaint_about_a_teller_owns_it_at_the_outlet(session, bank, make):
    colleague = make.staff("handler", unit=bank.outlet_a)
    case = make.case(bank.counter_a, recorded_by=colleague, channel="phone", kind="complaint",
                     subject_staff_id=bank.handler_a.id, contact_phone="+8613812345671")
    assert case.owner_id == colleague.id and case.unit_id == bank.outlet_a.id


def test_a_reopened_complaint_stays_away_from_the_teller(session, bank, make, clock):
    case = make.case(bank.counter_a, recorded_by=bank.supervisor_a, channel="phone", kind="complaint",
                     subject_staff_id=bank.handler_a.id, contact_phone="+8613812345672")
    lifecycle.resolve(session, case, bank.supervisor_a, "Apologised.", clock.now())
    again = lifecycle.reopen(session, case, bank.supervisor_a, "Still unhappy.", clock.now())
    assert again.subject_staff_id == bank.handler_a.id

"""Repairs on the customer's form (issue 13): an address, required for a
repair, and an emergency choice. An emergency gets the emergency policy
(around the clock, no 21:00 cut-off: on site within 30 minutes, taken up
within 5) and the customer reads at once to call 110/119/120 - on the form
before sending, and on top of the page that gives the case number."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from routing.models import Case
from support.pages import page_of

LIFT = "Two people are trapped in the lift of building 3."


def _repair(client, unit, *, emergency: bool, address="Building 3, 12 Riverside Road", token=None, phone="13812345678"):
    data = {"kind": "repair", "category": "fault", "description": LIFT, "unit": unit.id, "phone": phone,
            "consent": "y", "callback_slot": "anytime", "address": address}
    if emergency:
        data["emergency"] = "y"
    if token:
        data["touchpoint"] = token
    return client.post("/complain", data=data)


def _latest(session) -> Case:
    session.commit()
    return session.scalars(select(Case).order_by(Case.id.desc())).first()


def test_the_form_asks_for_the_address_and_the_emergency_and_advises_at_once(client):
    page = page_of(client.get("/complain"))
    assert 'name="address"' in page and 'name="emergency"' in page
    assert "call 110 (police), 119 (fire) or 120 (ambulance) first" in page


def test_an_emergency_repair_gets_the_emergency_policy_and_the_advice_on_top(client, session, make, clock):
    hall = make.unit("PH", "Power service hall")
    clock.set(datetime(2026, 11, 2, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai: after the 21:00 cut-off
    response = _repair(client, hall, emergency=True)
    assert response.status_code == 303
    page = page_of(client.get(response.headers["Location"]))
    assert page.index("call 110 (police), 119 (fire) or 120 (ambulance) first") < page.index("Your case number")
    assert "We treat your repair as an emergency" in page
    case = _latest(session)
    assert (case.severity, case.policy_name, case.contact_address) == (
        "emergency", "repair-emergency", "Building 3, 12 Riverside Road")
    # The customer's private page repeats the advice while the repair is open.
    tracking = page_of(client.get(f"/track/{case.tracking_token}"))
    assert "call 110 (police), 119 (fire) or 120 (ambulance) first" in tracking
    due = {d.target: d.due_at for d in case.deadlines}
    assert due["acknowledge"] == clock.now() + timedelta(minutes=5)
    assert due["arrival"] == clock.now() + timedelta(minutes=30)  # not the next morning


def test_an_ordinary_repair_after_the_cut_off_waits_for_the_morning(client, session, make, clock):
    hall = make.unit("PH", "Power service hall")
    clock.set(datetime(2026, 11, 2, 14, 30, tzinfo=UTC))
    page = page_of(client.get(_repair(client, hall, emergency=False).headers["Location"]))
    assert "We treat your repair as an emergency" not in page
    case = _latest(session)
    assert (case.severity, case.policy_name) == ("normal", "repair-urban")
    arrival = next(d.due_at for d in case.deadlines if d.target == "arrival")
    assert arrival == datetime(2026, 11, 3, 0, 30, tzinfo=UTC)  # 8:00 start of duty + 30 min


def test_a_rural_emergency_has_two_hours_to_arrive(client, session, make, clock):
    station = make.unit("RS", "Rural station", area="rural")
    _repair(client, station, emergency=True)
    case = _latest(session)
    assert case.policy_name == "repair-emergency-rural"
    assert next(d.due_at for d in case.deadlines if d.target == "arrival") == clock.now() + timedelta(hours=2)


def test_a_repair_needs_its_address(client, session, make):
    hall = make.unit("PH", "Power service hall")
    page = page_of(_repair(client, hall, emergency=True, address="  "), 400)
    assert "Please tell us where the repair is needed." in page
    assert _latest(session) is None


def test_an_emergency_never_joins_an_open_case_and_the_qr_path_has_it_too(client, session, make):
    hall = make.unit("PH", "Power service hall")
    touchpoint = make.touchpoint(hall, label="Hall desk")
    assert _repair(client, hall, emergency=False).status_code == 303
    first = _latest(session)
    response = _repair(client, hall, emergency=True, token=touchpoint.token)
    assert "/complain/sent/" in response.headers["Location"]  # a case of its own, not "added to your case"
    second = _latest(session)
    assert second.id != first.id and (second.channel, second.severity) == ("qr", "emergency")


def test_the_emergency_choice_means_nothing_for_a_complaint(client, session, make):
    outlet = make.unit("OA", "Outlet A")
    client.post("/complain", data={"kind": "complaint", "category": "attitude", "description": "Rude.",
                                   "unit": outlet.id, "phone": "13812345670", "consent": "y", "emergency": "y",
                                   "callback_slot": "anytime"})
    assert _latest(session).severity == "normal"

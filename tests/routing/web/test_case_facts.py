"""Handlers change the facts of a case - kind, category, severity, unit,
amount claimed - with a reason on the timeline (issue 13). The policy is
matched again and the deadlines recomputed in the same transaction, and the
immediate escalations of RULES 3 fire: a major complaint to the deputy GM,
a claim to whoever may approve it, 以下/以上 including the number itself
(exactly 1,000 the manager's, exactly 5,000 the general manager's)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from routing.models import Case, CaseEvent, Escalation
from routing.rules.ladder import LEVELS
from routing.services import lifecycle
from routing.services.escalation import Ladders
from support.ladder import tick_at
from support.pages import page_of


def _complaint(make, org, **fields):
    return make.case(org.outlet, recorded_by=org.handler, channel="phone", kind="complaint", category="attitude",
                     contact_phone="+8613812345678", **fields)


def _immediate(session, case) -> list[tuple[str, int | None]]:
    session.commit()  # end the read: a new one sees what the app wrote
    return [(LEVELS[e.level], e.to_staff_id) for e in session.scalars(
        select(Escalation).where(Escalation.case_id == case.id, Escalation.target == "immediate")
        .order_by(Escalation.level))]


def test_the_owner_makes_a_complaint_major_on_the_case_page(client, sign_in, session, make, ladder_org):
    case = _complaint(make, ladder_org)
    assert _immediate(session, case) == []
    sign_in(ladder_org.handler)
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert "Change the facts" in page and 'name="fact_severity"' in page
    response = client.post(f"/cases/{case.reference}/facts", data={
        "fact_kind": "complaint", "fact_category": "attitude", "fact_severity": "major",
        "fact_unit": str(ladder_org.outlet.id), "fact_amount": "", "fact_reason": "The customer went to the press."})
    assert response.status_code == 303
    assert "were changed" in page_of(client.get(response.headers["Location"]))
    assert _immediate(session, case) == [("deputy_gm", ladder_org.deputy.id)]
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.kind == "facts_changed")).one()
    assert event.body == "The customer went to the press." and event.staff_id == ladder_org.handler.id
    assert event.data["changes"] == {"severity": ["normal", "major"]}
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert "Facts of the case changed" in page and "Severity: Normal → Major" in page


@pytest.mark.parametrize(("amount", "level"), [
    ("999.99", "manager"), ("1000", "manager"), ("1000.01", "deputy_gm"), ("4999.99", "deputy_gm"),
    ("5000", "gm"), ("12000", "gm")])
def test_a_claim_goes_at_once_to_whoever_may_approve_it(api_as, session, make, ladder_org, amount, level):
    case = _complaint(make, ladder_org)
    response = api_as(ladder_org.handler).post(f"/cases/{case.reference}/facts", json={
        "amount_claimed": amount, "reason": "The customer claims the fee back."})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["amount_claimed"] == f"{float(amount):.2f}"
    holder = {"manager": ladder_org.manager, "deputy_gm": ladder_org.deputy, "gm": ladder_org.gm}[level]
    assert _immediate(session, case) == [(level, holder.id)]


def test_a_larger_claim_later_climbs_again_and_a_smaller_one_takes_nothing_back(api_as, session, make,
                                                                                ladder_org):
    case = _complaint(make, ladder_org, amount_claimed=800)
    assert _immediate(session, case) == [("manager", ladder_org.manager.id)]
    supervisor = api_as(ladder_org.supervisor)
    assert supervisor.post(f"/cases/{case.reference}/facts", json={
        "amount_claimed": 5000, "reason": "Claim raised."}).status_code == 200
    assert supervisor.post(f"/cases/{case.reference}/facts", json={
        "amount_claimed": None, "reason": "Claim withdrawn."}).status_code == 200
    assert _immediate(session, case) == [("manager", ladder_org.manager.id), ("gm", ladder_org.gm.id)]
    session.expire_all()
    assert session.get(Case, case.id).amount_claimed is None


def test_a_new_kind_rematches_the_policy_and_recomputes_the_deadlines_before_the_tick(
        app, api_as, session, make, ladder_org, clock):
    case = _complaint(make, ladder_org)
    assert case.policy_name == "complaint"
    start = clock.now()
    clock.set(start + timedelta(minutes=10))
    answer = api_as(ladder_org.handler).post(f"/cases/{case.reference}/facts", json={
        "kind": "repair", "category": "fault", "reason": "It is a broken meter, not a complaint."})
    assert answer.status_code == 200, answer.get_json()
    deadlines = {d["target"]: d for d in answer.get_json()["deadlines"]}
    # The repair policy's, counted from the contact; the call itself was answered when it was recorded.
    assert set(deadlines) == {"acknowledge", "arrival", "resolution"} and deadlines["acknowledge"]["state"] == "met"
    session.expire_all()
    case = session.get(Case, case.id)
    assert case.policy_name == "repair-urban"
    arrival = next(d for d in case.deadlines if d.target == "arrival")
    assert arrival.due_at == start + timedelta(minutes=30) and case.next_due_at == arrival.due_at
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.kind == "facts_changed")).one()
    assert event.data["policy"] == ["complaint", "repair-urban"]
    session.commit()
    # The tick sees the new limits: the 30 minutes run out and the arrival is escalated, not the old complaint's.
    tick_at(app, clock, start + timedelta(minutes=31))
    session.expire_all()
    assert {e.target for e in session.scalars(select(Escalation).where(Escalation.case_id == case.id))} == {"arrival"}


def test_a_new_unit_moves_the_case_and_its_ladder(api_as, session, make, ladder_org):
    case = _complaint(make, ladder_org)
    answer = api_as(ladder_org.supervisor).post(f"/cases/{case.reference}/facts", json={
        "unit": "OUT2", "severity": "major", "reason": "It happened at the west outlet."})
    assert answer.status_code == 200 and answer.get_json()["unit_id"] == ladder_org.other_outlet.id


def test_refusals_say_why(client, sign_in, api_as, session, make, ladder_org, clock):
    case = _complaint(make, ladder_org)
    owner = api_as(ladder_org.handler)
    nothing = owner.post(f"/cases/{case.reference}/facts", json={"category": "attitude", "reason": "Same."})
    assert nothing.status_code == 409 and nothing.get_json()["code"] == "no_change"
    assert owner.post(f"/cases/{case.reference}/facts", json={"reason": "Nothing."}).status_code == 422
    assert owner.post(f"/cases/{case.reference}/facts", json={"severity": "major"}).status_code == 400  # no reason
    assert owner.post(f"/cases/{case.reference}/facts", json={
        "amount_claimed": "-5", "reason": "Negative."}).status_code == 400
    # A colleague who does not own it may not; neither may anyone once it is closed.
    colleague = api_as(ladder_org.colleague).post(f"/cases/{case.reference}/facts", json={
        "severity": "major", "reason": "Mine now."})
    assert colleague.status_code == 409 and colleague.get_json()["code"] == "step_not_allowed"
    sign_in(ladder_org.handler)
    page = page_of(client.post(f"/cases/{case.reference}/facts", data={
        "fact_kind": "complaint", "fact_category": "attitude", "fact_severity": "major",
        "fact_unit": str(ladder_org.outlet.id), "fact_reason": ""}), 400)
    assert "This field is required." in page
    lifecycle.resolve(session, case, ladder_org.handler, "Done.", clock.now())
    lifecycle.close(session, case, ladder_org.handler, clock.now())
    session.commit()
    closed = owner.post(f"/cases/{case.reference}/facts", json={"severity": "major", "reason": "Late."})
    assert closed.status_code == 409
    assert _immediate(session, case) == []


def test_the_person_a_complaint_is_about_cannot_change_its_facts(api_as, session, make, ladder_org):
    case = make.case(ladder_org.outlet, recorded_by=ladder_org.supervisor, channel="phone", kind="complaint",
                     contact_phone="+8613812345679", subject_staff_id=ladder_org.handler.id)
    response = api_as(ladder_org.handler).post(f"/cases/{case.reference}/facts", json={
        "severity": "minor", "reason": "Not so bad."})
    assert response.status_code == 403 and response.get_json()["code"] == "complaint_about_you"


def test_a_major_complaint_about_the_supervisor_goes_past_them(session, make, ladder_org):
    """The ladder skips the person a complaint is about: a complaint about the
    outlet's supervisor made major is not announced to them."""
    case = make.case(ladder_org.outlet, recorded_by=ladder_org.handler, channel="phone", kind="complaint",
                     contact_phone="+8613812345677", subject_staff_id=ladder_org.supervisor.id, amount_claimed=500)
    assert _immediate(session, case) == [("manager", ladder_org.manager.id)]
    assert Ladders(session).for_case(case)["supervisor"] == ladder_org.manager.id

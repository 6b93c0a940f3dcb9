"""What an integrator sees of a case is what the handler sees: each deadline
(target, due, met or breached and by how many minutes) and the escalation
level reached; and the list finds cases by status, unit, phone and text,
open or finished, only within the token's sight."""
from __future__ import annotations

from datetime import timedelta

import pytest

from routing.services import lifecycle
from support.ladder import tick_at

PHONE = "+8613812345678"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refs(answer: dict) -> list[str]:
    return [item["reference"] for item in answer["items"]]


@pytest.fixture
def cases(session, make, bank, clock):
    closed = make.case(bank.counter_a, contact_phone=PHONE, contact_name="Li Lei", description="Charged twice")
    lifecycle.claim(session, closed, bank.handler_a, clock.now())
    lifecycle.resolve(session, closed, bank.handler_a, "Refunded.", clock.now())
    lifecycle.close(session, closed, bank.handler_a, clock.now())
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="Card reader broken")
    other = make.case(bank.counter_b, contact_phone=PHONE, description="Queue at outlet B")
    session.commit()
    return closed, repair, other


def test_the_list_filters_by_phone_in_any_format_text_status_and_unit(api_as, bank, cases):
    closed, repair, other = cases
    api = api_as(bank.executive)
    assert refs(ok(api.get("/cases", query_string={"phone": "+86 138-1234-5678"}))) == [closed.reference,
                                                                                        other.reference]
    assert refs(ok(api.get("/cases", query_string={"phone": "13812345678", "status": "closed"}))) == [
        closed.reference]
    assert refs(ok(api.get("/cases", query_string={"q": "reader"}))) == [repair.reference]
    assert refs(ok(api.get("/cases", query_string={"q": "li lei"}))) == [closed.reference]
    assert refs(ok(api.get("/cases", query_string={"q": closed.reference.removeprefix("C-")}))) == [closed.reference]
    assert refs(ok(api.get("/cases", query_string={"q": "138 1234 5678", "unit": "OB"}))) == [other.reference]


def test_the_list_keeps_to_the_tokens_sight(api_as, bank, cases):
    closed, repair, other = cases
    assert refs(ok(api_as(bank.handler_b).get("/cases", query_string={"phone": PHONE}))) == [other.reference]


def test_a_phone_that_is_no_number_is_refused_in_words(api_as, bank):
    answer = api_as(bank.executive).get("/cases", query_string={"phone": "12345"})
    assert answer.status_code in (400, 422)
    assert "phone" in answer.get_json()["errors"]


def test_one_case_shows_each_deadline_and_the_escalation_level_reached(app, api_as, bank, make, clock):
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    api = api_as(bank.supervisor_a)
    fresh = ok(api.get(f"/cases/{repair.reference.removeprefix('C-')}"))  # the reference without C- too
    arrival = next(d for d in fresh["deadlines"] if d["target"] == "arrival")
    assert (arrival["state"], arrival["minutes_left"], arrival["minutes_late"]) == ("pending", 30, 0)
    assert fresh["escalation_level"] is None

    tick_at(app, clock, clock.now() + timedelta(minutes=45))
    late = ok(api.get(f"/cases/{repair.reference}"))
    arrival = next(d for d in late["deadlines"] if d["target"] == "arrival")
    assert (arrival["state"], arrival["minutes_late"], arrival["minutes_left"]) == ("breached", 15, None)
    assert arrival["breached_at"] is not None and arrival["escalation_level"] == "supervisor"
    assert late["escalation_level"] == "supervisor"


def test_a_major_complaint_shows_the_level_it_went_to_at_once(api_as, bank, make):
    major = make.case(bank.counter_a, severity="major", description="Reported to the newspaper")
    answer = ok(api_as(bank.executive).get(f"/cases/{major.reference}"))
    assert answer["escalation_level"] not in (None, "handler")

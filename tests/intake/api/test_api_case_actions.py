"""The API's steps on a case (claim, transfer, reply, appointment, resolve,
reopen, close) and the callback list: bearer tokens, JSON problems with a
message, 404 for a case the token cannot see, 409 for a step the case's state
does not allow."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from routing.models import Callback, Case, OutboundMessage, Rating
from routing.services import lifecycle

PHONE = "+8613812345678"
TUESDAY_9 = datetime(2026, 11, 3, 1, 0, tzinfo=timezone.utc)  # the callback window after a Monday resolution


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def complaint(make, unit):
    return make.case(unit, kind="complaint", category="attitude", locale="en", contact_phone=PHONE,
                     description="The teller was rude.")


def test_a_handler_claims_replies_and_resolves_over_the_api(api_as, make, bank, session):
    case = complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    body = ok(api.post(f"/cases/{case.reference}/claim"))
    assert (body["status"], body["owner_id"], body["first_responder_id"]) == (
        "claimed", bank.handler_a.id, bank.handler_a.id)
    body = ok(api.post(f"/cases/{case.reference}/reply", json={"message": "We are sorry; we will call you."}))
    assert body["events"][-1]["kind"] == "reply" and body["events"][-1]["public"] is True
    body = ok(api.post(f"/cases/{case.reference}/resolve", json={"summary": "The teller apologised."}))
    assert body["status"] == "resolved" and body["resolved_at"].endswith("Z")
    messages = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).all()
    assert {m.purpose for m in messages} >= {"reply", "resolution"} and all(m.to == PHONE for m in messages)


def test_an_unknown_or_unseen_reference_is_404(api_as, make, bank):
    other = complaint(make, bank.counter_b)
    api = api_as(bank.handler_a)
    assert problem_of(api.post("/cases/C-2026-999999/claim"), 404)["detail"] == "There is no such case."
    problem_of(api.post(f"/cases/{other.reference}/claim"), 404)  # another outlet's case


def test_a_step_the_state_does_not_allow_is_409_with_a_message(api_as, make, bank):
    case = complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    body = problem_of(api.post(f"/cases/{case.reference}/close"), 409)
    assert body["code"] == "step_not_allowed" and case.reference in body["detail"] and "new" in body["detail"]
    ok(api.post(f"/cases/{case.reference}/claim"))
    problem_of(api.post(f"/cases/{case.reference}/claim"), 409)
    problem_of(api.post(f"/cases/{case.reference}/reopen", json={"reason": "Not yet resolved."}), 409)


def test_the_service_refusing_is_a_problem_with_its_message(api_as, make, bank):
    case = complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    ok(api.post(f"/cases/{case.reference}/claim"))
    body = problem_of(api.post(f"/cases/{case.reference}/appointment", json={"at": "2026-11-01T10:00:00+08:00"}), 422)
    assert body["detail"] == "The appointment must be in the future."


def test_tokens_and_bodies_are_checked(anonymous, api_as, make, bank):
    case = complaint(make, bank.counter_a)
    problem_of(anonymous.post(f"/cases/{case.reference}/claim"), 401)
    api = api_as(bank.handler_a)
    ok(api.post(f"/cases/{case.reference}/claim"))
    body = problem_of(api.post(f"/cases/{case.reference}/reply", json={}), 400)
    assert body["errors"] == {"message": "required"}
    body = problem_of(api.post(f"/cases/{case.reference}/transfer", json={"reason": "Not ours."}), 400)
    assert "to_staff" in body["errors"]
    body = problem_of(api.post(f"/cases/{case.reference}/appointment", json={"at": "2026-11-03 10:00"}), 400)
    assert "UTC offset" in body["errors"]["at"]


def test_transfer_to_a_unit_and_an_appointment_in_any_time_zone(api_as, make, bank, session):
    case = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    api = api_as(bank.handler_a)
    ok(api.post(f"/cases/{case.reference}/claim"))
    ok(api.post(f"/cases/{case.reference}/appointment",
                json={"at": "2026-11-02T14:00:00+08:00", "note": "After lunch."}))
    session.expire_all()
    assert session.get(Case, case.id).appointment_at == datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
    session.commit()
    body = ok(api.post(f"/cases/{case.reference}/transfer", json={"to_unit": "OB-C1", "reason": "Their area."}))
    assert (body["unit_id"], body["owner_id"], body["status"], body["first_responder_id"]) == (
        bank.counter_b.id, None, "new", bank.handler_a.id)


def test_reopen_answers_with_the_new_linked_case_and_close_ends_the_old(api_as, make, bank):
    first, second = complaint(make, bank.counter_a), complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    for case in (first, second):
        ok(api.post(f"/cases/{case.reference}/claim"))
        ok(api.post(f"/cases/{case.reference}/resolve", json={"summary": "Apologised."}))
    new = ok(api.post(f"/cases/{first.reference}/reopen", json={"reason": "Wants a refund.", "by_customer": True}), 201)
    assert new["reopened_from_id"] == first.id and new["owner_id"] == bank.handler_a.id
    assert ok(api.post(f"/cases/{second.reference}/close"))["status"] == "closed"


def test_callbacks_are_listed_by_due_time_and_their_outcome_recorded(api_as, make, bank, session, clock):
    case = complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    ok(api.post(f"/cases/{case.reference}/claim"))
    ok(api.post(f"/cases/{case.reference}/resolve", json={"summary": "Apologised."}))
    items = ok(api.get("/callbacks"))["items"]
    assert [(i["case_reference"], i["due_start"], i["status"]) for i in items] == [
        (case.reference, "2026-11-03T01:00:00Z", "scheduled")]
    assert items[0]["customer_phone"] == "+86 138****5678"  # a handler's token gets the number masked
    body = problem_of(api.post(f"/callbacks/{items[0]['id']}/outcome", json={"outcome": "no_answer"}), 403)
    assert "You handled this case" in body["detail"]  # the owner never calls back their own case
    api = api_as(make.staff("handler", unit=bank.branch, username="callback-desk", callback_desk=True))
    assert ok(api.post(f"/callbacks/{items[0]['id']}/phone"))["customer_phone"] == "+8613812345678"
    clock.set(TUESDAY_9 + timedelta(minutes=10))
    body = problem_of(api.post(f"/callbacks/{items[0]['id']}/outcome", json={"outcome": "reached"}), 400)
    assert "at least one" in body["detail"]
    body = ok(api.post(f"/callbacks/{items[0]['id']}/outcome", json={
        "outcome": "reached", "attitude": "very_satisfied", "skill": "satisfied", "arrival_time": "satisfied",
        "keeping_promises": "poor", "comment": "Slow to call back."}))
    assert body["status"] == "done" and body["rating_id"]
    rating = session.get(Rating, body["rating_id"])
    assert (rating.channel, rating.staff_id, rating.attitude, rating.promises) == ("callback", bank.handler_a.id, 5, 2)
    session.commit()
    problem_of(api.post(f"/callbacks/{items[0]['id']}/outcome", json={"outcome": "no_answer"}), 409)
    problem_of(api.post("/callbacks/999999/outcome", json={"outcome": "no_answer"}), 404)
    assert ok(api.get("/callbacks"))["items"] == []


def test_another_outlets_token_cannot_record_a_callback(api_as, make, bank, session):
    case = complaint(make, bank.counter_a)
    api = api_as(bank.handler_a)
    ok(api.post(f"/cases/{case.reference}/claim"))
    ok(api.post(f"/cases/{case.reference}/resolve", json={"summary": "Apologised."}))
    callback = session.scalars(select(Callback).where(Callback.case_id == case.id)).one()
    session.commit()
    problem_of(api_as(bank.handler_b).post(f"/callbacks/{callback.id}/outcome", json={"outcome": "no_answer"}), 404)


def test_the_steps_are_in_the_openapi_document(anonymous):
    document = ok(anonymous.get("/openapi.json"))
    paths = document["paths"]
    for step in ("claim", "transfer", "reply", "appointment", "resolve", "reopen", "close"):
        operation = paths[f"/api/v1/cases/{{reference}}/{step}"]["post"]
        assert "409" in operation["responses"] and "404" in operation["responses"]
    assert "get" in paths["/api/v1/callbacks"]
    outcome = document["components"]["schemas"]["CallbackOutcome"]
    levels = outcome["properties"]["keeping_promises"]["anyOf"]
    assert levels == [{"enum": ["very_satisfied", "satisfied", "average", "poor"], "type": "string"}, {"type": "null"}]


def test_the_api_refuses_the_first_responder_and_the_subject_as_callers(api_as, make, bank, session):
    teller = make.staff("handler", unit=bank.counter_a, username="teller-a2")
    case = make.case(bank.counter_a, kind="complaint", contact_phone="+8613812345678", channel="phone",
                     recorded_by=bank.handler_a)
    case.subject_staff_id = teller.id
    session.commit()
    lifecycle.transfer(session, case, bank.handler_a, to_staff=bank.supervisor_a, reason="Needs the supervisor",
                       now=case.created_at)
    session.commit()
    ok(api_as(bank.supervisor_a).post(f"/cases/{case.reference}/resolve", json={"summary": "Apologised."}))
    callback = session.scalars(select(Callback).where(Callback.case_id == case.id)).one()
    session.commit()
    for who, code in ((bank.supervisor_a, "callback_owner"), (bank.handler_a, "callback_first_responder"),
                      (teller, "callback_subject")):
        body = problem_of(api_as(who).post(f"/callbacks/{callback.id}/outcome", json={"outcome": "no_answer"}), 403)
        assert body["code"] == code and body["detail"]
        problem_of(api_as(who).post(f"/callbacks/{callback.id}/phone"), 403)


def test_a_token_cannot_rate_its_own_staff_member(api_as, make, bank):
    touchpoint = make.touchpoint(bank.counter_a, bank.handler_a)
    body = problem_of(api_as(bank.handler_a).post("/ratings", json={"touchpoint": touchpoint.id, "score": 5}), 403)
    assert body["code"] == "self_rating"
    assert ok(api_as(bank.supervisor_a).post("/ratings", json={"touchpoint": touchpoint.id, "score": 5}), 201)

"""POST /api/v1/cases for staff intake and one-call service: the token's
staff member (or the operator a hotline system names) is the first
responder; a contact of the same matter joins the open case unless the
request opts out, and the answer says whether it joined."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from routing.models import Case, CaseEvent, Deadline

CALL = {"channel": "phone", "description": "Charged twice.", "contact_phone": "139 1234 5678",
        "category": "billing", "received_at": "2026-11-02T08:58:00+08:00"}


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_call_recorded_through_the_api_belongs_to_the_tokens_staff_member(api_as, bank, session):
    response = api_as(bank.handler_a).post("/cases", json={**CALL, "contact_address": "12 Century Avenue",
                                                           "amount_claimed": "88", "severity": "major"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["joined"] is False
    assert (case["channel"], case["status"], case["unit_id"]) == ("phone", "claimed", bank.counter_a.id)
    assert case["first_responder_id"] == case["owner_id"] == bank.handler_a.id
    assert (case["contact_address"], case["amount_claimed"], case["severity"]) == ("12 Century Avenue", "88.00",
                                                                                  "major")
    assert case["received_at"] == "2026-11-02T00:58:00Z"


def test_a_hotline_system_posts_for_its_operators(api_as, bank):
    """recorded_by: the operator becomes the first responder; a supervisor's
    token or higher, the operator in its unit tree."""
    hotline = api_as(bank.supervisor_a)
    response = hotline.post("/cases", json={**CALL, "recorded_by": "teller-a"})
    assert response.status_code == 201
    assert response.get_json()["first_responder_id"] == bank.handler_a.id
    refused = api_as(bank.handler_b).post("/cases", json={**CALL, "recorded_by": "teller-a"})
    assert refused.status_code in (403, 422)  # outside a handler's unit: not even known to it
    teller = api_as(bank.handler_a).post("/cases", json={**CALL, "contact_phone": "13900000002",
                                                         "recorded_by": bank.handler_b.id})
    assert teller.status_code in (403, 422)
    unknown = hotline.post("/cases", json={**CALL, "recorded_by": "nobody"})
    assert unknown.status_code == 422 and "recorded_by" in unknown.get_json()["errors"]


def test_an_administrators_token_names_the_operator(api_as, bank):
    response = api_as(bank.admin).post("/cases", json=CALL)
    assert response.status_code == 403 and "recorded_by" in response.get_json()["errors"]
    assert api_as(bank.admin).post("/cases", json={**CALL, "recorded_by": "sup-a"}).status_code == 201


def test_answering_within_the_rings_is_the_acknowledge_target(api_as, bank, session):
    api = api_as(bank.handler_a)
    slow = api.post("/cases", json={**CALL, "answered_at": "2026-11-02T08:58:35+08:00"}).get_json()
    ack = session.scalars(select(Deadline).where(Deadline.case_id == slow["id"],
                                                 Deadline.target == "acknowledge")).one()
    assert ack.due_at - ack.started_at == timedelta(seconds=20)  # 4 rings of 5 s
    assert ack.met_at - ack.started_at == timedelta(seconds=35)  # met late
    [shown] = [d for d in api.get(f"/cases/{slow['reference']}").get_json()["deadlines"]
               if d["target"] == "acknowledge"]
    assert shown["state"] == "met_late"


def test_a_second_contact_of_the_same_matter_joins_and_the_answer_says_so(api_as, bank, session):
    api = api_as(bank.supervisor_a)
    first = api.post("/cases", json=CALL).get_json()
    again = api.post("/cases", json={**CALL, "channel": "letter", "description": "A letter about it too.",
                                     "contact_phone": "+86 139-1234-5678"})
    assert again.status_code == 200
    body = again.get_json()
    assert body["joined"] is True and body["reference"] == first["reference"]
    assert body["events"][-1]["kind"] == "customer_message" and body["events"][-1]["body"] == "A letter about it too."
    assert count(session, Case) == 1


def test_channel_api_joins_too_and_may_opt_out(api_as, bank, session):
    api = api_as(bank.manager_a)
    new = {"description": "No answer from the branch.", "contact_email": "Wei@Example.com", "unit": "OA"}
    assert api.post("/cases", json=new).status_code == 201
    joined = api.post("/cases", json={**new, "contact_email": "wei@example.com"})
    assert joined.status_code == 200 and joined.get_json()["joined"] is True
    separate = api.post("/cases", json={**new, "join_open_case": False})
    assert separate.status_code == 201 and separate.get_json()["joined"] is False
    assert count(session, Case) == 2


def test_another_kind_is_another_matter(api_as, bank, session):
    api = api_as(bank.handler_a)
    api.post("/cases", json=CALL)
    repair = api.post("/cases", json={**CALL, "kind": "repair", "description": "No power."})
    assert repair.status_code == 201 and repair.get_json()["joined"] is False


def test_a_closed_case_is_not_joined(api_as, bank, session):
    api = api_as(bank.handler_a)
    first = api.post("/cases", json=CALL).get_json()
    case = session.get(Case, first["id"])
    case.status = "closed"
    session.commit()
    again = api.post("/cases", json=CALL)
    assert again.status_code == 201 and again.get_json()["reference"] != first["reference"]


def test_an_open_case_out_of_the_tokens_sight_is_linked_not_joined(api_as, bank, session):
    """A handler at outlet B learns nothing of outlet A's case by posting its
    customer's number: a case of its own, linked for both desks to see."""
    theirs = api_as(bank.handler_a).post("/cases", json=CALL).get_json()
    ours = api_as(bank.handler_b).post("/cases", json=CALL)
    assert ours.status_code == 201
    assert ours.get_json()["same_customer_as"] == theirs["reference"]
    assert count(session, CaseEvent, CaseEvent.case_id == theirs["id"], CaseEvent.kind == "customer_message") == 0


def test_received_later_than_now_is_refused(api_as, bank, session):
    response = api_as(bank.handler_a).post("/cases", json={**CALL, "received_at": "2026-11-02T12:00:00+08:00"})
    assert response.status_code == 422 and "received_at" in response.get_json()["errors"]
    assert count(session, Case) == 0


def test_a_channel_that_staff_do_not_record_from_is_refused(api_as, bank):
    for channel in ("sms", "qr", "fax"):
        response = api_as(bank.handler_a).post("/cases", json={**CALL, "channel": channel})
        assert response.status_code == 400 and "channel" in response.get_json()["errors"]


def test_a_hotline_names_the_staff_member_a_complaint_is_about(api_as, bank, session):
    """about: the case goes to the unit above their counter; they never handle it."""
    response = api_as(bank.supervisor_a).post("/cases", json={
        **CALL, "recorded_by": "sup-a", "about": "teller-a", "unit": bank.counter_a.id,
        "description": "The teller was cold to me."})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert (case["subject_staff_id"], case["unit_id"]) == (bank.handler_a.id, bank.counter_a.parent_id)
    refused = api_as(bank.handler_a).post(f"/cases/{case['reference']}/claim", json={})
    assert refused.status_code in (403, 404)
    unknown = api_as(bank.supervisor_a).post("/cases", json={**CALL, "about": "nobody"})
    assert unknown.status_code == 422 and "about" in unknown.get_json()["errors"]

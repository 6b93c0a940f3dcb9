"""Steps on a case for integrators (claim, transfer, reply, appointment,
weather, resolve, reopen, close) and the callback list with its outcomes.

Each step calls the same routing.lifecycle service as the handler pages. A
case outside the token's scope is as good as absent (404); a step the case's
state or the token's staff member does not allow is a 409 with a message.
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from intake.api.base import (
    INT,
    INT_OR_NULL,
    STR,
    STR_OR_NULL,
    ApiError,
    Prop,
    Shape,
    answer,
    api_staff,
    find_staff,
    find_unit,
    in_scope,
    not_found,
    operation,
    shown_phone,
    time_prop,
)
from intake.api.cases import CASE_WITH_TIMELINE
from intake.api.fields import Body, Boolean, Choice, Reference, Text, Timestamp
from routing.errors import RoutingError
from routing.models import Callback, Case
from routing.rules import access
from routing.rules.callback_rules import CALLBACK_ITEMS, CALLBACK_LEVELS
from routing.services import callback_outcome, callbacks, lifecycle
from routing.services.cases import case_by_reference
from routing.vocabulary import CALLBACK_STATUSES
from routing.web.glue import db_session, now

NO_CASE = _l("There is no such case.")
NO_CALLBACK = _l("There is no such callback.")
OUTCOMES = ("reached", "no_answer", "wrong_number")
NOT_NOW = "A 409 problem: the step is not allowed in the case's state, or not for this token's staff member."


def _visible_case(reference: str) -> Case:
    """By reference; out of scope is absent, except for the case's own owner
    or first responder (who stays accountable after a transfer out)."""
    case = case_by_reference(db_session(), reference) if len(reference) <= 40 and reference.isprintable() else None
    staff = api_staff()
    if case is None or not (in_scope(case.unit_id) or staff.id in (case.owner_id, case.first_responder_id)):
        raise not_found(NO_CASE)
    return case


def _step(case: Case, action: str, run) -> Case | None:
    """Run a lifecycle step the staff member may take now; refusals become problems."""
    staff = api_staff()
    if action not in access.allowed_actions(staff, case):
        raise ApiError(409, _("This step (%(step)s) is not allowed for case %(reference)s now: it is %(status)s, "
                              "or your account may not take this step.",
                              step=action, reference=case.reference, status=case.status), "step_not_allowed")
    try:
        return run(db_session(), case, staff, now())
    except RoutingError as error:  # Conflict 409, Forbidden 403, NotFound 404, others 400
        raise ApiError(error.status, error.message, error.code) from error


def _answer_case(case: Case, status: int = 200):
    db_session().flush()
    db_session().refresh(case)  # the timeline with the step just written
    return answer(CASE_WITH_TIMELINE, case, status)


# --- case steps ---------------------------------------------------------------

_CASE_ANSWERS = {200: CASE_WITH_TIMELINE, 409: NOT_NOW}


@operation("POST", "/cases/<reference>/claim", summary="Claim a case from its unit's queue", tag="cases",
           responses=_CASE_ANSWERS,
           description="The first staff member to claim a case becomes its first responder, for good, and its owner.")
def case_claim(reference):
    case = _visible_case(reference)
    _step(case, "claim", lambda s, c, me, at: lifecycle.claim(s, c, me, at))
    return _answer_case(case)


TRANSFER = Body("CaseTransfer", (
    Reference("to_staff", key="username", description="A colleague, by id or username. Give this or to_unit."),
    Reference("to_unit", description="A unit's queue, by id or code. Give this or to_staff."),
    Text("reason", required=True, max_length=500, description="Why; the first responder is told."),
))


@operation("POST", "/cases/<reference>/transfer", summary="Transfer a case to a colleague or a unit's queue",
           tag="cases", body=TRANSFER, responses=_CASE_ANSWERS,
           description="The first responder stays accountable; only the owner changes.")
def case_transfer(reference, body):
    case = _visible_case(reference)
    if (body["to_staff"] is None) == (body["to_unit"] is None):
        raise ApiError(400, _("Give either to_staff or to_unit, not both and not neither."), "invalid_fields",
                       errors={"to_staff": _l("give either to_staff or to_unit")})
    session = db_session()
    to_staff = find_staff(session, body["to_staff"], "to_staff") if body["to_staff"] is not None else None
    to_unit = find_unit(session, body["to_unit"], "to_unit") if body["to_unit"] is not None else None
    _step(case, "transfer", lambda s, c, me, at: lifecycle.transfer(
        s, c, me, to_staff=to_staff, to_unit=to_unit, reason=body["reason"], now=at))
    return _answer_case(case)


REPLY = Body("CaseReply", (
    Text("message", required=True, max_length=1000,
         description="Sent to the customer by SMS or e-mail in their language, and shown on their tracking page."),
))


@operation("POST", "/cases/<reference>/reply", summary="Reply to the customer", tag="cases", body=REPLY,
           responses=_CASE_ANSWERS, description="The first reply meets the first-response time limit.")
def case_reply(reference, body):
    case = _visible_case(reference)
    _step(case, "reply", lambda s, c, me, at: lifecycle.reply(s, c, me, body["message"], at))
    return _answer_case(case)


APPOINTMENT = Body("CaseAppointment", (
    Timestamp("at", required=True, description="The time agreed with the customer, with its UTC offset."),
    Text("note", max_length=300),
))


@operation("POST", "/cases/<reference>/appointment", summary="Record an appointment agreed with the customer",
           tag="cases", body=APPOINTMENT, responses=_CASE_ANSWERS,
           description="The appointment replaces the arrival deadline and is itself a deadline.")
def case_appointment(reference, body):
    case = _visible_case(reference)
    _step(case, "appointment", lambda s, c, me, at: lifecycle.set_appointment(
        s, c, me, body["at"], at, note=body["note"] or ""))
    return _answer_case(case)


WEATHER = Body("CaseWeather", (
    Text("reason", required=True, max_length=300, description="What weather prevents the work outdoors."),
))


@operation("POST", "/cases/<reference>/weather", summary="Record that weather prevents outdoor work today",
           tag="cases", body=WEATHER, responses=_CASE_ANSWERS,
           description="004: the arrival and resolution deadlines that are not late yet move to the next day "
                       "(the next working day when counted in working days), the customer gets an apology by "
                       "SMS or e-mail in their language, and the timeline says why. Once a day per case.")
def case_weather(reference, body):
    case = _visible_case(reference)
    _step(case, "weather", lambda s, c, me, at: lifecycle.record_weather(s, c, me, body["reason"], at))
    return _answer_case(case)


RESOLVE = Body("CaseResolve", (
    Text("summary", required=True, max_length=2000, description="What was done; the customer sees it."),
))


@operation("POST", "/cases/<reference>/resolve", summary="Resolve a case", tag="cases", body=RESOLVE,
           responses=_CASE_ANSWERS, description="Schedules the callback to the customer.")
def case_resolve(reference, body):
    case = _visible_case(reference)
    _step(case, "resolve", lambda s, c, me, at: lifecycle.resolve(s, c, me, body["summary"], at))
    return _answer_case(case)


REOPEN = Body("CaseReopen", (
    Text("reason", required=True, max_length=500, description="Why the customer does not accept the outcome."),
    Boolean("by_customer", description="The customer asked for it themselves (false if not given)."),
))


@operation("POST", "/cases/<reference>/reopen", summary="Reopen a case the customer does not accept",
           tag="cases", body=REOPEN, responses={201: CASE_WITH_TIMELINE, 409: NOT_NOW},
           description="Opens a new case linked to this one (reopened_from_id) and answers with it; "
                       "the original stays as it was and still counts.")
def case_reopen(reference, body):
    case = _visible_case(reference)
    new = _step(case, "reopen", lambda s, c, me, at: lifecycle.reopen(
        s, c, me, body["reason"], at, by_customer=bool(body["by_customer"])))
    return _answer_case(new, 201)


@operation("POST", "/cases/<reference>/close", summary="Close a resolved case", tag="cases",
           responses=_CASE_ANSWERS)
def case_close(reference):
    case = _visible_case(reference)
    _step(case, "close", lambda s, c, me, at: lifecycle.close(s, c, me, at))
    return _answer_case(case)


# --- callbacks ------------------------------------------------------------------

CALLBACK = Shape(
    "Callback", "The call back to a customer after their case was resolved (RULES 4). "
                "customer_phone is masked unless the token's role is supervisor or higher.",
    id=Prop(INT), case_reference=Prop(STR, lambda cb: cb.case.reference),
    customer_name=Prop(STR_OR_NULL, lambda cb: cb.case.contact_name),
    customer_phone=Prop(STR_OR_NULL, lambda cb: shown_phone(cb.case.contact_phone)),
    due_start=time_prop("due_start"), due_end=time_prop("due_end"),
    status=Prop({"type": "string", "enum": list(CALLBACK_STATUSES)}),
    attempts=Prop(INT), assigned_unit_id=Prop(INT_OR_NULL), staff_id=Prop(INT_OR_NULL),
    outcome_at=time_prop("outcome_at", required=False), rating_id=Prop(INT_OR_NULL),
    comment=Prop(STR_OR_NULL),
)
CALLBACK_LIST = Shape(
    "CallbackList", "The callbacks to make, sorted by due time, for the token's unit and the units below it.",
    items=Prop({"type": "array", "items": CALLBACK.ref}, lambda rows: [CALLBACK.dump(cb) for cb in rows]),
)


@operation("GET", "/callbacks", summary="The callback list, sorted by due time", tag="callbacks",
           responses={200: CALLBACK_LIST})
def list_callbacks():
    return answer(CALLBACK_LIST, callbacks.callback_list(db_session(), api_staff(), now()))


OUTCOME = Body("CallbackOutcome", (
    Choice("outcome", required=True, choices=OUTCOMES),
    *(Choice(item, choices=CALLBACK_LEVELS, description=f"The customer's rating of the staff member's {item}.")
      for item in CALLBACK_ITEMS),
    Text("comment", max_length=1000),
    Boolean("reopen", description="The customer is not satisfied: open a new case linked to this one."),
    Text("reopen_reason", max_length=500, description="Needed with reopen."),
), f"What came of the call. When reached, give at least one of {', '.join(CALLBACK_ITEMS)}.")


@operation("POST", "/callbacks/<int:callback_id>/outcome", summary="Record the outcome of a callback",
           tag="callbacks", body=OUTCOME,
           responses={200: CALLBACK, 409: "The callback was recorded already, or its case may not be reopened."})
def record_callback_outcome(callback_id, body):
    session = db_session()
    callback = session.get(Callback, callback_id)
    staff = api_staff()
    if callback is None or not (in_scope(callback.assigned_unit_id) or in_scope(callback.case.unit_id)
                                or staff.id in (callback.case.owner_id, callback.case.first_responder_id)):
        raise not_found(NO_CALLBACK)
    answers = {item: body[item] for item in CALLBACK_ITEMS if body[item] is not None}
    if body["outcome"] == "reached" and not answers:
        raise ApiError(400, _("The customer was reached: give at least one of %(items)s.",
                              items=", ".join(CALLBACK_ITEMS)), "invalid_fields",
                       errors={"outcome": _l("reached needs at least one answer")})
    if body["reopen"] and not body["reopen_reason"]:
        raise ApiError(400, _("Say why the customer is not satisfied in reopen_reason."), "invalid_fields",
                       errors={"reopen_reason": _l("required with reopen")})
    if callback.status != "scheduled":
        raise ApiError(409, _("This callback was recorded already."), "callback_recorded")
    try:
        callback_outcome.record_outcome(session, callback, staff, outcome=body["outcome"], answers=answers or None,
                                 comment=body["comment"] or "", reopen=bool(body["reopen"]),
                                 reopen_reason=body["reopen_reason"] or "", now=now())
    except RoutingError as error:
        raise ApiError(error.status, error.message, error.code) from error
    session.flush()
    return jsonify(CALLBACK.dump(callback)), 200

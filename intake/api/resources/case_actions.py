"""Steps on a case for integrators (claim, transfer, reply, appointment,
weather, resolve, reopen, close) and the callback list with its outcomes.

Each step calls the same routing.lifecycle service as the handler pages. A
case outside the token's scope is as good as absent (404); a step the case's
state or the token's staff member does not allow is a 409 with a message.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field

from intake.api.operations import operation
from intake.api.problems import ApiError, not_found
from intake.api.resources.cases import CaseWithTimeline, visible_case
from intake.api.schemas import Answer, Body, Flag, Given, Read, StaffRef, Text, Timestamp, UnitRef, choice
from intake.api.scope import api_staff, find_staff, find_unit, in_scope
from routing.models import Callback as CallbackRecord
from routing.models import Case as CaseRecord
from routing.rules import access
from routing.rules.callback_rules import CALLBACK_ITEMS, CALLBACK_LEVELS
from routing.services import callback_outcome, callbacks, lifecycle
from routing.vocabulary import CALLBACK_OUTCOMES, CALLBACK_STATUSES
from routing.web.glue import db_session, now

NO_CALLBACK = _l("There is no such callback.")
STEP_ANSWERS = {
    409: "The step is not allowed in the case's state, or not for this token's staff member.",
    422: "The step cannot be taken with these values (for example an appointment in the past).",
}


def _step(case: CaseRecord, action: str, run) -> CaseRecord | None:
    """Run a lifecycle step the staff member may take now; refusals become problems."""
    staff = api_staff()
    if access.is_subject(staff, case):
        raise ApiError(403, lifecycle.subject_refusal(case), "complaint_about_you")
    if action not in access.allowed_actions(staff, case):
        raise ApiError(409, _("This step (%(step)s) is not allowed for case %(reference)s now: it is %(status)s, "
                              "or your account may not take this step.",
                              step=action, reference=case.reference, status=case.status), "step_not_allowed")
    return run(db_session(), case, staff, now())


def _stepped(case: CaseRecord, status: int = 200):
    db_session().flush()
    db_session().refresh(case)  # the timeline with the step just written
    return case, status


# --- case steps ---------------------------------------------------------------

@operation("POST", "/cases/<reference>/claim", summary="Claim a case from its unit's queue", tag="cases",
           responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="The first staff member to claim a case becomes its first responder, for good, and its owner.")
def case_claim(reference):
    case = visible_case(reference, own_too=True)
    _step(case, "claim", lambda s, c, me, at: lifecycle.claim(s, c, me, at))
    return _stepped(case)


class CaseTransfer(Body):
    to_staff: Annotated[StaffRef | None, Field(
        description="A colleague, by id or username. Give this or to_unit.")] = None
    to_unit: Annotated[UnitRef | None, Field(description="A unit's queue, by id or code. Give this or to_staff.")] = None
    reason: Annotated[Text(500), Field(description="Why; the first responder is told.")]

    rules = (Given(("to_staff", "to_unit"), _l("needed unless to_unit is given, and not allowed with it"),
                   exactly_one=True),)


@operation("POST", "/cases/<reference>/transfer", summary="Transfer a case to a colleague or a unit's queue",
           tag="cases", responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="The first responder stays accountable; only the owner changes.")
def case_transfer(reference, body: CaseTransfer):
    case = visible_case(reference, own_too=True)
    session = db_session()
    to_staff = find_staff(session, body.to_staff, "to_staff") if body.to_staff is not None else None
    to_unit = find_unit(session, body.to_unit, "to_unit") if body.to_unit is not None else None
    _step(case, "transfer", lambda s, c, me, at: lifecycle.transfer(
        s, c, me, to_staff=to_staff, to_unit=to_unit, reason=body.reason, now=at))
    return _stepped(case)


class CaseReply(Body):
    message: Annotated[Text(1000), Field(
        description="Sent to the customer by SMS or e-mail in their language, and shown on their tracking page.")]


@operation("POST", "/cases/<reference>/reply", summary="Reply to the customer", tag="cases",
           responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="The first reply meets the first-response time limit.")
def case_reply(reference, body: CaseReply):
    case = visible_case(reference, own_too=True)
    _step(case, "reply", lambda s, c, me, at: lifecycle.reply(s, c, me, body.message, at))
    return _stepped(case)


class CaseAppointment(Body):
    at: Annotated[Timestamp, Field(description="The time agreed with the customer, with its UTC offset.")]
    note: Text(300) | None = None


@operation("POST", "/cases/<reference>/appointment", summary="Record an appointment agreed with the customer",
           tag="cases", responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="The appointment replaces the arrival deadline and is itself a deadline.")
def case_appointment(reference, body: CaseAppointment):
    case = visible_case(reference, own_too=True)
    _step(case, "appointment", lambda s, c, me, at: lifecycle.set_appointment(
        s, c, me, body.at, at, note=body.note or ""))
    return _stepped(case)


class CaseWeather(Body):
    reason: Annotated[Text(300), Field(description="What weather prevents the work outdoors.")]


@operation("POST", "/cases/<reference>/weather", summary="Record that weather prevents outdoor work today",
           tag="cases", responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="004: the arrival and resolution deadlines that are not late yet move to the next day "
                       "(the next working day when counted in working days), the customer gets an apology by "
                       "SMS or e-mail in their language, and the timeline says why. Once a day per case.")
def case_weather(reference, body: CaseWeather):
    case = visible_case(reference, own_too=True)
    _step(case, "weather", lambda s, c, me, at: lifecycle.record_weather(s, c, me, body.reason, at))
    return _stepped(case)


class CaseResolve(Body):
    summary: Annotated[Text(2000), Field(description="What was done; the customer sees it.")]


@operation("POST", "/cases/<reference>/resolve", summary="Resolve a case", tag="cases",
           responses={200: CaseWithTimeline, **STEP_ANSWERS}, description="Schedules the callback to the customer.")
def case_resolve(reference, body: CaseResolve):
    case = visible_case(reference, own_too=True)
    _step(case, "resolve", lambda s, c, me, at: lifecycle.resolve(s, c, me, body.summary, at))
    return _stepped(case)


class CaseReopen(Body):
    reason: Annotated[Text(500), Field(description="Why the customer does not accept the outcome.")]
    by_customer: Annotated[Flag | None, Field(
        description="The customer asked for it themselves (false if not given).")] = None


@operation("POST", "/cases/<reference>/reopen", summary="Reopen a case the customer does not accept",
           tag="cases", responses={201: CaseWithTimeline, **STEP_ANSWERS},
           description="Opens a new case linked to this one (reopened_from_id) and answers with it; "
                       "the original stays as it was and still counts.")
def case_reopen(reference, body: CaseReopen):
    case = visible_case(reference, own_too=True)
    new = _step(case, "reopen", lambda s, c, me, at: lifecycle.reopen(
        s, c, me, body.reason, at, by_customer=bool(body.by_customer)))
    return _stepped(new, 201)


@operation("POST", "/cases/<reference>/close", summary="Close a resolved case", tag="cases",
           responses={200: CaseWithTimeline, **STEP_ANSWERS})
def case_close(reference):
    case = visible_case(reference, own_too=True)
    _step(case, "close", lambda s, c, me, at: lifecycle.close(s, c, me, at))
    return _stepped(case)


# --- callbacks ------------------------------------------------------------------

class Callback(Answer):
    """The call back to a customer after their case was resolved (RULES 4). customer_phone is masked
    unless the token's role is supervisor or higher."""

    id: int
    case_reference: Annotated[str, Read(lambda cb, reading: cb.case.reference)]
    customer_name: Annotated[str | None, Read(lambda cb, reading: cb.case.contact_name)]
    customer_phone: Annotated[str | None, Read(lambda cb, reading: reading.phone(cb.case.contact_phone))]
    due_start: datetime
    due_end: datetime
    status: choice(CALLBACK_STATUSES)
    attempts: int
    assigned_unit_id: int | None
    staff_id: int | None
    outcome_at: datetime | None
    rating_id: int | None
    comment: str | None


class CallbackList(Answer):
    """The callbacks to make, sorted by due time, for the token's unit and the units below it."""

    items: list[Callback]


@operation("GET", "/callbacks", summary="The callback list, sorted by due time", tag="callbacks",
           responses={200: CallbackList})
def list_callbacks():
    return {"items": callbacks.callback_list(db_session(), api_staff(), now())}


Level = choice(CALLBACK_LEVELS)
LEVEL = Field(description="The customer's rating of the staff member on this item.")


class CallbackOutcome(Body):
    """What came of the call. The case's owner, its first responder and the person the complaint is
    about may not record it (403 with the reason). When reached, give at least one of attitude, skill,
    arrival_time, keeping_promises."""

    outcome: choice(CALLBACK_OUTCOMES)
    attitude: Annotated[Level | None, LEVEL] = None
    skill: Annotated[Level | None, LEVEL] = None
    arrival_time: Annotated[Level | None, LEVEL] = None
    keeping_promises: Annotated[Level | None, LEVEL] = None
    comment: Text(1000) | None = None
    reopen: Annotated[Flag | None, Field(
        description="The customer is not satisfied: open a new case linked to this one.")] = None
    reopen_reason: Annotated[Text(500) | None, Field(description="Needed with reopen.")] = None
    call_again_at: Annotated[Timestamp | None, Field(
        description="No answer: when to call again (within 14 days); else the next callback window.")] = None

    rules = (
        Given(CALLBACK_ITEMS, _l("reached, which needs at least one of %(items)s", items=", ".join(CALLBACK_ITEMS)),
              when=("outcome", "reached"), about="outcome"),
        Given(("reopen_reason",), _l("required with reopen"), when=("reopen", True)),
    )


@operation("POST", "/callbacks/<int:callback_id>/outcome", summary="Record the outcome of a callback",
           tag="callbacks",
           responses={200: Callback, 403: "The token's staff member may not make this call (the reason is given).",
                      409: "The callback was recorded already, or its case may not be reopened."})
def record_callback_outcome(callback_id, body: CallbackOutcome):
    session = db_session()
    callback = _visible_callback(session, callback_id)
    staff = api_staff()
    if callback.status != "scheduled":
        raise ApiError(409, _("This callback was recorded already."), "callback_recorded")
    answers = {item: getattr(body, item) for item in CALLBACK_ITEMS if getattr(body, item) is not None}
    callback_outcome.record_outcome(session, callback, staff, outcome=body.outcome, answers=answers or None,
                                    comment=body.comment or "", reopen=bool(body.reopen),
                                    reopen_reason=body.reopen_reason or "", now=now(),
                                    call_again_at=body.call_again_at)
    session.flush()
    return callback


def _visible_callback(session, callback_id: int) -> CallbackRecord:
    """A callback by id; out of the token's scope is as good as absent."""
    callback = session.get(CallbackRecord, callback_id)
    staff = api_staff()
    if callback is None or not (in_scope(callback.assigned_unit_id) or in_scope(callback.case.unit_id)
                                or staff.id in (callback.case.owner_id, callback.case.first_responder_id)):
        raise not_found(NO_CALLBACK)
    return callback


class CallbackPhone(Answer):
    """The customer's full number, for the caller to dial."""

    callback_id: int
    customer_phone: str | None


@operation("POST", "/callbacks/<int:callback_id>/phone", summary="Show the customer's number to the caller",
           tag="callbacks", responses={200: CallbackPhone, 403: "The token's staff member may not make this call."},
           description="Each reveal is recorded on the case's timeline.")
def reveal_callback_phone(callback_id):
    session = db_session()
    callback = _visible_callback(session, callback_id)
    phone = callback_outcome.reveal_phone(session, callback, api_staff(), now())
    return {"callback_id": callback.id, "customer_phone": phone}

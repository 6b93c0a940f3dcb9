"""Cases: opened by integrators (a CRM, a hotline system), read and listed.
The steps on a case (claim, transfer, reply, ...) are in case_actions."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake.api.operations import operation
from intake.api.paging import Page, Paged, page
from intake.api.problems import ApiError, not_found, unusable_fields
from intake.api.schemas import (
    Amount,
    Answer,
    Body,
    Email,
    Flag,
    Locale,
    Phone,
    Read,
    Reading,
    StaffRef,
    Text,
    Timestamp,
    UnitFilter,
    UnitRef,
    choice,
)
from intake.api.scope import (
    api_staff,
    find_staff,
    find_unit,
    in_scope,
    require_scope,
    unit_filter,
    visible_unit_ids,
    within_scope,
)
from intake.services.complaints import CALLBACK_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from routing.errors import RoutingError
from routing.models import Case as CaseRecord
from routing.rules import access
from routing.rules.case_search import read_query, reference_of
from routing.rules.ladder import LEVELS
from routing.services.cases import NewCase as NewCaseRecord
from routing.services.cases import case_by_reference, open_or_join
from routing.services.deadlines import DEADLINE_STATES, deadline_outcome
from routing.services.escalation import escalations_of
from routing.services.lifecycle import subject_refusal
from routing.services.queues import in_sight, search_clause
from routing.vocabulary import (
    CALLBACK_SLOTS,
    CASE_CATEGORIES,
    CASE_KINDS,
    CASE_STATUSES,
    CHANNELS,
    DEADLINE_TARGETS,
    SEVERITIES,
    STAFF_CHANNELS,
)
from routing.web.glue import db_session, now

NO_CASE = _l("There is no such case.")


class CaseEvent(Answer):
    """One line of a case's append-only timeline; public lines are shown to the customer."""

    id: int
    at: datetime
    kind: str
    actor: choice(("customer", "staff", "system"))
    staff_id: int | None
    body: str
    public: bool


class Deadline(Answer):
    """One time limit of a case: when it is due, and how it went. state is met (on time), met_late,
    breached (past due and not met), paused (waiting for the customer) or pending; minutes_late says by
    how much a met_late or breached one was missed. calendar_confirmed is false while the due time rests
    on a year whose official holidays are not published yet: it is computed from weekends and the fixed
    public holidays and recomputed when the year is filled in."""

    target: choice(DEADLINE_TARGETS)
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    state: Annotated[choice(DEADLINE_STATES), Read(lambda d, reading: deadline_outcome(d, reading.now)[0])]
    minutes_late: Annotated[int, Read(lambda d, reading: deadline_outcome(d, reading.now)[1])]
    minutes_left: Annotated[int | None, Field(
        description="Whole minutes until due while pending; null once met, breached or paused."),
        Read(lambda d, reading: _minutes_left(d, reading))]
    breached_at: Annotated[datetime | None, Field(description="When the tick found the limit missed.")]
    escalation_level: Annotated[choice(LEVELS), Read(lambda d, reading: LEVELS[d.escalation_level])]
    calendar_confirmed: bool


def _minutes_left(deadline, reading: Reading) -> int | None:
    if deadline_outcome(deadline, reading.now)[0] != "pending":
        return None
    return int((deadline.due_at - reading.now).total_seconds() // 60)


def _level_reached(case) -> str | None:
    """The highest rung of the ladder the case was escalated to (by a
    breached deadline or at once, for a major complaint or a large claim)."""
    steps = escalations_of(db_session(), case)
    return LEVELS[max(step.level for step in steps)] if steps else None


def _amount(case) -> str | None:
    return None if case.amount_claimed is None else f"{case.amount_claimed:.2f}"


class Case(Answer):
    """A complaint, repair, consultation, suggestion or praise. contact_phone is masked unless the
    token's role is supervisor or higher."""

    id: int
    reference: str
    kind: choice(CASE_KINDS)
    category: choice(CASE_CATEGORIES)
    severity: choice(SEVERITIES)
    status: choice(CASE_STATUSES)
    channel: choice(CHANNELS)
    unit_id: int | None
    touchpoint_id: int | None
    contact_name: str | None
    contact_phone: Annotated[str | None, Read(lambda case, reading: reading.phone(case.contact_phone))]
    contact_email: str | None
    contact_address: str | None
    locale: str
    description: str
    preferred_callback: str | None
    callback_slot: choice(CALLBACK_SLOTS) | None
    consent: bool
    amount_claimed: Annotated[str | None, Field(description='A decimal, e.g. "120.50".'),
                              Read(lambda case, reading: _amount(case))]
    first_responder_id: int | None
    owner_id: int | None
    subject_staff_id: Annotated[int | None, Field(
        description="The staff member the complaint is about: never its owner or its callback caller.")]
    reopened_from_id: int | None
    same_customer_as: Annotated[str | None, Field(
        description="The reference of an open case of the same phone or e-mail that this contact, made on the "
                    "public form without proof of that phone, could not join: possibly the same customer."),
        Read(lambda case, reading: case.same_customer_as.reference if case.same_customer_as else None)]
    external_id: str | None
    created_at: datetime
    received_at: Annotated[datetime, Field(description="When the contact came in; the time limits count from it.")]
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class CaseWithTimeline(Case):
    """A case, its deadlines (earliest first) and its whole timeline (oldest first). contact_phone is
    masked unless the token's role is supervisor or higher."""

    deadlines: Annotated[list[Deadline], Read(lambda case, reading: sorted(case.deadlines,
                                                                          key=lambda d: (d.due_at, d.id)))]
    escalation_level: Annotated[choice(LEVELS) | None, Field(
        description="The highest level of the escalation ladder the case reached; null if never escalated."),
        Read(lambda case, reading: _level_reached(case))]
    events: list[CaseEvent]


class TakenCase(CaseWithTimeline):
    """The case a contact opened or joined (one-call service)."""

    joined: Annotated[bool, Field(description="true: the contact was added to the customer's open case of the "
                                              "same matter (same phone, else e-mail, and same kind); nothing "
                                              "was opened."),
                      Read(lambda case, reading: bool(getattr(case, "joined_by_this_request", False)))]


class NewCase(Body):
    """A contact to register. Channel api (the default): a system forwarding what a customer sent. Channels
    phone, walk_in, letter, email, opinion_book: a contact that a member of staff took, who becomes its first
    responder and owner for good (the token's staff member, or recorded_by). One-call service: a contact
    whose phone (else e-mail) has an open case of the same kind joins it, unless join_open_case is false."""

    description: Annotated[Text(DESCRIPTION_MAX_LENGTH), Field(description="What happened.")]
    kind: Annotated[choice(CASE_KINDS) | None, Field(description="complaint if not given.")] = None
    category: Annotated[choice(CASE_CATEGORIES) | None, Field(description="other if not given.")] = None
    severity: Annotated[choice(SEVERITIES) | None, Field(description="normal if not given.")] = None
    unit: Annotated[UnitRef | None, Field(description="The unit concerned, by id or code.")] = None
    contact_name: Text(NAME_MAX_LENGTH) | None = None
    contact_phone: Annotated[Phone | None, Field(
        description="Stored in E.164; national numbers are read in FEEDBACK_DEFAULT_REGION.")] = None
    contact_email: Email | None = None
    contact_address: Text(300) | None = None
    callback_slot: Annotated[choice(CALLBACK_SLOTS) | None, Field(
        description="When the customer wants the callback: sets its window.")] = None
    preferred_callback: Annotated[Text(CALLBACK_MAX_LENGTH) | None, Field(
        description="Anything else the customer said about when to call: a note for the caller.")] = None
    consent: Annotated[Flag | None, Field(
        description="The customer agreed that their details be used for this case.")] = None
    locale: Annotated[Locale | None, Field(
        description="The customer's language; the organisation's default if not given.")] = None
    amount_claimed: Annotated[Amount | None, Field(
        description='A decimal string such as "120.50", or a JSON number (rounded to cents).')] = None
    external_id: Annotated[Text(120) | None, Field(
        description="Your id of this case; a retry opens nothing twice.")] = None
    received_at: Annotated[Timestamp | None, Field(
        description="When the contact came in (a call taken, a letter opened), not later than now; the time "
                    "limits count from it. Now if not given.")] = None
    channel: Annotated[choice(("api", *STAFF_CHANNELS)) | None, Field(
        description="How the contact came in; api if not given.")] = None
    recorded_by: Annotated[StaffRef | None, Field(
        description="The operator who took the contact (id or username), when a hotline system posts for its "
                    "operators: they become its first responder. Needs a supervisor's token or higher, the "
                    "operator in its unit tree. Not given: the token's staff member, for the staff channels.")] = None
    about: Annotated[StaffRef | None, Field(
        description="The staff member the complaint is about (id or username): the case goes to the unit that "
                    "supervises them, and they never handle it or call the customer back.")] = None
    answered_at: Annotated[Timestamp | None, Field(
        description="Phone: when the call was answered (the answer-within-rings target is met then); the time "
                    "it came in if not given.")] = None
    join_open_case: Annotated[Flag | None, Field(
        description="false: open a new case even when the customer has an open case of the same matter. "
                    "true if not given.")] = None


class CaseFilter(Paged):
    status: choice(CASE_STATUSES) | None = None
    unit: UnitFilter = None
    since: Annotated[Timestamp | None, Field(description="Opened at or after this time.")] = None
    phone: Annotated[Phone | None, Field(
        description="The customer's phone number in any usual form (+86 138 1234 5678, 13812345678).")] = None
    q: Annotated[Text(100) | None, Field(
        description="A reference (with or without C-), a phone number, or words found in the customer's name "
                    "or the description.")] = None


@operation("POST", "/cases", summary="Register a contact: open a case, or join the customer's open one",
           tag="cases", responses={201: TakenCase, 200: TakenCase,
                                   403: "recorded_by names someone this token may not record for.",
                                   409: "This external_id belongs to a case this token may not see."},
           description="201 when a case was opened; 200 when the contact joined the customer's open case of the "
                       "same matter (joined is true), or with the first case when this external_id was used "
                       "before. An open case outside the token's units is not joined: the new case names it in "
                       "same_customer_as.")
def create_case(body: NewCase):
    session = db_session()
    unit = find_unit(session, body.unit) if body.unit is not None else None
    if unit is not None:
        require_scope(unit)
    if body.external_id is not None:
        first = _case_by_external_id(body.external_id)
        if first is not None:
            return _retried(first)
    channel = body.channel or "api"
    operator = _operator(session, body, channel)
    if unit is None and operator is not None and operator.unit_id is not None:
        unit_id = operator.unit_id  # a call is its operator's unit's until handed over
    else:
        unit_id = unit.id if unit else None
    subject = find_staff(session, body.about, "about") if body.about is not None else None
    new = NewCaseRecord(
        subject_staff_id=subject.id if subject else None, channel=channel, description=body.description, kind=body.kind or "complaint",
        category=body.category or "other", severity=body.severity or "normal",
        unit_id=unit_id, contact_name=body.contact_name, contact_phone=body.contact_phone,
        contact_email=body.contact_email, contact_address=body.contact_address,
        preferred_callback=body.preferred_callback, callback_slot=body.callback_slot, consent=bool(body.consent),
        locale=body.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        amount_claimed=body.amount_claimed, external_id=body.external_id, received_at=body.received_at,
    )
    try:
        with session.begin_nested():
            taken = open_or_join(session, new, now(), operator, join=body.join_open_case is not False,
                                 proven=lambda case: in_scope(case.unit_id), answered_at=body.answered_at)
    except RoutingError as error:
        if error.code == "received_in_future":  # a minute of clock drift is read as now (routing.cases)
            raise unusable_fields({"received_at": _l("later than now")}) from error
        raise
    except IntegrityError:  # a concurrent retry opened it first
        first = _case_by_external_id(body.external_id) if body.external_id else None
        if first is None:
            raise
        return _retried(first)
    taken.case.joined_by_this_request = taken.joined
    return taken.case, 200 if taken.joined else 201


def _operator(session, body: NewCase, channel: str):
    """Who took the contact and is its first responder: recorded_by, else the
    token's staff member on a staff channel; nobody for channel api."""
    poster = api_staff()
    if body.recorded_by is not None:
        operator = find_staff(session, body.recorded_by, "recorded_by")
        tree = visible_unit_ids()
        if not access.may_record_for(poster, operator, tree):
            raise ApiError(403, _l("This token may not record contacts for this staff member."),
                           "not_allowed", errors={"recorded_by": _l("not someone this token records for")})
        return operator
    if channel == "api":
        return None
    if not access.may_record_intake(poster):
        raise ApiError(403, _l("This token's staff member handles no cases: name the operator in recorded_by."),
                       "not_allowed", errors={"recorded_by": _l("required for this token")})
    return poster


def _case_by_external_id(external_id: str) -> CaseRecord | None:
    return db_session().scalars(select(CaseRecord).where(CaseRecord.external_id == external_id)).first()


def _retried(case: CaseRecord):
    if not in_scope(case.unit_id):
        raise ApiError(409, _l("This external_id is already used by another case."), "external_id_taken",
                       errors={"external_id": _l("already used by another case")})
    return case, 200


def visible_case(reference: str, *, own_too: bool = False) -> CaseRecord:
    """A case by its reference; one outside the token's scope is absent,
    except (own_too) for its owner and first responder, who stay accountable
    after a transfer out."""
    readable = len(reference) <= 40 and reference.isprintable()
    # "2026-000123" means C-2026-000123, as on the handlers' search.
    case = case_by_reference(db_session(), reference_of(reference) or reference) if readable else None
    mine = own_too and case is not None and api_staff().id in (case.owner_id, case.first_responder_id)
    if case is None or not (in_scope(case.unit_id) or mine):
        raise not_found(NO_CASE)
    if access.is_subject(api_staff(), case) and not current_app.config["SUBJECT_SEES_COMPLAINT"]:
        raise ApiError(403, subject_refusal(case), "complaint_about_you")
    return case


@operation("GET", "/cases/<reference>", summary="One case and its timeline, by reference (C-2026-000123)",
           tag="cases", responses={200: CaseWithTimeline})
def get_case(reference):
    return visible_case(reference)


@operation("GET", "/cases", summary="List cases", tag="cases", responses={200: Page[Case]})
def list_cases(query: CaseFilter):
    session = db_session()
    stmt = within_scope(select(CaseRecord), CaseRecord.unit_id)
    if not current_app.config["SUBJECT_SEES_COMPLAINT"]:  # complaints about the token's staff member are not theirs
        stmt = stmt.where(*in_sight(session, api_staff())[:1])
    stmt = stmt.where(*unit_filter(session, query.unit, CaseRecord.unit_id))
    if query.status is not None:
        stmt = stmt.where(CaseRecord.status == query.status)
    if query.since is not None:
        stmt = stmt.where(CaseRecord.created_at >= query.since)
    if query.phone is not None:  # normalised to E.164 by its type, compared as stored
        stmt = stmt.where(CaseRecord.contact_phone == query.phone)
    if query.q is not None:
        stmt = stmt.where(search_clause(read_query(query.q, current_app.config["DEFAULT_REGION"])))
    return page(stmt, CaseRecord.id, query)

"""Cases: opened by integrators (a CRM, a hotline system), read and listed.
The actions on a case (claim, transfer, reply, ...) slot in here as
/cases/<reference>/<action>."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake.api.base import (
    BOOL,
    INT,
    INT_OR_NULL,
    STR,
    STR_OR_NULL,
    ApiError,
    Page,
    Prop,
    Shape,
    answer,
    find_unit,
    in_scope,
    invalid_fields,
    not_found,
    operation,
    page,
    require_scope,
    shown_phone,
    time_prop,
    unit_filter,
    within_scope,
)
from intake.api.fields import Amount, Body, Boolean, Choice, Email, Locale, Phone, Reference, Text, Timestamp
from intake.services.complaints import CALLBACK_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from routing.errors import RoutingError
from routing.models import Case
from routing.rules.ladder import LEVELS
from routing.services.cases import NewCase, case_by_reference, open_case
from routing.services.deadlines import DEADLINE_STATES, deadline_outcome
from routing.vocabulary import CASE_CATEGORIES, CASE_KINDS, CASE_STATUSES, CHANNELS, DEADLINE_TARGETS, SEVERITIES
from routing.web.glue import db_session, now

CASE_EVENT = Shape(
    "CaseEvent", "One line of a case's append-only timeline; public lines are shown to the customer.",
    id=Prop(INT), at=time_prop("at"), kind=Prop(STR),
    actor=Prop({"type": "string", "enum": ["customer", "staff", "system"]}),
    staff_id=Prop(INT_OR_NULL), body=Prop(STR), public=Prop(BOOL),
)

DEADLINE = Shape(
    "Deadline", "One time limit of a case: when it is due, and how it went. state is met (on time), met_late, "
                "breached (past due and not met), paused (waiting for the customer) or pending; minutes_late "
                "says by how much a met_late or breached one was missed. calendar_confirmed is false while the "
                "due time rests on a year whose official holidays are not published yet: it is computed from "
                "weekends and the fixed public holidays and recomputed when the year is filled in.",
    target=Prop({"type": "string", "enum": list(DEADLINE_TARGETS)}),
    started_at=time_prop("started_at"), due_at=time_prop("due_at"), met_at=time_prop("met_at", required=False),
    state=Prop({"type": "string", "enum": list(DEADLINE_STATES)}, lambda d: deadline_outcome(d, now())[0]),
    minutes_late=Prop(INT, lambda d: deadline_outcome(d, now())[1]),
    escalation_level=Prop({"type": "string", "enum": list(LEVELS)}, lambda d: LEVELS[d.escalation_level]),
    calendar_confirmed=Prop(BOOL),
)

_CASE_PROPS = dict(
    id=Prop(INT), reference=Prop(STR),
    kind=Prop({"type": "string", "enum": list(CASE_KINDS)}),
    category=Prop({"type": "string", "enum": list(CASE_CATEGORIES)}),
    severity=Prop({"type": "string", "enum": list(SEVERITIES)}),
    status=Prop({"type": "string", "enum": list(CASE_STATUSES)}),
    channel=Prop({"type": "string", "enum": list(CHANNELS)}),
    unit_id=Prop(INT_OR_NULL), touchpoint_id=Prop(INT_OR_NULL),
    contact_name=Prop(STR_OR_NULL),
    contact_phone=Prop(STR_OR_NULL, lambda case: shown_phone(case.contact_phone)),
    contact_email=Prop(STR_OR_NULL), contact_address=Prop(STR_OR_NULL),
    locale=Prop(STR), description=Prop(STR), preferred_callback=Prop(STR_OR_NULL), consent=Prop(BOOL),
    amount_claimed=Prop({"type": ["string", "null"], "description": "A decimal, e.g. \"120.50\"."},
                        lambda case: None if case.amount_claimed is None else f"{case.amount_claimed:.2f}"),
    first_responder_id=Prop(INT_OR_NULL), owner_id=Prop(INT_OR_NULL), reopened_from_id=Prop(INT_OR_NULL),
    external_id=Prop(STR_OR_NULL),
    created_at=time_prop("created_at"), received_at=time_prop("received_at"), updated_at=time_prop("updated_at"),
    resolved_at=time_prop("resolved_at", required=False), closed_at=time_prop("closed_at", required=False),
)
_MASKED = "contact_phone is masked unless the token's role is supervisor or higher."
CASE = Shape("Case", "A complaint, repair, consultation, suggestion or praise. " + _MASKED, **_CASE_PROPS)
CASE_WITH_TIMELINE = Shape(
    "CaseWithTimeline", "A case, its deadlines (earliest first) and its whole timeline (oldest first). " + _MASKED,
    **_CASE_PROPS,
    deadlines=Prop({"type": "array", "items": DEADLINE.ref},
                   lambda case: [DEADLINE.dump(d) for d in sorted(case.deadlines, key=lambda d: (d.due_at, d.id))]),
    events=Prop({"type": "array", "items": CASE_EVENT.ref},
                lambda case: [CASE_EVENT.dump(event) for event in case.events]),
)

NEW_CASE = Body("NewCase", (
    Text("description", required=True, max_length=DESCRIPTION_MAX_LENGTH, description="What happened."),
    Choice("kind", choices=CASE_KINDS, description="complaint if not given."),
    Choice("category", choices=CASE_CATEGORIES, description="other if not given."),
    Choice("severity", choices=SEVERITIES, description="normal if not given."),
    Reference("unit", description="The unit concerned, by id or code."),
    Text("contact_name", max_length=NAME_MAX_LENGTH),
    Phone("contact_phone", description="Stored in E.164; national numbers are read in FEEDBACK_DEFAULT_REGION."),
    Email("contact_email"),
    Text("contact_address", max_length=300),
    Text("preferred_callback", max_length=CALLBACK_MAX_LENGTH, description="When the customer wants a call."),
    Boolean("consent", description="The customer agreed that their details be used for this case."),
    Locale("locale", description="The customer's language; the organisation's default if not given."),
    Amount("amount_claimed"),
    Text("external_id", max_length=120, description="Your id of this case; a retry opens nothing twice."),
    Timestamp("received_at", description="When the contact came in (a call taken, a letter opened), not later "
                                         "than now; the time limits count from it. Now if not given."),
), "A case to register (channel api).")

NO_CASE = _l("There is no such case.")


@operation("POST", "/cases", summary="Open a case (channel api)", tag="cases", body=NEW_CASE,
           responses={201: CASE_WITH_TIMELINE, 200: CASE_WITH_TIMELINE,
                      409: "This external_id belongs to a case this token may not see."},
           description="201 when opened; 200 with the first case when this external_id was used before.")
def create_case(body):
    session = db_session()
    unit = find_unit(session, body["unit"]) if body["unit"] is not None else None
    if unit is not None:
        require_scope(unit)
    if body["external_id"] is not None:
        first = _case_by_external_id(body["external_id"])
        if first is not None:
            return _retried(first)
    new = NewCase(
        channel="api", description=body["description"], kind=body["kind"] or "complaint",
        category=body["category"] or "other", severity=body["severity"] or "normal",
        unit_id=unit.id if unit else None, contact_name=body["contact_name"],
        contact_phone=body["contact_phone"], contact_email=body["contact_email"],
        contact_address=body["contact_address"], preferred_callback=body["preferred_callback"],
        consent=bool(body["consent"]), locale=body["locale"] or _default_locale(),
        amount_claimed=body["amount_claimed"], external_id=body["external_id"], received_at=body["received_at"],
    )
    try:
        with session.begin_nested():
            case = open_case(session, new, now())
    except RoutingError as error:
        if error.code == "received_in_future":
            raise invalid_fields({"received_at": _l("later than now")}) from error
        raise ApiError(error.status, error.message, error.code) from error
    except IntegrityError:  # a concurrent retry opened it first
        first = _case_by_external_id(body["external_id"]) if body["external_id"] else None
        if first is None:
            raise
        return _retried(first)
    return answer(CASE_WITH_TIMELINE, case, 201)


def _default_locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _case_by_external_id(external_id: str) -> Case | None:
    return db_session().scalars(select(Case).where(Case.external_id == external_id)).first()


def _retried(case: Case):
    if not in_scope(case.unit_id):
        raise ApiError(409, _l("This external_id is already used by another case."), "external_id_taken",
                       errors={"external_id": _l("already used by another case")})
    return answer(CASE_WITH_TIMELINE, case, 200)


@operation("GET", "/cases/<reference>", summary="One case and its timeline, by reference (C-2026-000123)",
           tag="cases", responses={200: CASE_WITH_TIMELINE})
def get_case(reference):
    case = case_by_reference(db_session(), reference) if len(reference) <= 40 and reference.isprintable() else None
    if case is None or not in_scope(case.unit_id):
        raise not_found(NO_CASE)
    return answer(CASE_WITH_TIMELINE, case)


@operation("GET", "/cases", summary="List cases", tag="cases",
           query=(Choice("status", choices=CASE_STATUSES),
                  Text("unit", max_length=40, description="A unit's code: that unit and the units below it."),
                  Timestamp("since", description="Opened at or after this time.")),
           responses={200: Page(CASE)})
def list_cases(query):
    session = db_session()
    stmt = within_scope(select(Case), Case.unit_id).where(*unit_filter(session, query["unit"], Case.unit_id))
    if query["status"] is not None:
        stmt = stmt.where(Case.status == query["status"])
    if query["since"] is not None:
        stmt = stmt.where(Case.created_at >= query["since"])
    return page(stmt, Case.id, query, CASE)

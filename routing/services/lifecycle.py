"""A case's life: claimed, worked, waiting, resolved, closed, reopened.

First-responder responsibility (首问负责制): the first responder is set once
(who recorded the case, or who first claimed it) and never changes; the owner
changes only by a transfer with a reason. Every step is a timeline event, and
each one that changes a deadline's inputs recomputes the deadlines before the
transaction ends.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from routing.errors import Conflict, Forbidden, RoutingError
from routing.labels import FACT_LABELS, STATUS_LABELS
from routing.models import Callback, Case, CasePause, Staff, Unit, WeatherDelay, mark_days
from routing.rules import access
from routing.rules.calendar import as_utc
from routing.rules.timelimits import OUTDOOR_TARGETS
from routing.services.callbacks import schedule_callback
from routing.services.cases import NewCase, open_case
from routing.services.customer_messages import message_customer
from routing.services.deadlines import apply_policy, case_calendar, meet, weather_delays
from routing.services.escalation import escalate_immediately
from routing.services.notify import notify_each
from routing.services.org import subtree_ids
from routing.services.queue_rules import route_away_from_subject
from routing.services.timeline import add_event
from routing.vocabulary import CASE_CATEGORIES, CASE_KINDS, SEVERITIES

# Targets a step meets: resolving implies the earlier targets were met by then.
RESOLVE_MEETS = ("acknowledge", "first_response", "arrival", "resolution")


def _require(staff: Staff, case: Case, action: str) -> None:
    if access.is_subject(staff, case):
        raise Forbidden("subject", subject_refusal(case))
    if not access.STEP_POSSIBLE[action](case):
        raise Conflict("invalid_status", gettext("This step is not possible while case %(reference)s is %(status)s.",
                                                 reference=case.reference,
                                                 status=STATUS_LABELS.get(case.status, case.status)))
    if action not in access.allowed_actions(staff, case):
        raise Forbidden("not_allowed", gettext("You may not take this step on case %(reference)s.",
                                               reference=case.reference))


def subject_refusal(case: Case) -> str:
    """What the person a complaint is about is told when they try to act on it."""
    return gettext("Case %(reference)s is a complaint about you: your supervisors handle it, and you may not "
                   "claim it, be given it, work on it or call the customer back.", reference=case.reference)


def _text(value: str, code: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RoutingError(code, message)
    return value


# --- the steps ---------------------------------------------------------------

def claim(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    """Take a case from the unit queue. The first claimer becomes its first
    responder for good. A conditional update: of two handlers claiming at
    once, one wins and the other is told."""
    _require(staff, case, "claim")
    claimed = session.execute(
        update(Case).where(Case.id == case.id, Case.owner_id.is_(None), Case.status == "new")
        .values(owner_id=staff.id, status="claimed", updated_at=now,
                first_responder_id=func.coalesce(Case.first_responder_id, staff.id))
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(case)
    mark_days(session, [case.created_at])  # a new owner: the staff's numbers of the day it came in
    if claimed != 1:
        raise Conflict("already_claimed", gettext("Case %(reference)s was claimed by someone else a moment ago.",
                                                  reference=case.reference))
    add_event(session, case, now, "claimed", actor="staff", staff=staff, public=True)
    meet(session, case, {"acknowledge"}, now)


def start_work(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    _require(staff, case, "start")
    case.status = "in_progress"
    add_event(session, case, now, "started", actor="staff", staff=staff, public=True)
    meet(session, case, {"acknowledge"}, now)


def transfer(session: Session, case: Case, by: Staff, *, to_staff: Staff | None = None,
             to_unit: Unit | None = None, reason: str, now: datetime) -> None:
    """Hand the case to a colleague or to a unit's queue, with a reason. The
    first responder stays accountable and is told."""
    _require(by, case, "transfer")
    reason = _text(reason, "reason_required", gettext("Say why the case is transferred."))
    if (to_staff is None) == (to_unit is None):
        raise RoutingError("transfer_target", gettext("Choose either a colleague or a unit."))
    previous_owner_id = case.owner_id
    if to_staff is not None:
        _check_colleague(session, case, to_staff)
        case.owner_id = to_staff.id
        if case.first_responder_id is None:
            case.first_responder_id = to_staff.id  # the first to receive it
        if case.status != "waiting":
            case.status = "claimed"
    else:
        if not to_unit.active:
            raise RoutingError("inactive_unit", gettext("%(unit)s is not active.", unit=to_unit.name))
        if to_unit.id == case.unit_id and case.owner_id is None:
            raise Conflict("same_queue", gettext("The case is already in the queue of %(unit)s.", unit=to_unit.name))
        case.owner_id, case.unit_id, case.status = None, to_unit.id, "new"
        # A waiting case put back in a queue waits no more.
        _end_pause(session, case, now)
    session.flush()
    session.expire(case, ["owner", "unit", "first_responder"])
    add_event(session, case, now, "transferred", actor="staff", staff=by, body=reason,
              data={"from_staff_id": previous_owner_id, "to_staff_id": to_staff.id if to_staff else None,
                    "to_unit_id": to_unit.id if to_unit else None})
    apply_policy(session, case, now)  # a new unit may mean a new area and policy
    if to_unit is not None:  # the customer learns who handles their case now (not a change of colleague)
        message_customer(session, case, now, "transferred", "transferred", {"unit": to_unit.name})
    if to_staff is not None:
        notify_each(session, [to_staff], "assigned", now, case=case, data={"reason": reason}, skip=by)
    notify_each(session, [case.first_responder], "transferred", now, case=case, data={"reason": reason},
                skip=(by, to_staff))


def _check_colleague(session: Session, case: Case, staff: Staff) -> None:
    if access.is_subject(staff, case):
        raise Forbidden("subject", gettext("Case %(reference)s is a complaint about %(name)s: it cannot be given "
                                           "to them.", reference=case.reference, name=staff.display_name))
    wider = (case.unit.parent or case.unit) if case.unit is not None else None
    if not access.may_take_over(staff, case, subtree_ids(session, wider.id) if wider else None):
        raise Forbidden("not_eligible", gettext("%(name)s cannot take over case %(reference)s.",
                                                name=staff.display_name, reference=case.reference))


def reply(session: Session, case: Case, staff: Staff, body: str, now: datetime) -> None:
    """Answer the customer: a public timeline entry and a message in their language."""
    _require(staff, case, "reply")
    body = _text(body, "empty_reply", gettext("Write the reply first."))
    add_event(session, case, now, "reply", actor="staff", staff=staff, body=body, public=True)
    message_customer(session, case, now, "reply", "reply", {"message": body})
    if case.status == "claimed":
        case.status = "in_progress"
    meet(session, case, {"acknowledge", "first_response"}, now)


def add_note(session: Session, case: Case, staff: Staff, body: str, now: datetime) -> None:
    _require(staff, case, "note")
    body = _text(body, "empty_note", gettext("Write the note first."))
    add_event(session, case, now, "note", actor="staff", staff=staff, body=body)


def wait_for_customer(session: Session, case: Case, staff: Staff, reason: str, now: datetime) -> None:
    """Waiting for the customer pauses the targets whose limit says so."""
    _require(staff, case, "wait")
    reason = _text(reason, "reason_required", gettext("Say what the case is waiting for."))
    case.status = "waiting"
    session.add(CasePause(case_id=case.id, started_at=now, reason=reason))
    add_event(session, case, now, "waiting", actor="staff", staff=staff, body=reason, public=True)
    apply_policy(session, case, now)


def resume(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    _require(staff, case, "resume")
    case.status = "in_progress"
    _end_pause(session, case, now)
    add_event(session, case, now, "resumed", actor="staff", staff=staff, public=True)
    apply_policy(session, case, now)


def _end_pause(session: Session, case: Case, now: datetime) -> None:
    session.execute(update(CasePause).where(CasePause.case_id == case.id, CasePause.ended_at.is_(None))
                    .values(ended_at=now).execution_options(synchronize_session=False))


def set_appointment(session: Session, case: Case, staff: Staff, at: datetime, now: datetime,
                    note: str = "") -> None:
    """A time agreed with the customer: it replaces the arrival deadline (004)."""
    _require(staff, case, "appointment")
    if at.tzinfo is None:
        raise RoutingError("naive_time", gettext("The appointment needs a time zone."))
    if at <= now:
        raise RoutingError("appointment_past", gettext("The appointment must be in the future."))
    case.appointment_at = at
    add_event(session, case, now, "appointment", actor="staff", staff=staff, body=(note or "").strip(),
              public=True, data={"at": at.isoformat()})
    apply_policy(session, case, now)
    local = as_utc(at).astimezone(case_calendar(session, case).zone)
    message_customer(session, case, now, "appointment", "appointment", {"time": f"{local:%Y-%m-%d %H:%M}"})


def record_arrival(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    _require(staff, case, "arrival")
    add_event(session, case, now, "arrival", actor="staff", staff=staff, public=True)
    meet(session, case, {"acknowledge", "arrival"}, now)


def record_weather(session: Session, case: Case, staff: Staff, reason: str, now: datetime) -> WeatherDelay:
    """Weather prevents outdoor work today (004): the outdoor deadlines move
    to the next day, the customer gets an apology, the timeline says why.
    Once a day (in the time zone of the case's calendar)."""
    _require(staff, case, "weather")
    reason = _text(reason, "reason_required", gettext("Say what weather prevents the work."))
    zone = case_calendar(session, case).zone
    today = as_utc(now).astimezone(zone).date()
    if any(at.astimezone(zone).date() == today for at in weather_delays(session, case)):
        raise Conflict("weather_recorded", gettext("Weather was already recorded for case %(reference)s today.",
                                                   reference=case.reference))
    delay = WeatherDelay(case_id=case.id, at=now, staff_id=staff.id, reason=reason)
    session.add(delay)
    session.flush()
    before = {d.target: d.due_at for d in case.deadlines if d.target in OUTDOOR_TARGETS and d.met_at is None}
    apply_policy(session, case, now)
    moved = {d.target: d.due_at.isoformat() for d in case.deadlines
             if d.target in before and d.due_at != before[d.target]}
    add_event(session, case, now, "weather", actor="staff", staff=staff, body=reason, public=True,
              data={"moved": moved})
    message_customer(session, case, now, "apology", "weather_delay")
    return delay


def resolve(session: Session, case: Case, staff: Staff, summary: str, now: datetime, *,
            callback_at: datetime | None = None) -> Callback:
    """The case is resolved: the customer is told and a callback is scheduled
    (by policy, or at `callback_at`, the time the customer asked for)."""
    _require(staff, case, "resolve")
    summary = _text(summary, "summary_required", gettext("Say what was done."))
    if case.status == "waiting":
        _end_pause(session, case, now)
    case.status, case.resolved_at = "resolved", now
    add_event(session, case, now, "resolved", actor="staff", staff=staff, body=summary, public=True)
    message_customer(session, case, now, "resolution", "resolved", {"summary": summary})
    meet(session, case, RESOLVE_MEETS, now)
    apply_policy(session, case, now)
    notify_each(session, [case.first_responder], "resolved", now, case=case, skip=staff)
    return schedule_callback(session, case, now, requested_at=callback_at)


def close(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    _require(staff, case, "close")
    _close(session, case, now, staff)
    notify_each(session, [case.first_responder], "closed", now, case=case, skip=staff)


def _close(session: Session, case: Case, now: datetime, staff: Staff | None, data: dict | None = None) -> None:
    case.status, case.closed_at = "closed", now
    add_event(session, case, now, "closed", actor="staff" if staff else "system", staff=staff, public=True,
              data=data)
    meet(session, case, {d.target for d in case.deadlines}, now)
    apply_policy(session, case, now)


def reopen(session: Session, case: Case, by: Staff | None, reason: str, now: datetime, *,
           by_customer: bool = False) -> Case:
    """The customer rejects the outcome (RULES 4): a new case linked to this
    one, with the same unit, owner and first responder. The original is
    closed with a pointer to it and stays countable."""
    if by is not None:
        _require(by, case, "reopen")
    elif not access.STEP_POSSIBLE["reopen"](case):
        raise Conflict("invalid_status", gettext("Only a resolved or closed case can be reopened."))
    reason = _text(reason, "reason_required", gettext("Say why the customer is not satisfied."))
    follow_up = session.scalars(select(Case.reference).where(Case.reopened_from_id == case.id)).first()
    if follow_up:
        raise Conflict("already_reopened", gettext("Case %(reference)s was already reopened as %(new)s.",
                                                   reference=case.reference, new=follow_up))
    new = open_case(session, NewCase(
        channel=case.channel, description=reason, kind=case.kind, category=case.category,
        severity=case.severity, unit_id=case.unit_id, touchpoint_id=case.touchpoint_id,
        contact_name=case.contact_name, contact_phone=case.contact_phone, contact_email=case.contact_email,
        contact_address=case.contact_address, preferred_callback=case.preferred_callback,
        callback_slot=case.callback_slot,
        consent=case.consent, locale=case.locale, amount_claimed=case.amount_claimed,
        subject_staff_id=case.subject_staff_id,
    ), now, reopened_from=case)
    add_event(session, case, now, "reopened", actor="customer" if by_customer or by is None else "staff",
              staff=by, body=reason, public=True, data={"reference": new.reference})
    if case.status != "closed":
        _close(session, case, now, by, data={"reopened_as": new.reference})
    notify_each(session, [case.owner, case.first_responder], "reopened", now, case=case,
                data={"new_reference": new.reference}, skip=by)
    return new


def close_for_customer(session: Session, case: Case, now: datetime) -> None:
    """The customer said on their tracking page that they are satisfied, and
    the organisation closes on that (SATISFIED_CLOSES); the callback stays
    scheduled: the loop is closed by a call all the same (RULES 4)."""
    if case.status != "resolved":
        raise Conflict("invalid_status", gettext("Only a resolved case can be closed."))
    _close(session, case, now, None, data={"customer_satisfied": True})
    notify_each(session, [case.owner, case.first_responder], "closed", now, case=case)


# --- the facts of a case ---------------------------------------------------------

FACTS = ("kind", "category", "severity", "unit_id", "amount_claimed")
AMOUNT_MAX = Decimal("9999999999.99")  # Case.amount_claimed: Numeric(12, 2)
_UNSET = object()


def change_facts(session: Session, case: Case, by: Staff, *, reason: str, now: datetime, kind: str | None = None,
                 category: str | None = None, severity: str | None = None, unit: Unit | None = None,
                 amount_claimed: Decimal | None | object = _UNSET) -> dict[str, list]:
    """A handler corrects what the case is: its kind, category, severity,
    unit or amount claimed (None clears the amount), with a reason on the
    timeline. In the same transaction the policy is matched again and every
    deadline recomputed, so the tick never alerts on the old ones, and a
    complaint that became major or claims an amount is escalated at once
    (RULES 3). Returns the changes, field -> [before, after]."""
    _require(by, case, "facts")
    reason = _text(reason, "reason_required", gettext("Say why the facts of the case change."))
    for value, allowed in ((kind, CASE_KINDS), (category, CASE_CATEGORIES), (severity, SEVERITIES)):
        if value is not None and value not in allowed:
            raise RoutingError("invalid_choice", gettext("Choose one of the options offered."))
    if unit is not None and not unit.active:
        raise RoutingError("inactive_unit", gettext("%(unit)s is not active.", unit=unit.name))
    if amount_claimed is not _UNSET and amount_claimed is not None:
        amount_claimed = Decimal(amount_claimed).quantize(Decimal("0.01"))
        if not Decimal(0) <= amount_claimed <= AMOUNT_MAX:
            raise RoutingError("invalid_amount", gettext("The amount claimed must be between 0 and %(max)s.",
                                                         max=f"{AMOUNT_MAX:,}"))
    wanted = {"kind": kind, "category": category, "severity": severity, "unit_id": unit.id if unit else None}
    wanted = {field: value for field, value in wanted.items() if value is not None}
    if amount_claimed is not _UNSET:
        wanted["amount_claimed"] = amount_claimed
    changes = {field: [getattr(case, field), value] for field, value in wanted.items()
               if getattr(case, field) != value}
    if not changes:
        raise Conflict("no_change", gettext("Nothing changed: case %(reference)s already has these facts.",
                                            reference=case.reference))
    policy_before = case.policy_name
    for field, (_before, after) in changes.items():
        setattr(case, field, after)
    session.flush()
    session.expire(case, ["unit"])
    route_away_from_subject(session, case, now)  # a complaint put at a counter goes to its outlet
    apply_policy(session, case, now)
    recorded = {field: [_plain(before), _plain(after)] for field, (before, after) in changes.items()}
    if case.unit_id != wanted.get("unit_id", case.unit_id):
        recorded["unit_id"][1] = case.unit_id
    data = {"changes": recorded}
    if case.policy_name != policy_before:
        data["policy"] = [policy_before, case.policy_name]
    add_event(session, case, now, "facts_changed", actor="staff", staff=by, body=reason, data=data)
    escalate_immediately(session, case, now)
    return recorded


def _plain(value):
    """A value as the timeline's JSON keeps it."""
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def describe_changes(changes: dict[str, list], unit_names: dict[int, str]) -> str:
    """"Category: Billing -> Attitude; Amount claimed: none -> 1,000.00", in the reader's language."""
    def shown(field: str, value) -> str:
        if value is None:
            return gettext("none")
        if field == "unit_id":
            return unit_names.get(value, str(value))
        if field == "amount_claimed":
            return f"{Decimal(value):,.2f}"
        return str(FACT_LABELS[field][1].get(value, value))

    return "; ".join(gettext("%(fact)s: %(before)s → %(after)s", fact=FACT_LABELS[field][0],
                             before=shown(field, before), after=shown(field, after))
                     for field, (before, after) in changes.items() if field in FACT_LABELS)

"""Callbacks (回访, RULES 4): scheduled when a case is resolved, made from a
list sorted by due time, reminded at the start of their window and missed
when not made in it. Their outcome is routing.services.callback_outcome's.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from routing.models import Callback, Case, Staff, Unit
from routing.rules import access
from routing.rules.callback_rules import callback_window, slot_window
from routing.services.alerts import nearest_supervisors
from routing.services.notify import notify_each
from routing.services.org import subtree_ids
from routing.services.policies import OFFICIAL_CALENDAR, calendar_named, rule_named
from routing.services.timeline import add_event

DEFAULT_BATCH = 200


def calendar_for(session: Session, case: Case):
    """The case policy's calendar: "the next working morning" is a working day
    of the service (a case no policy covers: the official working days)."""
    rule = rule_named(session, case.policy_name)
    return calendar_named(session, rule.calendar if rule else OFFICIAL_CALENDAR)


def requested_time(case: Case) -> datetime | None:
    """The customer's preferred callback time, when it is an exact time (ISO 8601 with a zone)."""
    try:
        value = datetime.fromisoformat((case.preferred_callback or "").strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def schedule_callback(session: Session, case: Case, now: datetime,
                      requested_at: datetime | None = None) -> Callback:
    """The case's callback: the next working morning by default, or when the
    customer asked. One per case; scheduling again returns the existing one."""
    existing = session.scalars(select(Callback).where(Callback.case_id == case.id)).first()
    if existing is not None:
        return existing
    requested_at = requested_at or requested_time(case)
    slot = None if requested_at else slot_window(calendar_named(session, "business"), now, case.callback_slot or "")
    start, end = slot or callback_window(calendar_for(session, case), now, requested_at)
    requested_at = requested_at or (start if slot else None)
    callback = Callback(case_id=case.id, due_start=start, due_end=end, requested=requested_at is not None,
                        status="scheduled", attempts=0, assigned_unit_id=case.unit_id, next_check_at=start,
                        created_at=now)
    session.add(callback)
    add_event(session, case, now, "callback_scheduled", public=True,
              data={"due_start": start.isoformat(), "due_end": end.isoformat()})
    return callback


def reschedule_callback(session: Session, case: Case, now: datetime) -> Callback | None:
    """Move the case's scheduled callback when its calendar changed (a year's
    holidays filled in, a day corrected): the window is worked out again from
    when it was set (the resolution, or the last unanswered call). A time
    the customer asked for, and a window that has begun, stay."""
    callback = session.scalars(select(Callback).where(Callback.case_id == case.id)).first()
    if callback is None or callback.status != "scheduled" or callback.requested or callback.due_start <= now:
        return None
    start, end = callback_window(calendar_for(session, case), callback.outcome_at or case.resolved_at)
    if (start, end) == (callback.due_start, callback.due_end):
        return None
    callback.due_start, callback.due_end, callback.next_check_at = start, end, start
    callback.reminded_at = None
    add_event(session, case, now, "callback_scheduled", public=True,
              data={"due_start": start.isoformat(), "due_end": end.isoformat(), "moved": True})
    return callback


def in_pool(session: Session, staff: Staff, callback: Callback) -> bool:
    """Is the callback in the shared pool of the staff member's unit tree?"""
    return (staff.unit_id is not None and callback.assigned_unit_id is not None
            and callback.assigned_unit_id in subtree_ids(session, staff.unit_id))


def refusal(session: Session, staff: Staff, callback: Callback) -> str | None:
    """Why the staff member may not record this callback (routing.rules.access), or None."""
    return access.callback_refusal(staff, callback.case, in_pool=in_pool(session, staff, callback))


def callers(session: Session, callback: Callback) -> list[Staff]:
    """Who is reminded of a callback: the callback desk whose pool holds it
    (of its unit or a unit above), else the nearest supervisors; never
    someone who may not make this call (its owner, first responder, subject)."""
    unit = session.get(Unit, callback.assigned_unit_id) if callback.assigned_unit_id is not None else None
    if unit is None:
        return []
    desk = list(session.scalars(select(Staff).where(
        Staff.active, Staff.callback_desk, Staff.unit_id.in_([u.id for u in unit.chain()])).order_by(Staff.id)))
    return [person for person in desk or nearest_supervisors(session, unit)
            if access.callback_refusal(person, callback.case, in_pool=True) is None]


def callback_list(session: Session, staff: Staff, now: datetime, limit: int = 500) -> list[Callback]:
    """Callbacks still to make in the staff member's unit subtree (the pool
    of their unit and those below it), the most urgent first."""
    query = (select(Callback).where(Callback.status == "scheduled")
             .options(selectinload(Callback.case).selectinload(Case.owner))
             .order_by(Callback.due_start, Callback.due_end, Callback.id).limit(limit))
    if access.record_reach(staff.role) != access.ALL:
        if staff.unit_id is None:
            return []
        query = query.where(Callback.assigned_unit_id.in_(subtree_ids(session, staff.unit_id)))
    return list(session.scalars(query))


def callback_tick(session: Session, now: datetime, *, batch_size: int = DEFAULT_BATCH) -> dict:
    """The tick job: remind at the start of a callback's window, mark it
    missed at its end. One range query on the indexed next_check_at, in batches."""
    report = {"reminded": 0, "missed": 0, "skipped": 0}
    postgres = session.get_bind().dialect.name == "postgresql"
    seen: set[int] = set()
    while True:
        query = (select(Callback).where(Callback.next_check_at <= now)
                 .order_by(Callback.next_check_at, Callback.id).limit(batch_size))
        if postgres:
            query = query.with_for_update(skip_locked=True, of=Callback)
        batch = [cb for cb in session.scalars(query) if cb.id not in seen]
        if not batch:
            break
        for callback in batch:
            seen.add(callback.id)
            report[_check_callback(session, callback, now)] += 1
        session.flush()
    return report


def _check_callback(session: Session, callback: Callback, now: datetime) -> str:
    case = callback.case
    if callback.status == "scheduled" and now >= callback.due_end:
        callback.status, callback.next_check_at = "missed", None
        add_event(session, case, now, "callback_missed")
        notify_each(session, [case.owner, case.first_responder], "callback_missed", now, case=case)
        return "missed"
    if callback.status == "scheduled" and callback.reminded_at is None:
        callback.reminded_at, callback.next_check_at = now, callback.due_end
        notify_each(session, callers(session, callback), "callback_due", now, case=case)
        return "reminded"
    # Recorded since it was scheduled, or reminded already: nothing to do until its end.
    callback.next_check_at = callback.due_end if callback.status == "scheduled" else None
    return "skipped"

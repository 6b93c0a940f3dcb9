"""Callbacks (回访, RULES 4): scheduled when a case is resolved, made from a
list sorted by due time, their outcome recorded with the four-item survey as
a rating on the case owner; retried when nobody answers, missed when not made
in their window.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from routing.callback_rules import callback_satisfied, callback_scores, callback_window
from routing.cases import add_event
from routing.errors import Conflict, Forbidden, RoutingError
from routing.models import ROLES, Callback, Case, Rating, Staff
from routing.notify import notify_each
from routing.org import subtree_ids
from routing.policies import OFFICIAL_CALENDAR, calendar_named, rule_named

OUTCOMES = ("reached", "no_answer", "wrong_number")
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BATCH = 200
# The callback survey's items as Rating columns.
RATING_COLUMNS = {"attitude": "attitude", "skill": "skill", "arrival_time": "timeliness",
                  "keeping_promises": "promises"}


def _calendar(session: Session, case: Case):
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
    start, end = callback_window(_calendar(session, case), now, requested_at)
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
    start, end = callback_window(_calendar(session, case), callback.outcome_at or case.resolved_at)
    if (start, end) == (callback.due_start, callback.due_end):
        return None
    callback.due_start, callback.due_end, callback.next_check_at = start, end, start
    callback.reminded_at = None
    add_event(session, case, now, "callback_scheduled", public=True,
              data={"due_start": start.isoformat(), "due_end": end.isoformat(), "moved": True})
    return callback


def callback_list(session: Session, staff: Staff, now: datetime, limit: int = 500) -> list[Callback]:
    """Callbacks still to make in the staff member's unit subtree, the most urgent first."""
    query = (select(Callback).where(Callback.status == "scheduled")
             .options(selectinload(Callback.case))
             .order_by(Callback.due_start, Callback.due_end, Callback.id).limit(limit))
    if ROLES.index(staff.role) < ROLES.index("executive"):
        if staff.unit_id is None:
            return []
        query = query.where(Callback.assigned_unit_id.in_(subtree_ids(session, staff.unit_id)))
    return list(session.scalars(query))


def _max_attempts() -> int:
    if has_app_context():
        return int(current_app.config.get("CALLBACK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    return DEFAULT_MAX_ATTEMPTS


def _may_call(session: Session, staff: Staff, callback: Callback) -> bool:
    from routing.lifecycle import in_scope

    if not staff.active:
        return False
    if in_scope(staff, callback.case) or ROLES.index(staff.role) >= ROLES.index("executive"):
        return True
    return (staff.unit_id is not None and callback.assigned_unit_id is not None
            and callback.assigned_unit_id in subtree_ids(session, staff.unit_id))


def record_outcome(session: Session, callback: Callback, staff: Staff, *, outcome: str,
                   answers: dict[str, str] | None, comment: str = "", reopen: bool = False,
                   reopen_reason: str = "", now: datetime, max_attempts: int | None = None) -> Rating | None:
    """Record a call. Reached: the survey answers become a rating (channel
    "callback") of the case owner, and a dissatisfied customer's case can be
    reopened on the spot. No answer: tried again in the next window, until
    `max_attempts` (CALLBACK_MAX_ATTEMPTS) calls went unanswered."""
    from routing import lifecycle

    case = callback.case
    if callback.status != "scheduled":
        raise Conflict("callback_done", gettext("This callback was already recorded."))
    if not _may_call(session, staff, callback):
        raise Forbidden("not_allowed", gettext("You may not record callbacks of this unit."))
    if outcome not in OUTCOMES:
        raise RoutingError("invalid_outcome", gettext("Choose the outcome of the call."))
    if reopen and outcome != "reached":
        raise RoutingError("reopen_unreached", gettext("A case can only be reopened after talking to the customer."))
    if reopen and not (reopen_reason or "").strip():
        raise RoutingError("reason_required", gettext("Say why the customer is not satisfied."))
    scores = _scores(answers) if outcome == "reached" else None
    comment = (comment or "").strip()
    callback.attempts += 1
    callback.staff_id, callback.outcome_at, callback.comment = staff.id, now, comment or None
    rating = None
    data: dict = {"outcome": outcome, "attempt": callback.attempts}
    if scores is not None:
        rating = _rating(session, callback, staff, scores, comment, now)
        callback.status, callback.rating_id = "done", rating.id
        data.update(answers=answers, satisfied=callback_satisfied(answers))
    elif outcome == "wrong_number":
        callback.status = "wrong_number"
    elif callback.attempts >= (max_attempts or _max_attempts()):
        callback.status = "no_answer"
    else:
        # Nobody answered: try again in the next window.
        callback.due_start, callback.due_end = callback_window(_calendar(session, case), now)
        callback.reminded_at = None
    callback.next_check_at = callback.due_start if callback.status == "scheduled" else None
    add_event(session, case, now, "callback", actor="staff", staff=staff, body=comment, data=data)
    if reopen:
        lifecycle.reopen(session, case, staff, reopen_reason, now, by_customer=True)
    return rating


def _scores(answers: dict[str, str] | None) -> dict[str, int]:
    try:
        return callback_scores(answers or {})
    except ValueError as error:
        raise RoutingError("invalid_answers", gettext(
            "Record the customer's answers to the callback survey: each of attitude, skill, arrival time "
            "and keeping promises is very satisfied, satisfied, average or poor.")) from error


def _rating(session: Session, callback: Callback, staff: Staff, scores: dict[str, int], comment: str,
            now: datetime) -> Rating:
    case = callback.case
    unit_id = case.unit_id or callback.assigned_unit_id or staff.unit_id
    if unit_id is None:
        raise RoutingError("no_unit", gettext("The case has no unit to rate."))
    mean = Decimal(sum(scores.values())) / len(scores)
    rating = Rating(channel="callback", unit_id=unit_id, staff_id=case.owner_id, case_id=case.id,
                    score=int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
                    comment=comment or None, locale=case.locale, external_id=f"callback-{callback.id}",
                    created_at=now,
                    **{RATING_COLUMNS[item]: score for item, score in scores.items()})
    session.add(rating)
    session.flush()
    return rating


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
        notify_each(session, [case.owner], "callback_due", now, case=case)
        return "reminded"
    # Recorded since it was scheduled, or reminded already: nothing to do until its end.
    callback.next_check_at = callback.due_end if callback.status == "scheduled" else None
    return "skipped"

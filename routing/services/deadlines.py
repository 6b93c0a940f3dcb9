"""A case's deadlines: the matched policy's time limits stored one row per
target, and the case's `next_check_at`, the one column the tick reads.

apply_policy recomputes everything from the case's current inputs (policy,
calendar, the time the contact came in, pauses, appointment, weather delays).
It is called on every change of those, in the same transaction, so the tick
never alerts on a stale deadline; it also moves a scheduled callback whose
calendar changed.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Case, CasePause, Deadline, WeatherDelay
from routing.rules import timelimits
from routing.rules.calendar import Calendar, is_confirmed
from routing.rules.ladder import TOP
from routing.rules.policy_match import PolicyRule, match_policy
from routing.services.callbacks import reschedule_callback
from routing.services.policies import active_rules, calendar_named, rule_named

DEFAULT_ESCALATION_DELAY = timedelta(minutes=1440)
DEFAULT_WARN_FRACTION = 0.75


def matching_rule(session: Session, case: Case) -> PolicyRule | None:
    return match_policy(active_rules(session), case.kind, case.category, case.severity,
                        case.unit.area if case.unit else None, case.channel)


def escalation_delay(session: Session, case: Case) -> timedelta:
    rule = rule_named(session, case.policy_name)
    return timedelta(minutes=rule.escalation_delay) if rule else DEFAULT_ESCALATION_DELAY


def case_pauses(session: Session, case: Case) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in session.scalars(
        select(CasePause).where(CasePause.case_id == case.id).order_by(CasePause.started_at))]


def case_calendar(session: Session, case: Case) -> Calendar:
    """The calendar of the case's policy (clock time when none covers it)."""
    rule = rule_named(session, case.policy_name)
    return calendar_named(session, rule.calendar) if rule else Calendar.always()


def weather_delays(session: Session, case: Case) -> list[datetime]:
    return list(session.scalars(select(WeatherDelay.at).where(WeatherDelay.case_id == case.id)))


def apply_policy(session: Session, case: Case, now: datetime) -> None:
    """Match the policy and (re)compute every deadline and the case's schedule.

    Met deadlines are history and stay as they are; a target the policy no
    longer sets is dropped while pending. A deadline moved past `now` is no
    longer breached (the ladder it climbed is kept).
    """
    if case.status == "closed":
        _set_schedule(case, [], DEFAULT_ESCALATION_DELAY)
        return
    rule = matching_rule(session, case)
    case.policy_name = rule.name if rule else None
    limits = rule.limits if rule else {}
    calendar = calendar_named(session, rule.calendar) if rule else Calendar.always()
    received = case.received_at
    start = timelimits.counting_start(
        calendar, received, rule.cutoff_on(received.astimezone(calendar.zone).date()) if rule else None)
    pauses = case_pauses(session, case)
    open_pause = next((began for began, ended in pauses if ended is None), None)
    due = timelimits.deadlines(limits, calendar, start, pauses, now, case.appointment_at)
    delays = weather_delays(session, case)
    existing = {d.target: d for d in case.deadlines}
    for target, due_at in due.items():
        deadline = existing.get(target)
        if deadline is None:
            deadline = Deadline(target=target, started_at=start, due_at=due_at, escalation_level=0)
            if case.status == "resolved" and target != "closure":
                deadline.met_at = case.resolved_at  # resolving settled it
            case.deadlines.append(deadline)
        if deadline.met_at is not None:
            continue
        # An agreed appointment is a fixed moment: it neither pauses nor runs on working time.
        limit = None if target == "arrival" and case.appointment_at is not None else limits.get(target)
        if target in timelimits.OUTDOOR_TARGETS:
            due_at = timelimits.postponed(limit, calendar, due_at, delays)
        deadline.started_at, deadline.due_at = start, due_at
        # Only working time depends on the calendar's days (and, after a
        # cut-off, the start of duty does).
        uses_days = start != received or (limit is not None and limit.basis == "working")
        deadline.calendar_confirmed = not uses_days or is_confirmed(calendar, received, due_at)
        deadline.warn_at = timelimits.warning_at(
            deadline.started_at, due_at, rule.warn_fraction if rule else DEFAULT_WARN_FRACTION,
            calendar, limit.basis if limit else "clock") if due_at > deadline.started_at else None
        paused = case.status == "waiting" and open_pause is not None and limit is not None and limit.pauses
        deadline.paused_at = open_pause if paused else None
        if deadline.breached_at is not None and due_at > now:
            deadline.breached_at = None
    for target, deadline in existing.items():
        if target not in due and deadline.met_at is None:
            case.deadlines.remove(deadline)
    refresh_schedule(session, case)
    if case.status == "resolved":
        reschedule_callback(session, case, now)


DEADLINE_STATES = ("pending", "paused", "breached", "met", "met_late")


def deadline_outcome(deadline: Deadline, now: datetime) -> tuple[str, int]:
    """How a deadline went, as of `now`: (state, minutes it was missed by)."""
    if deadline.met_at is not None:
        late = timelimits.minutes_late(deadline.due_at, deadline.met_at)
        return ("met_late" if deadline.met_at > deadline.due_at else "met"), late
    if deadline.paused_at is not None:
        return "paused", 0
    if now >= deadline.due_at:
        return "breached", timelimits.minutes_late(deadline.due_at, now)
    return "pending", 0


def pending_deadlines(case: Case) -> list[Deadline]:
    """Targets not met yet, earliest first; none once the case is closed."""
    if case.status == "closed":
        return []
    return sorted((d for d in case.deadlines if d.met_at is None), key=lambda d: d.due_at)


def meet(session: Session, case: Case, targets: tuple[str, ...] | set[str], now: datetime) -> list[str]:
    """Mark these targets met (if pending) and refresh the schedule; returns those met now."""
    met = []
    for deadline in case.deadlines:
        if deadline.target in targets and deadline.met_at is None:
            deadline.met_at = now
            deadline.paused_at = None
            met.append(deadline.target)
    refresh_schedule(session, case)
    return met


def next_check(deadline: Deadline, delay: timedelta) -> datetime | None:
    """When the tick must next look at this deadline: its warning, its due
    time, then each escalation level (level L+1 is due L delays after the breach)."""
    if deadline.met_at is not None or deadline.paused_at is not None:
        return None
    if deadline.breached_at is None:
        if deadline.warned_at is None and deadline.warn_at is not None and deadline.warn_at < deadline.due_at:
            return deadline.warn_at
        return deadline.due_at
    if deadline.escalation_level >= TOP:
        return None
    return deadline.breached_at + deadline.escalation_level * delay


def refresh_schedule(session: Session, case: Case) -> None:
    _set_schedule(case, pending_deadlines(case), escalation_delay(session, case))


def _set_schedule(case: Case, pending: list[Deadline], delay: timedelta) -> None:
    checks = [t for t in (next_check(d, delay) for d in pending) if t is not None]
    case.next_check_at = min(checks, default=None)
    case.next_due_at = min((d.due_at for d in pending if d.paused_at is None), default=None)

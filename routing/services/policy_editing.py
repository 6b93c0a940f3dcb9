"""Editing time-limit policies and calendars. A change recomputes the
deadlines of the open cases it touches in the same transaction, so the tick
never alerts on a stale deadline."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from routing.errors import Conflict, NotFound, RoutingError
from routing.models import Case, Policy, Staff, Unit, WorkCalendar
from routing.rules.calendar import Calendar, calendar_from_dict, calendar_to_dict
from routing.rules.official_days import fill, years_to_fill
from routing.rules.policy_match import PolicyRule, policy_from_dict, policy_to_dict
from routing.services.deadlines import apply_policy
from routing.services.policies import calendar_names, forget, rule_named, stored_rules
from routing.vocabulary import OPEN_STATUSES


def update_policy(session: Session, name: str, data: Mapping[str, Any], now: datetime, *,
                  by: Staff | None = None, active: bool | None = None, new: bool = False) -> Policy:
    """Create or replace the policy `name` from plain data (policy_from_dict's
    form) and recompute the deadlines of the open cases it matched before or
    matches now. `new`: refuse a name already taken instead of replacing."""
    try:
        rule = policy_from_dict({**data, "name": name})
    except (ValueError, TypeError, KeyError) as error:
        raise RoutingError("invalid_policy", gettext("The policy is not valid: %(error)s", error=error)) from error
    if rule.calendar not in calendar_names(session):
        raise RoutingError("unknown_calendar", gettext("There is no calendar named %(name)s.", name=rule.calendar))
    row = session.scalars(select(Policy).where(Policy.name == name)).first()
    if row is not None and new:
        raise Conflict("name_taken", gettext("A policy with this name exists already."))
    if row is None:
        row = Policy(name=name, active=True)
        session.add(row)
    old = rule_named(session, name)
    row.data = policy_to_dict(rule)
    if active is not None:
        row.active = active
    row.updated_at, row.updated_by_id = now, by.id if by else None
    session.flush()
    forget(session)
    _recompute(session, _cases_for_rules([r for r in (old, rule) if r is not None], {name}), now)
    return row


def set_policy_active(session: Session, name: str, active: bool, now: datetime, *, by: Staff | None = None) -> Policy:
    rule = rule_named(session, name)
    if rule is None:
        raise NotFound("policy_not_found", gettext("There is no policy named %(name)s.", name=name))
    return update_policy(session, name, policy_to_dict(rule), now, by=by, active=active)


def update_calendar(session: Session, name: str, data: Mapping[str, Any], now: datetime, *,
                    by: Staff | None = None, new: bool = False) -> WorkCalendar:
    """Create or replace a calendar and recompute the open cases whose policy
    runs on it. `new`: refuse a name already taken instead of replacing.

    `data` is the administrator's part (calendar_from_dict's form): without
    "filled", the years the source filled are kept while the calendar follows
    the same official arrangement, and filled when it starts following one."""
    try:
        cal = calendar_from_dict(data)
    except (ValueError, TypeError, KeyError) as error:
        raise RoutingError("invalid_calendar", gettext("The calendar is not valid: %(error)s", error=error)) from error
    row = calendar_row(session, name)
    if row is not None and new:
        raise Conflict("name_taken", gettext("A calendar with this name exists already."))
    if "filled" not in data and cal.official is not None:
        before = calendar_from_dict(row.data) if row is not None else None
        if before is not None and before.official == cal.official:
            cal = replace(cal, filled=before.filled)
        else:
            cal = fill(cal, years_to_fill(now.astimezone(cal.zone).date()))
    return store_calendar(session, name, cal, now, by=by)


def calendar_row(session: Session, name: str) -> WorkCalendar | None:
    return session.scalars(select(WorkCalendar).where(WorkCalendar.name == name)).first()


def store_calendar(session: Session, name: str, cal: Calendar, now: datetime, *,
                   by: Staff | None = None) -> WorkCalendar:
    """Write the calendar and recompute the deadlines and callbacks of the
    live cases whose policy runs on it (nothing when it did not change)."""
    row = calendar_row(session, name)
    if row is None:
        row = WorkCalendar(name=name)
        session.add(row)
    data = calendar_to_dict(cal)
    if row.data == data:
        return row
    row.data = data
    row.updated_at, row.updated_by_id = now, by.id if by else None
    session.flush()
    forget(session)
    users = {n for n, (rule, _active) in stored_rules(session).items() if rule.calendar == name}
    if users:
        _recompute(session, Case.policy_name.in_(users), now)
    return row


# Resolved cases still have a closure deadline.
_LIVE = (*OPEN_STATUSES, "resolved")


def _cases_for_rules(rules: list[PolicyRule], names: set[str]):
    """Which cases a change of these rules may affect: those a rule covers
    (narrowed by its criteria in SQL) or that carry one of `names` now."""
    covers = []
    for rule in rules:
        clause = [getattr(Case, c) == getattr(rule, c) for c in ("kind", "category", "severity", "channel")
                  if getattr(rule, c) is not None]
        if rule.area is not None:
            clause.append(Case.unit_id.in_(select(Unit.id).where(Unit.area == rule.area)))
        covers.append(and_(true(), *clause))
    return or_(Case.policy_name.in_(names), *covers)


def _recompute(session: Session, where, now: datetime, batch: int = 500) -> int:
    """apply_policy to every live case matching `where`, a batch at a time."""
    ids = list(session.scalars(select(Case.id).where(Case.status.in_(_LIVE), where).order_by(Case.id)))
    for start in range(0, len(ids), batch):
        chunk = session.scalars(select(Case).where(Case.id.in_(ids[start:start + batch]))
                                .options(selectinload(Case.deadlines)))
        for case in chunk:
            apply_policy(session, case, now)
    return len(ids)

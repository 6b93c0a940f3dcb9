"""Time-limit policies and working calendars stored in the database, read
once per transaction.

Rows hold the pure dataclasses of routing.rules.policy_match and
routing.rules.calendar as JSON; they are seeded from the presets (RULES 2) and
an admin edits them (routing.services.policy_editing).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing.foundation.db import utcnow
from routing.models import Policy, WorkCalendar
from routing.rules.calendar import Calendar, calendar_from_dict, calendar_to_dict, load_preset_calendars
from routing.rules.official_days import fill, years_to_fill
from routing.rules.policy_match import PolicyRule, load_preset_policies, policy_from_dict, policy_to_dict
from routing.services.cache_stamps import cached

_CACHE_KEY = "routing.policies"
# The preset calendar of China's official working days (routing/presets/calendars.toml).
OFFICIAL_CALENDAR = "cn-business"


def ensure_presets(session: Session, now: datetime | None = None) -> int:
    """Add every preset calendar and policy not stored yet (by name), a
    calendar that follows an official arrangement filled from the source;
    returns how many were added. Edited or deactivated rows are left alone."""
    now = now or utcnow()
    added = 0
    have = set(session.scalars(select(WorkCalendar.name)))
    for name, cal in load_preset_calendars().items():
        if name not in have:
            cal = fill(cal, years_to_fill(now.astimezone(cal.zone).date()))
            added += _insert_once(session, WorkCalendar(name=name, data=calendar_to_dict(cal), updated_at=now))
    have = set(session.scalars(select(Policy.name)))
    for rule in load_preset_policies():
        if rule.name not in have:
            added += _insert_once(session, Policy(name=rule.name, data=policy_to_dict(rule), active=True,
                                                  updated_at=now))
    forget(session)
    return added


def _insert_once(session: Session, row: Policy | WorkCalendar) -> int:
    """Two processes seeding at once: the second insert of a name is a no-op."""
    try:
        with session.begin_nested():
            session.add(row)
        return 1
    except IntegrityError:
        return 0


def _cache(session: Session) -> dict:
    """Rules and calendars looked up once per session (a tick reads them for
    every case), parsed once per process until an edit changes their stamp."""
    cache = session.info.get(_CACHE_KEY)
    if cache is None:
        cache = session.info[_CACHE_KEY] = cached(session, "rules", _read)
    return cache


def _read(session: Session) -> dict:
    if session.scalars(select(Policy.id).limit(1)).first() is None:
        ensure_presets(session)
    return {
        "rules": {row.name: (policy_from_dict(row.data), row.active) for row in session.scalars(select(Policy))},
        "calendars": {row.name: calendar_from_dict(row.data) for row in session.scalars(select(WorkCalendar))},
    }


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def forget(session: Session) -> None:
    """Read again after each transaction: another one may have edited them."""
    session.info.pop(_CACHE_KEY, None)


def stored_rules(session: Session) -> dict[str, tuple[PolicyRule, bool]]:
    """Every stored rule by name, with whether it is active."""
    return _cache(session)["rules"]


def calendar_names(session: Session) -> set[str]:
    return set(_cache(session)["calendars"])


def active_rules(session: Session) -> list[PolicyRule]:
    return [rule for rule, active in _cache(session)["rules"].values() if active]


def rule_named(session: Session, name: str | None) -> PolicyRule | None:
    """A stored rule, active or not (a case keeps its policy's escalation delay)."""
    entry = _cache(session)["rules"].get(name) if name else None
    return entry[0] if entry else None


def stored_calendars(session: Session) -> Mapping[str, Calendar]:
    """Every stored calendar by name, read once per session."""
    return _cache(session)["calendars"]


def calendar_named(session: Session, name: str) -> Calendar:
    cal = _cache(session)["calendars"].get(name)
    if cal is None:
        # A policy naming a calendar that was never stored: clock time is the
        # safe reading (deadlines come no later than on any working calendar).
        return Calendar.always()
    return cal


def policies(session: Session) -> list[Policy]:
    return list(session.scalars(select(Policy).order_by(Policy.name)))


def calendars(session: Session) -> list[WorkCalendar]:
    return list(session.scalars(select(WorkCalendar).order_by(WorkCalendar.name)))

"""Optional routing rules: a new case of a category arriving at a unit (or
anywhere below it) goes to another unit's queue, e.g. every billing complaint
to the billing department. The most specific rule wins: one naming both a
category and a unit over one naming either, the nearest unit up the tree
first, then the higher priority, then the older rule.

A complaint made at a counter, or about a staff member, never waits in the
queue of the counter where the person it is about could claim it: it goes
to the unit that supervises the counter (the outlet), where its lobby
manager and supervisor take it.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import NotFound, RoutingError
from routing.models import Case, CaseRule, Staff, Unit
from routing.services.cache_stamps import cached
from routing.services.timeline import add_event
from routing.vocabulary import CASE_CATEGORIES


def add_rule(session: Session, *, to_unit: Unit, now: datetime, category: str | None = None,
             from_unit: Unit | None = None, priority: int = 0) -> CaseRule:
    if category is not None and category not in CASE_CATEGORIES:
        raise RoutingError("invalid_category", gettext("Choose one of the categories offered."))
    if category is None and from_unit is None:
        raise RoutingError("rule_too_broad", gettext("A routing rule needs a category, a unit or both."))
    if not to_unit.active:
        raise RoutingError("inactive_unit", gettext("%(unit)s is not active.", unit=to_unit.name))

    rule = CaseRule(category=category, from_unit_id=from_unit.id if from_unit else None, to_unit_id=to_unit.id,
                    priority=priority, active=True, created_at=now)
    session.add(rule)
    session.flush()
    return rule


def remove_rule(session: Session, rule_id: int) -> CaseRule:
    """Retire a rule: kept, as the cases it routed name it, but no longer applied."""
    rule = session.get(CaseRule, rule_id)
    if rule is None:
        raise NotFound("rule_not_found", gettext("There is no such routing rule."))
    rule.active = False
    return rule


def rules(session: Session) -> list[CaseRule]:
    return list(session.scalars(select(CaseRule).where(CaseRule.active.is_(True)).order_by(CaseRule.id)))


def rule_for(session: Session, case: Case) -> CaseRule | None:
    """The most specific active rule for the case, from the rules and the
    unit tree kept per process (routing.services.cache_stamps): no
    statement when no rule applies."""
    candidates = [rule for rule in cached(session, "rules", _active_rules)
                  if rule[1] is None or rule[1] == case.category]
    if not candidates:
        return None
    chain = _chain(cached(session, "units", _parents), case.unit_id)
    candidates = [rule for rule in candidates if rule[2] is None or rule[2] in chain]

    def key(rule: tuple):
        rule_id, category, from_unit_id, priority = rule
        depth = chain.index(from_unit_id) if from_unit_id is not None else len(chain)
        return (-((category is not None) + (from_unit_id is not None)), depth, -priority, rule_id)

    best = min(candidates, key=key, default=None)
    return session.get(CaseRule, best[0]) if best is not None else None


def _active_rules(session: Session) -> tuple[tuple[int, str | None, int | None, int], ...]:
    """(id, category, from unit, priority) of every active rule."""
    rows = session.execute(select(CaseRule.id, CaseRule.category, CaseRule.from_unit_id, CaseRule.priority)
                           .where(CaseRule.active.is_(True)))
    return tuple((rule_id, category, from_unit_id, priority) for rule_id, category, from_unit_id, priority in rows)


def _parents(session: Session) -> dict[int, int | None]:
    return {unit_id: parent_id for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id))}


def _chain(parents: dict[int, int | None], unit_id: int | None) -> list[int]:
    """The unit and its ancestors, nearest first (Unit.chain, without loading them)."""
    chain = []
    while unit_id is not None and unit_id not in chain:
        chain.append(unit_id)
        unit_id = parents.get(unit_id)
    return chain


def route_new_case(session: Session, case: Case, now: datetime) -> Unit | None:
    """Move a new case to the queue its rule names; the unit it went to, or None."""
    rule = rule_for(session, case)
    if rule is None or rule.to_unit_id == case.unit_id or not rule.to_unit.active:
        return None
    from_unit_id = case.unit_id
    case.unit_id = rule.to_unit_id
    session.flush()
    session.expire(case, ["unit"])
    add_event(session, case, now, "routed", data={"from_unit_id": from_unit_id, "to_unit_id": rule.to_unit_id,
                                                  "rule_id": rule.id})
    return rule.to_unit


def supervising_unit(unit: Unit) -> Unit:
    """The unit whose people take a complaint made at `unit`: the counter's
    parent (the outlet), up past any counter nested in another; any other
    unit handles its own."""
    while unit.level == "counter" and unit.parent is not None and unit.parent.active:
        unit = unit.parent
    return unit


def route_away_from_subject(session: Session, case: Case, now: datetime) -> Unit | None:
    """A complaint about a staff member, or one made at a counter's QR code
    (the touchpoint names the counter, often its teller), goes to the queue
    of the unit supervising that counter (without a unit: the one
    supervising the staff member's). The unit it went to, or None when it
    stays."""
    subject = session.get(Staff, case.subject_staff_id) if case.subject_staff_id is not None else None
    if subject is None and not (case.kind == "complaint" and case.touchpoint_id is not None):
        return None
    at = case.unit or (subject.unit if subject is not None else None)
    if at is None:
        return None
    to = supervising_unit(at)
    if to.id == case.unit_id:
        return None
    from_unit_id = case.unit_id
    case.unit_id = to.id
    session.flush()
    session.expire(case, ["unit"])
    add_event(session, case, now, "routed", data={"from_unit_id": from_unit_id, "to_unit_id": to.id,
                                                  "reason": "away_from_subject"})
    return to

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
    chain = [u.id for u in case.unit.chain()] if case.unit else []
    candidates = session.scalars(select(CaseRule).where(
        CaseRule.active.is_(True),
        (CaseRule.category.is_(None)) | (CaseRule.category == case.category),
        (CaseRule.from_unit_id.is_(None)) | (CaseRule.from_unit_id.in_(chain)),
    ))

    def key(rule: CaseRule):
        depth = chain.index(rule.from_unit_id) if rule.from_unit_id is not None else len(chain)
        return (-((rule.category is not None) + (rule.from_unit_id is not None)), depth, -rule.priority, rule.id)

    return min(candidates, key=key, default=None)


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

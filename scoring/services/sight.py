"""Whose scores a staff member may see and enter (RULES 7: scoring data is
confidential, routing.rules.access decides by role), and the audit trail of
every view, export and entry."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Staff
from routing.rules import access
from routing.services.org import subtree_ids
from scoring.models import ScoreAudit


def visible_subjects(session: Session, staff: Staff) -> tuple[list[int] | None, list[int] | None]:
    """(unit ids, staff ids) whose scores `staff` may see; None means all.

    A handler sees only their own scores; a supervisor or manager their unit
    tree and the people in it (and themselves); executives and admins everything."""
    reach = access.score_reach(staff.role)
    if reach == access.ALL:
        return None, None
    if reach == access.OWN or staff.unit_id is None:
        return [], [staff.id]
    units = subtree_ids(session, staff.unit_id)
    people = set(session.scalars(select(Staff.id).where(Staff.unit_id.in_(units))))
    people.add(staff.id)
    return units, sorted(people)


def may_see(visible: list[int] | None, subject_id: int) -> bool:
    return visible is None or subject_id in visible


def only_visible(requested: Iterable[int] | None, visible: list[int] | None) -> list[int] | None:
    """The requested ids narrowed to what may be seen (None: all of what may be seen)."""
    if requested is None:
        return None if visible is None else list(visible)
    requested = list(requested)
    return requested if visible is None else [i for i in requested if i in set(visible)]


def enterable_units(session: Session, staff: Staff) -> list[int] | None:
    """The units `staff` may enter results for; None means every unit."""
    if not access.at_least(staff.role, "supervisor"):
        return []
    if access.score_reach(staff.role) == access.ALL:
        return None
    return subtree_ids(session, staff.unit_id) if staff.unit_id is not None else []


def may_enter(session: Session, staff: Staff, *, unit_id: int | None = None, staff_id: int | None = None) -> bool:
    """Supervisors and above enter inspections, verdicts and ledger entries
    within their own unit tree (executives and admins anywhere), never about
    themselves (routing.rules.access.may_enter_scores)."""
    about = session.get(Staff, staff_id) if staff_id is not None else None
    if staff_id is not None and about is None:
        return False
    tree = enterable_units(session, staff)
    return access.may_enter_scores(staff, tree or (), unit_id=unit_id, about=about)


def audit(session: Session, staff: Staff | None, action: str, what: str, now: datetime) -> ScoreAudit:
    """Record that `staff` (None: the command line) viewed, exported or entered scores."""
    row = ScoreAudit(staff_id=staff.id if staff is not None else None, action=action, what=what[:300], at=now)
    session.add(row)
    return row

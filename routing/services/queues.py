"""Handler queues: mine, my unit's, first received by me, overdue, waiting;
sorted by the next deadline (cases without one last), then by age."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from routing.errors import RoutingError
from routing.models import Case, Staff
from routing.rules import access
from routing.services.org import subtree_ids
from routing.vocabulary import OPEN_STATUSES

QUEUES = ("mine", "unit", "first_received", "overdue", "waiting")
# Statuses a case still needs someone for: open ones, and resolved ones until closed.
LIVE = (*OPEN_STATUSES, "resolved")


def scope_unit_ids(session: Session, staff: Staff) -> list[int] | None:
    """The units whose cases `staff` sees: a handler their unit, a supervisor
    or manager their subtree, executives and admins every unit (None)."""
    reach = access.case_reach(staff.role)
    if reach == access.ALL:
        return None
    if staff.unit_id is None:
        return []
    return [staff.unit_id] if reach == access.UNIT else subtree_ids(session, staff.unit_id)


def queue(session: Session, staff: Staff, name: str, now: datetime, *, status: str | None = None,
          kind: str | None = None, category: str | None = None, unit_id: int | None = None,
          search: str | None = None, limit: int = 100) -> list[Case]:
    if name not in QUEUES:
        raise RoutingError("unknown_queue", f"queue must be one of {', '.join(QUEUES)}")
    # A complaint never shows in the queues of the person it is about.
    query = select(Case).where(or_(Case.subject_staff_id.is_(None), Case.subject_staff_id != staff.id))
    if name == "mine":
        query = query.where(Case.owner_id == staff.id, Case.status.in_(LIVE))
    elif name == "first_received":
        # The first responder keeps the case in sight until it is closed.
        query = query.where(Case.first_responder_id == staff.id, Case.status != "closed")
    else:
        units = scope_unit_ids(session, staff)
        mine = or_(Case.owner_id == staff.id, Case.first_responder_id == staff.id)
        if units is not None:
            query = query.where(or_(Case.unit_id.in_(units), mine) if name != "unit" else Case.unit_id.in_(units))
        if name == "unit":
            query = query.where(Case.status.in_(OPEN_STATUSES))
        elif name == "overdue":
            query = query.where(Case.status.in_(LIVE), Case.next_due_at <= now)
        else:  # waiting
            query = query.where(Case.status == "waiting")
    for column, value in ((Case.status, status), (Case.kind, kind), (Case.category, category),
                          (Case.unit_id, unit_id)):
        if value is not None:
            query = query.where(column == value)
    if search:
        text = search.strip()
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Case.reference == text.upper(), Case.contact_phone.like(pattern),
                                Case.contact_name.ilike(pattern), Case.description.ilike(pattern)))
    query = query.order_by(Case.next_due_at.is_(None), Case.next_due_at, Case.created_at, Case.id).limit(limit)
    # Each row shows its unit and owner: two statements for the page, not one per row.
    return list(session.scalars(query.options(selectinload(Case.unit), selectinload(Case.owner))))

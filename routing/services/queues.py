"""Handler queues: mine, my unit's, first received by me, overdue, waiting,
sorted by the next deadline (cases without one last), then by age; and every
case in sight, open or finished, for finding a case again."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from routing.errors import RoutingError
from routing.models import Case, Staff
from routing.rules import access
from routing.rules.case_search import CaseQuery, like_pattern, phone_digits, read_query
from routing.services.org import subtree_ids
from routing.vocabulary import OPEN_STATUSES

QUEUES = ("mine", "unit", "first_received", "overdue", "waiting", "all")
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


def in_sight(session: Session, staff: Staff) -> list:
    """Where clauses for the cases `staff` may see, as routing.rules.access.may_see_case
    says: their own cases (owner, first responder) and those of the units in
    their reach, never a complaint about themselves."""
    clauses = [or_(Case.subject_staff_id.is_(None), Case.subject_staff_id != staff.id)]
    units = scope_unit_ids(session, staff)
    if units is not None:
        clauses.append(or_(Case.unit_id.in_(units), Case.owner_id == staff.id, Case.first_responder_id == staff.id))
    return clauses


def in_sight_of(session: Session, staff: Staff, case_ids: Collection[int]) -> set[int]:
    """Which of these cases `staff` may open (one query for a whole list)."""
    if not case_ids:
        return set()
    return set(session.scalars(select(Case.id).where(Case.id.in_(list(case_ids)), *in_sight(session, staff))))


def search_clause(terms: CaseQuery):
    """A reference or a phone number compares the stored column with the value
    (its index serves it); words are looked for in the name, the description
    and, when they are digits, inside the numbers."""
    if terms.references or terms.phones:
        return or_(*([Case.reference.in_(terms.references)] if terms.references else []),
                   *([Case.contact_phone.in_(terms.phones)] if terms.phones else []))
    pattern = like_pattern(terms.words or "")
    found = [Case.contact_name.ilike(pattern, escape="\\"), Case.description.ilike(pattern, escape="\\")]
    digits = phone_digits(terms.words or "")
    if digits:
        found.append(Case.contact_phone.like(f"%{digits}%"))
    return or_(*found)


def queue(session: Session, staff: Staff, name: str, now: datetime, *, status: str | None = None,
          kind: str | None = None, category: str | None = None, unit_id: int | None = None,
          search: str | CaseQuery | None = None, region: str = "CN", limit: int = 100) -> list[Case]:
    """A queue's cases, filtered. A status asked for, or a search, replaces
    the queue's own choice of statuses: resolved and closed cases are found
    too. "all" is every case in sight, the newest first."""
    if name not in QUEUES:
        raise RoutingError("unknown_queue", f"queue must be one of {', '.join(QUEUES)}")
    terms = search if isinstance(search, CaseQuery) else read_query(search, region)
    any_status = status is not None or not terms.empty
    query = select(Case)
    if name == "mine":
        query = query.where(Case.owner_id == staff.id, *in_sight(session, staff)[:1])
        if not any_status:
            query = query.where(Case.status.in_(LIVE))
    elif name == "first_received":
        # The first responder keeps the case in sight until it is closed.
        query = query.where(Case.first_responder_id == staff.id, *in_sight(session, staff)[:1])
        if not any_status:
            query = query.where(Case.status != "closed")
    elif name == "unit":
        units = scope_unit_ids(session, staff)
        query = query.where(*in_sight(session, staff)[:1])
        if units is not None:
            query = query.where(Case.unit_id.in_(units))
        if not any_status:
            query = query.where(Case.status.in_(OPEN_STATUSES))
    else:
        query = query.where(*in_sight(session, staff))
        if name == "overdue":
            query = query.where(Case.status.in_(LIVE), Case.next_due_at <= now)
        elif name == "waiting":
            query = query.where(Case.status == "waiting")
    for column, value in ((Case.status, status), (Case.kind, kind), (Case.category, category),
                          (Case.unit_id, unit_id)):
        if value is not None:
            query = query.where(column == value)
    if not terms.empty:
        query = query.where(search_clause(terms))
    if name == "all":
        query = query.order_by(Case.created_at.desc(), Case.id.desc())
    else:
        query = query.order_by(Case.next_due_at.is_(None), Case.next_due_at, Case.created_at, Case.id)
    # Each row shows its unit and owner: two statements for the page, not one per row.
    return list(session.scalars(query.limit(limit).options(selectinload(Case.unit), selectinload(Case.owner))))

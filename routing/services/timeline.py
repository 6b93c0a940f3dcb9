"""A case's timeline: every step, message and note, in order. The one place
that writes it, so every service that changes a case can record why."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from routing.models import Case, CaseEvent, Staff


def add_event(
    session: Session,
    case: Case,
    now: datetime,
    kind: str,
    *,
    actor: str = "system",
    staff: Staff | None = None,
    body: str = "",
    public: bool = False,
    data: dict | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id, at=now, kind=kind, actor=actor,
        staff_id=staff.id if staff else None, body=body, public=public, data=data,
    )
    session.add(event)
    case.updated_at = now
    return event


def add_customer_message(session: Session, case: Case, now: datetime, body: str, channel: str) -> CaseEvent:
    """The customer adds information to their case (tracking page, SMS)."""
    return add_event(session, case, now, "customer_message", actor="customer",
                     body=body, public=True, data={"channel": channel})

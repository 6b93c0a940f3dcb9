"""Opening cases and finding them. Services take a session and do not
commit: the caller owns the transaction."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import RoutingError
from routing.models import Case, Staff
from routing.rules.calendar import as_utc
from routing.services.deadlines import apply_policy, meet
from routing.services.escalation import escalate_immediately
from routing.services.queue_rules import route_away_from_subject, route_new_case
from routing.services.timeline import add_event
from routing.vocabulary import OPEN_STATUSES

# Another system's clock may run a little ahead of ours: a contact "received"
# this much in the future is taken as received now.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class NewCase:
    channel: str
    description: str
    kind: str = "complaint"
    category: str = "other"
    severity: str = "normal"
    unit_id: int | None = None
    touchpoint_id: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_address: str | None = None
    preferred_callback: str | None = None
    callback_slot: str | None = None
    consent: bool = False
    locale: str = "zh_Hans_CN"
    amount_claimed: Decimal | None = None
    external_id: str | None = None
    received_at: datetime | None = None  # when the contact came in; now if not given
    # The staff member a complaint is about (the teller of the counter's QR
    # code, or one the customer or the recorder named): never its handler.
    subject_staff_id: int | None = None


def received_time(received_at: datetime | None, now: datetime) -> datetime:
    """When the contact came in: not later than now (limits count from it)."""
    if received_at is None:
        return now
    received_at = as_utc(received_at)
    if received_at > now + CLOCK_SKEW:
        raise RoutingError("received_in_future", gettext("The time the contact came in cannot be later than now."))
    return min(received_at, now)


def format_reference(case_id: int, created_at: datetime) -> str:
    return f"C-{created_at.year}-{case_id:06d}"


def open_case(session: Session, new: NewCase, now: datetime, recorded_by: Staff | None = None, *,
              reopened_from: Case | None = None) -> Case:
    """Register a case. Staff who record a call or walk-in are its first
    responder and owner from the start (first-responder responsibility).

    A case reopened from another keeps its unit, owner and first responder.
    Otherwise the optional routing rules may send it to another unit's queue,
    and a complaint made at a counter or about a staff member goes to the
    unit that supervises them; the person it is about never owns it, even
    when they recorded it. Then its policy gives it deadlines, and a major
    complaint or a large claim is escalated at once."""
    recorder = recorded_by if recorded_by is not None and recorded_by.id != new.subject_staff_id else None
    owner = reopened_from.owner_id if reopened_from else (recorder.id if recorder else None)
    new = replace(new, received_at=received_time(new.received_at, now))
    case = Case(
        tracking_token=secrets.token_urlsafe(24),
        status="claimed" if owner else "new",
        created_at=now,
        updated_at=now,
        first_responder_id=reopened_from.first_responder_id if reopened_from else owner,
        owner_id=owner,
        reopened_from_id=reopened_from.id if reopened_from else None,
        **new.__dict__,
    )
    session.add(case)
    session.flush()  # the id makes the reference
    case.reference = format_reference(case.id, now)
    data = {"channel": new.channel}
    if new.received_at != now:
        data["received_at"] = new.received_at.isoformat()
    if reopened_from is not None:
        data["reopened_from"] = reopened_from.reference
    add_event(
        session, case, now, "created",
        actor="staff" if recorded_by else "customer",
        staff=recorded_by, body=new.description, public=True,
        data=data,
    )
    if recorded_by is None and reopened_from is None:
        route_new_case(session, case, now)
    if reopened_from is None:
        route_away_from_subject(session, case, now)
    apply_policy(session, case, now)
    if recorder is not None:
        # Recording the call or visit is its acknowledgement.
        meet(session, case, {"acknowledge"}, now)
    escalate_immediately(session, case, now)
    return case


def open_case_for_contact(session: Session, phone: str | None = None, email: str | None = None) -> Case | None:
    """The customer's open case, if any: a second contact joins it (one-call
    service) instead of starting a new one."""
    if not phone and not email:
        return None
    column = Case.contact_phone if phone else Case.contact_email
    return session.scalars(
        select(Case)
        .where(column == (phone or email), Case.status.in_(OPEN_STATUSES))
        .order_by(Case.created_at.desc())
        .limit(1)
    ).first()


def case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalars(select(Case).where(Case.reference == reference.strip().upper())).first()


def case_by_tracking_token(session: Session, token: str) -> Case | None:
    return session.scalars(select(Case).where(Case.tracking_token == token)).first()

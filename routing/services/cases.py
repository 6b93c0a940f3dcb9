"""Opening cases and finding them. Services take a session and do not
commit: the caller owns the transaction."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from routing.errors import RoutingError
from routing.models import Case, CaseEvent, Deadline, Staff
from routing.rules.answer import preset_answer_target
from routing.rules.calendar import as_utc
from routing.services.deadlines import apply_policy, meet, refresh_schedule
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
    # Set by open_or_join only: see matter_key.
    matter_key: str | None = None
    same_customer_as_id: int | None = None
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
              reopened_from: Case | None = None, answered_at: datetime | None = None,
              rings: int | None = None) -> Case:
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
        _acknowledge(session, case, now, answered_at=answered_at, rings=rings)
    escalate_immediately(session, case, now)
    return case


def _acknowledge(session: Session, case: Case, now: datetime, *, answered_at: datetime | None,
                 rings: int | None) -> None:
    """Recording the call or visit is its acknowledgement. A call's is
    answering it within the preset rings (RULES 1, routing.rules.answer),
    counted from when it came in: the policy's acknowledge limit, if any,
    gives way to it on these cases."""
    target = preset_answer_target()
    if not target.applies(case.channel):
        meet(session, case, {"acknowledge"}, now)
        return
    received = case.received_at
    deadline = next((d for d in case.deadlines if d.target == "acknowledge"), None)
    if deadline is None:
        deadline = Deadline(target="acknowledge", escalation_level=0)
        case.deadlines.append(deadline)
    deadline.started_at, deadline.due_at = received, target.due(received)
    deadline.warn_at, deadline.paused_at, deadline.calendar_confirmed = None, None, True
    deadline.met_at = min(now, target.answered(received, answered_at=as_utc(answered_at) if answered_at else None,
                                               rings=rings))
    refresh_schedule(session, case)


# --- one-call service ------------------------------------------------------------

def contact_of(phone: str | None, email: str | None) -> str | None:
    """Who the customer is, for one-call service: the phone number (E.164),
    else the e-mail address in lower case."""
    if phone:
        return phone
    return email.strip().lower() if email and email.strip() else None


def matter_key(kind: str, phone: str | None, email: str | None) -> str | None:
    """"The same matter" (one-call service, RULES 1): the same customer
    (contact_of) and the same kind of request. A second complaint by the
    same phone joins the open complaint whatever its category, unit or
    channel, because customers calling again describe the same matter in
    other words; a repair or a consultation from that phone is another
    matter, with other time limits and another queue, and opens its own
    case. No contact, no matter: such a case is never joined."""
    contact = contact_of(phone, email)
    return f"{kind}|{contact}" if contact else None


def open_case_of_matter(session: Session, kind: str, phone: str | None, email: str | None) -> Case | None:
    """The open case of this matter: the one holding its key, else (a case
    opened before keys existed) the latest open case of that kind and contact."""
    key = matter_key(kind, phone, email)
    if key is None:
        return None
    held = session.scalars(select(Case).where(Case.matter_key == key, Case.status.in_(OPEN_STATUSES))).first()
    if held is not None:
        return held
    column, value = (Case.contact_phone, phone) if phone else (Case.contact_email, contact_of(None, email))
    return session.scalars(
        select(Case).where(column == value, Case.kind == kind, Case.status.in_(OPEN_STATUSES),
                           Case.matter_key.is_(None), Case.same_customer_as_id.is_(None))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(1)).first()


@dataclass(frozen=True)
class Taken:
    """What became of a contact: the case it opened or joined."""

    case: Case
    joined: bool  # added to the open case of the same matter; nothing opened
    # Opened its own case, because the contact could not prove it is the
    # customer of the open case `case.same_customer_as`.
    same_customer: bool = False
    event: CaseEvent | None = None  # the joining contact's line on the timeline


def open_or_join(session: Session, new: NewCase, now: datetime, recorded_by: Staff | None = None, *,
                 join: bool = True, proven: bool | Callable[[Case], bool] = True, answered_at: datetime | None = None,
                 rings: int | None = None) -> Taken:
    """One-call service: a contact about a matter that has an open case joins
    it (its words become a message on that case); otherwise it opens the
    case of that matter.

    The database holds the rule: the case of a matter carries its key, and
    a partial unique index lets one open case at most hold it. Of several
    contacts at once, one inserts; the others' inserts fail on the index and
    they join the winner. `join=False` (the API's explicit opt-out, staff
    saying "another matter") opens a case without the key. `proven=False`
    (the public web form, without an SMS code or the tracking link): a
    stranger may know the phone number, so the contact never writes into the
    open case; it opens its own, linked as possibly the same customer. A
    callable `proven` decides per open case (staff join only cases in their
    sight; another unit's gets the link instead)."""
    key = matter_key(new.kind, new.contact_phone, new.contact_email)
    if key is None or not join:
        return Taken(open_case(session, new, now, recorded_by, answered_at=answered_at, rings=rings), False)
    for _ in range(3):  # the open case may close between the failed insert and the look-up
        existing = open_case_of_matter(session, new.kind, new.contact_phone, new.contact_email)
        if existing is not None:
            if not (proven(existing) if callable(proven) else proven):
                case = open_case(session, replace(new, same_customer_as_id=existing.id), now, recorded_by,
                                 answered_at=answered_at, rings=rings)
                return Taken(case, False, same_customer=True)
            return Taken(existing, True, event=join_contact(session, existing, new, now, recorded_by))
        try:
            with session.begin_nested():
                case = open_case(session, replace(new, matter_key=key), now, recorded_by,
                                 answered_at=answered_at, rings=rings)
            return Taken(case, False)
        except IntegrityError:
            # Another contact of this matter opened it a moment ago: join that
            # one. Any other conflict (an external_id used twice) is the caller's.
            if open_case_of_matter(session, new.kind, new.contact_phone, new.contact_email) is None:
                raise
    raise RoutingError("busy", gettext("Please try again in a moment."))


def join_contact(session: Session, case: Case, new: NewCase, now: datetime,
                 recorded_by: Staff | None = None) -> CaseEvent:
    """A second contact about the case's matter: the customer's words on its
    timeline, and what else they said kept with them (the case keeps its
    own fields). Who took it down is named, and stays its first responder
    only for cases they opened."""
    data = {"channel": new.channel, "category": new.category, "severity": new.severity,
            "unit_id": new.unit_id, "touchpoint_id": new.touchpoint_id}
    if new.received_at is not None:
        data["received_at"] = as_utc(new.received_at).isoformat()
    if new.amount_claimed is not None:
        data["amount_claimed"] = str(new.amount_claimed)
    event = add_event(session, case, now, "customer_message", actor="customer", staff=recorded_by,
                      body=new.description, public=True,
                      data={k: v for k, v in data.items() if v is not None})
    session.flush()
    return event


def open_case_for_contact(session: Session, phone: str | None = None, email: str | None = None) -> Case | None:
    """The customer's open case, if any: a second contact joins it (one-call
    service) instead of starting a new one."""
    if not phone and not email:
        return None
    column = Case.contact_phone if phone else Case.contact_email
    # A case that someone without proof opened with this contact comes last.
    return session.scalars(
        select(Case)
        .where(column == (phone or email), Case.status.in_(OPEN_STATUSES))
        .order_by(Case.same_customer_as_id.is_not(None), Case.created_at.desc(), Case.id.desc())
        .limit(1)
    ).first()


def case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalars(select(Case).where(Case.reference == reference.strip().upper())).first()


def case_by_tracking_token(session: Session, token: str) -> Case | None:
    return session.scalars(select(Case).where(Case.tracking_token == token)).first()

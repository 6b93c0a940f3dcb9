"""Complaints from the web form and the QR pages, and following a case.

A customer's second contact about an open matter joins their open case
(one-call service, RULES 1) instead of starting a new one, when they prove
they are that customer: the form does not know who typed the phone number.
Proof is a code sent by SMS to that phone (intake.services.proof) or the
case's tracking link (its page adds to the case). Without it the contact
opens its own case, which staff see as possibly the same customer
(routing.services.cases.open_or_join decides "the same matter"). Services
take a session and do not commit.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.models import Touchpoint
from intake.phone import InvalidPhone, normalize_phone
from routing.errors import RoutingError
from routing.models import Case, Rating, Unit
from routing.services.cache_stamps import cached
from routing.services.cases import NewCase, case_by_reference, open_or_join
from routing.services.outbox import enqueue
from routing.services.timeline import add_customer_message
from routing.vocabulary import CALLBACK_SLOTS, CASE_CATEGORIES, CASE_KINDS, CHANNELS

DESCRIPTION_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 200
CALLBACK_MAX_LENGTH = 120  # Case.preferred_callback
ADDRESS_MAX_LENGTH = 300  # Case.contact_address
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# The categories and kinds a customer picks from (the rest are for staff).
CUSTOMER_CATEGORIES = ("attitude", "waiting_time", "service_quality", "fault", "billing", "installation",
                       "environment", "product", "other")
CUSTOMER_KINDS = ("complaint", "repair", "consultation", "suggestion", "praise")


class ComplaintRejected(RoutingError):
    """Input the register cannot take; `code` names the field's problem."""

    status = 400


@dataclass(frozen=True)
class Complaint:
    """What the customer told us. `phone` may be typed in any common form;
    it is stored in E.164."""

    description: str
    channel: str = "web"
    kind: str = "complaint"
    category: str = "other"
    unit_id: int | None = None
    touchpoint_id: int | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_callback: str | None = None  # the customer's own words: a note for the caller
    consent: bool = False
    locale: str = "zh_Hans_CN"
    callback_slot: str | None = None  # chosen from the form's list: sets the callback's window
    subject_staff_id: int | None = None  # whom a complaint is about, when known besides the touchpoint's
    address: str | None = None  # where a repair is needed (required for one)
    emergency: bool = False  # a repair with people or property in danger now: the emergency policy


@dataclass(frozen=True)
class Filed:
    case: Case
    joined: bool  # True: added to the customer's open case, no new case
    # Opened its own case although the contact has an open one: no proof.
    same_customer: bool = False


def clean_email(raw: str | None) -> str | None:
    """Lower-cased address, None when empty; raises ComplaintRejected when
    it cannot be an address."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > EMAIL_MAX_LENGTH or not _EMAIL.match(value):
        raise ComplaintRejected("invalid_email", _l("This is not a valid e-mail address."))
    return value.lower()


def clean_phone(raw: str | None, region: str) -> str | None:
    if not raw or not raw.strip():
        return None
    try:
        return normalize_phone(raw, region)
    except InvalidPhone:
        raise ComplaintRejected(
            "invalid_phone",
            _l("This is not a valid phone number. Please check it, for example 138 0013 8000 or +86 138 0013 8000."),
        ) from None


def _validated(complaint: Complaint, region: str) -> Complaint:
    description = (complaint.description or "").strip()
    if not description:
        raise ComplaintRejected("description_required", _l("Please tell us what happened."))
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ComplaintRejected("description_too_long", _l(
            "Please keep the description under %(max)s characters.", max=DESCRIPTION_MAX_LENGTH))
    if complaint.kind not in CASE_KINDS or complaint.category not in CASE_CATEGORIES \
            or complaint.channel not in CHANNELS:
        raise ComplaintRejected("invalid_choice", _l("Please choose one of the options offered."))
    phone = clean_phone(complaint.phone, region)
    email = clean_email(complaint.email)
    if not phone and not email:
        raise ComplaintRejected("contact_required",
                                _l("Please give a phone number or an e-mail address so that we can reach you."))
    if not complaint.consent:
        raise ComplaintRejected("consent_required",
                                _l("Please agree that we may use your details to handle this case."))
    name = (complaint.name or "").strip()[:NAME_MAX_LENGTH] or None
    callback = (complaint.preferred_callback or "").strip()
    slot = complaint.callback_slot or None
    if slot is not None and slot not in CALLBACK_SLOTS:
        raise ComplaintRejected("invalid_callback_slot", _l("Please choose one of the options offered."))
    if len(callback) > CALLBACK_MAX_LENGTH:
        raise ComplaintRejected("callback_too_long", _l(
            "Please keep the preferred time under %(max)s characters.", max=CALLBACK_MAX_LENGTH))
    address = (complaint.address or "").strip()
    if len(address) > ADDRESS_MAX_LENGTH:
        raise ComplaintRejected("address_too_long", _l(
            "Please keep the address under %(max)s characters.", max=ADDRESS_MAX_LENGTH))
    if complaint.kind == "repair" and not address:
        raise ComplaintRejected("address_required", _l("Please tell us where the repair is needed."))
    return replace(
        complaint, description=description,
        name=name, phone=phone, email=email, preferred_callback=callback or None, consent=True, callback_slot=slot,
        address=address or None, emergency=complaint.emergency and complaint.kind == "repair",
    )


def submission_id(submission: str | None) -> str | None:
    """The case's external_id for one showing of the form (its hidden
    `submission` token): sent twice, it opens one case."""
    token = (submission or "").strip()
    return f"form:{token}" if 16 <= len(token) <= 64 and token.isprintable() else None


def file_complaint(session: Session, complaint: Complaint, *, now: datetime, config: Mapping,
                   rating: Rating | None = None, proven: bool = False, submission: str | None = None) -> Filed:
    """Register the complaint, or add it to the customer's open case of the
    same matter when `proven` (the phone was confirmed by an SMS code), link
    the rating it came from, and queue a confirmation in their language.
    The same `submission` again (a double click) gives the case it opened;
    two at once: the second raises IntegrityError, and the caller answers
    with the first (submitted_case)."""
    complaint = _validated(complaint, config.get("DEFAULT_REGION", "CN"))
    # Held until the case is filed: the routing and the policy read it again (an identity-map hit).
    unit = session.get(Unit, complaint.unit_id) if complaint.unit_id is not None else None
    if complaint.unit_id is not None and unit is None:
        raise ComplaintRejected("invalid_unit", _l("Please choose one of the options offered."))
    external_id = submission_id(submission)
    first = submitted_case(session, submission)
    if first is not None:
        return Filed(case=first, joined=False, same_customer=first.same_customer_as_id is not None)
    # An emergency is a matter of its own, dispatched at once: it never waits inside another case.
    taken = open_or_join(session, NewCase(
        subject_staff_id=_subject(session, complaint, rating), channel=complaint.channel,
        description=complaint.description, kind=complaint.kind,
        category=complaint.category, unit_id=complaint.unit_id, touchpoint_id=complaint.touchpoint_id,
        contact_name=complaint.name, contact_phone=complaint.phone, contact_email=complaint.email,
        contact_address=complaint.address, severity="emergency" if complaint.emergency else "normal",
        preferred_callback=complaint.preferred_callback, callback_slot=complaint.callback_slot, consent=True,
        locale=complaint.locale, external_id=external_id,
    ), now, join=not complaint.emergency, proven=proven and complaint.phone is not None)
    case = taken.case
    if taken.joined:
        event = taken.event
        # Nothing the customer said is lost, though the case keeps its own fields.
        event.data = {**(event.data or {}), "kind": complaint.kind,
                      "preferred_callback": complaint.preferred_callback, "callback_slot": complaint.callback_slot,
                      "address": complaint.address}
        dedupe_key = f"joined:{event.id}"
    else:
        dedupe_key = f"registered:{case.id}"
    if rating is not None and rating.case_id is None:
        rating.case_id = case.id
    _queue_confirmation(session, case, complaint, joined=taken.joined,
                        dedupe_key=dedupe_key, now=now, config=config)
    return Filed(case=case, joined=taken.joined, same_customer=taken.same_customer)


def submitted_case(session: Session, submission: str | None) -> Case | None:
    """The case this showing of the form opened, if it did."""
    external_id = submission_id(submission)
    if external_id is None:
        return None
    return session.scalars(select(Case).where(Case.external_id == external_id)).first()


def _subject(session: Session, complaint: Complaint, rating: Rating | None) -> int | None:
    """Whom a complaint is about: the staff member of the touchpoint it was
    made at (or of the rating it came from); nobody for other kinds."""
    if complaint.kind != "complaint":
        return None
    if complaint.subject_staff_id is not None:
        return complaint.subject_staff_id
    if rating is not None and rating.staff_id is not None:
        return rating.staff_id
    touchpoint = session.get(Touchpoint, complaint.touchpoint_id) if complaint.touchpoint_id is not None else None
    return touchpoint.staff_id if touchpoint is not None else None


def tracking_url(config: Mapping, case: Case) -> str:
    return f"{config['PUBLIC_URL'].rstrip('/')}/track/{case.tracking_token}"


def _queue_confirmation(session: Session, case: Case, complaint: Complaint, *, joined: bool,
                        dedupe_key: str, now: datetime, config: Mapping) -> None:
    """The reference and the private link, sent to the contact the customer
    gave: when joining, only the contact's owner learns which case it is."""
    if complaint.phone:
        transport, to = "sms", complaint.phone
    else:
        transport, to = "email", complaint.email
    enqueue(session, transport=transport, to=to, notice="case_joined" if joined else "case_received",
            params={"reference": case.reference, "token": case.tracking_token}, locale=complaint.locale,
            purpose="confirmation", case_id=case.id, now=now, dedupe_key=dedupe_key)


def case_for_tracking(session: Session, reference: str, contact: str, region: str) -> Case | None:
    """The case when the reference and the phone number or e-mail address
    belong together; None otherwise (the caller must not say which one was
    wrong)."""
    case = case_by_reference(session, reference or "")
    if case is None or not contact or not contact.strip():
        return None
    try:
        if "@" in contact:
            return case if case.contact_email and case.contact_email.lower() == clean_email(contact) else None
        return case if case.contact_phone and case.contact_phone == clean_phone(contact, region) else None
    except ComplaintRejected:
        return None


def public_timeline(case: Case) -> list:
    """The entries meant for the customer, oldest first: never internal notes."""
    return [event for event in case.events if event.public]


def add_information(session: Session, case: Case, body: str, now: datetime):
    """The customer adds to their case from the tracking page."""
    text = (body or "").strip()
    if not text:
        raise ComplaintRejected("message_required", _l("Please write your message."))
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ComplaintRejected("message_too_long", _l(
            "Please keep the message under %(max)s characters.", max=DESCRIPTION_MAX_LENGTH))
    return add_customer_message(session, case, now, text, "web")


class UnitChoice(NamedTuple):
    id: int
    name: str
    group: str | None  # the branch or service hall it belongs to


def unit_choices(session: Session, include: int | None = None) -> list[UnitChoice]:
    """Units a customer can pick: not the whole company, not single counters
    (the QR code already names the counter), plus the one preselected."""
    choices = list(cached(session, "units", _customer_units))
    if include is not None and all(choice.id != include for choice in choices):
        unit = session.get(Unit, include)
        if unit is not None:
            name = f"{unit.parent.name} · {unit.name}" if unit.parent is not None else unit.name
            choices.insert(0, UnitChoice(unit.id, name, None))
    return choices


def _customer_units(session: Session) -> tuple[UnitChoice, ...]:
    """Grouped under the branch or service hall each belongs to (the highest
    unit below the company), that unit first, so a customer finds an outlet
    beside its neighbours; read once per process until a unit changes
    (routing.services.cache_stamps)."""
    active = {row.id: row for row in session.execute(
        select(Unit.id, Unit.name, Unit.parent_id, Unit.level).where(Unit.active.is_(True)))}

    def top(row):
        seen = {row.id}  # a cycle in bad data must not hang the form
        while row.parent_id in active and active[row.parent_id].level != "company" and row.parent_id not in seen:
            row = active[row.parent_id]
            seen.add(row.id)
        return row

    offered = [(top(row), row) for row in active.values() if row.level not in ("company", "counter")]
    offered.sort(key=lambda pair: (pair[0].name, pair[0].id, pair[1].id != pair[0].id, pair[1].name))
    return tuple(UnitChoice(row.id, row.name, group.name) for group, row in offered)

"""Complaints from the web form and the QR pages, and following a case.

A customer's second contact about an open matter joins their open case
(one-call service, RULES 1) instead of starting a new one. Services take a
session and do not commit.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.models import Touchpoint
from intake.phone import InvalidPhone, normalize_phone
from routing.errors import RoutingError
from routing.models import Case, Rating, Unit
from routing.services.cases import NewCase, case_by_reference, open_case, open_case_for_contact
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


def file_complaint(session: Session, complaint: Complaint, *, now: datetime, config: Mapping,
                   rating: Rating | None = None) -> Filed:
    """Register the complaint, or add it to the customer's open case, link
    the rating it came from, and queue a confirmation in their language."""
    complaint = _validated(complaint, config.get("DEFAULT_REGION", "CN"))
    if complaint.unit_id is not None and session.get(Unit, complaint.unit_id) is None:
        raise ComplaintRejected("invalid_unit", _l("Please choose one of the options offered."))
    # An emergency is a matter of its own, dispatched at once: it never waits inside another case.
    case = None if complaint.emergency else \
        (open_case_for_contact(session, phone=complaint.phone) if complaint.phone else None) or \
        (open_case_for_contact(session, email=complaint.email) if complaint.email else None)
    if case is not None:
        event = add_customer_message(session, case, now, complaint.description, complaint.channel)
        # Nothing the customer said is lost, though the case keeps its own fields.
        event.data = {**(event.data or {}), "kind": complaint.kind, "category": complaint.category,
                      "unit_id": complaint.unit_id, "touchpoint_id": complaint.touchpoint_id,
                      "preferred_callback": complaint.preferred_callback, "callback_slot": complaint.callback_slot,
                      "address": complaint.address}
        session.flush()
        dedupe_key = f"joined:{event.id}"
    else:
        case = open_case(session, NewCase(
            subject_staff_id=_subject(session, complaint, rating), channel=complaint.channel, description=complaint.description, kind=complaint.kind,
            category=complaint.category, unit_id=complaint.unit_id, touchpoint_id=complaint.touchpoint_id,
            contact_name=complaint.name, contact_phone=complaint.phone, contact_email=complaint.email,
            contact_address=complaint.address, severity="emergency" if complaint.emergency else "normal",
            preferred_callback=complaint.preferred_callback, callback_slot=complaint.callback_slot, consent=True,
            locale=complaint.locale,
        ), now)
        dedupe_key = f"registered:{case.id}"
    if rating is not None and rating.case_id is None:
        rating.case_id = case.id
    _queue_confirmation(session, case, complaint, joined=dedupe_key.startswith("joined"),
                        dedupe_key=dedupe_key, now=now, config=config)
    return Filed(case=case, joined=dedupe_key.startswith("joined"))


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
    params = {"reference": case.reference, "url": tracking_url(config, case)}
    with force_locale(complaint.locale):
        if joined:
            body = gettext("We added your message to your open case %(reference)s. Follow it here: %(url)s", **params)
        else:
            body = gettext("We have registered your case %(reference)s. Follow it here: %(url)s", **params)
        subject = gettext("Your case %(reference)s", reference=case.reference)
    if complaint.phone:
        transport, to = "sms", complaint.phone
    else:
        transport, to = "email", complaint.email
    enqueue(session, transport=transport, to=to, body=body, subject=subject if transport == "email" else None,
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


def unit_choices(session: Session, include: int | None = None) -> list[tuple[int, str]]:
    """Units a customer can pick: not the whole company, not single counters
    (the QR code already names the counter), plus the one preselected."""
    units = session.scalars(
        select(Unit).where(Unit.active.is_(True), Unit.level.not_in(("company", "counter"))).order_by(Unit.name)
    ).all()
    choices = [(unit.id, unit.name) for unit in units]
    if include is not None and all(unit_id != include for unit_id, _ in choices):
        unit = session.get(Unit, include)
        if unit is not None:
            name = f"{unit.parent.name} · {unit.name}" if unit.parent is not None else unit.name
            choices.insert(0, (unit.id, name))
    return choices

"""Queueing outbound messages, and sending again one that was given up.
Sending is the outbox dispatcher's job (routing.dispatch)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import Conflict
from routing.foundation.db import insert_new
from routing.labels import OUTBOX_STATUS_LABELS
from routing.models import Contact, OutboundMessage
from routing.rules.notices import checked_params

# Not delivered, for good: failed after every attempt, refused by the
# provider, or reported undelivered. Listed for administrators to send again.
GIVEN_UP = ("failed", "undelivered")


def contact_for(session: Session, address: str, create: bool = True) -> Contact | None:
    contact = session.scalars(select(Contact).where(Contact.address == address)).first()
    if contact is None and create:
        contact = Contact(address=address)
        session.add(contact)
        session.flush()
    return contact


def is_opted_out(session: Session, address: str) -> bool:
    contact = contact_for(session, address, create=False)
    return bool(contact and contact.opted_out_at)


def enqueue(
    session: Session,
    *,
    transport: str,
    to: str,
    purpose: str,
    now: datetime,
    notice: str | None = None,
    params: dict | None = None,
    locale: str | None = None,
    body: str | None = None,
    subject: str | None = None,
    case_id: int | None = None,
    staff_id: int | None = None,
    delay: timedelta = timedelta(0),
    dedupe_key: str | None = None,
) -> OutboundMessage | None:
    """Queue a message in the caller's transaction: a notice of the registry
    (routing.rules.notices) with its parameters and the recipient's language,
    rendered by the sender at send time; or, for what is no notice (an
    administrator's test), a free `body`. Returns None when the same dedupe
    key is already queued (a message is sent once); a message with a key is
    written at once, one without is added to the session."""
    if (notice is None) == (body is None):
        raise ValueError("a message is either a notice or a free body")
    if notice is not None:
        params = checked_params(notice, params)
    fields = {
        "transport": transport, "to": to, "body": body, "notice": notice, "params": params, "locale": locale,
        "subject": subject, "purpose": purpose, "case_id": case_id, "staff_id": staff_id,
        "dedupe_key": dedupe_key, "status": "pending", "attempts": 0, "not_before": now + delay,
        "created_at": now,
    }
    if dedupe_key:
        # The key's unique index refuses the same message, even one queued by a
        # transaction still open: a look-up first would miss that one, and the
        # insert would then fail and end the caller's whole transaction.
        return session.scalars(insert_new(session, OutboundMessage, ["dedupe_key"]).values(fields)
                               .returning(OutboundMessage)).first()
    message = OutboundMessage(**fields)
    session.add(message)
    return message


def retry(session: Session, message: OutboundMessage, now: datetime) -> None:
    """An administrator sends a given-up message again: due now, with a
    fresh set of attempts. Its mark as possibly doubled stays."""
    if message.status not in GIVEN_UP:
        raise Conflict("not_given_up", gettext(
            "Only a message that was not delivered can be sent again; this one is: %(status)s.",
            status=OUTBOX_STATUS_LABELS.get(message.status, message.status)))
    message.status, message.not_before, message.attempts = "pending", now, 0
    message.lease_owner = message.lease_until = None

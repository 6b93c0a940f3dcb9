"""What becomes of one claimed outbox message: sent, refused, retried later,
or, when its request may have reached the provider without an answer, in
doubt until the provider is asked. Run by the outbox dispatcher, never in a
web request.

At most once: a message is sent again only when the provider said it did
not accept it, or says it has no such message; when it cannot say (a sender
that cannot be asked, or asking failed every time), it is sent again and
marked as possibly doubled.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Contact, OutboundMessage
from routing.rules.notices import notice
from routing.services.notice_templates import template_code
from routing.services.outbox import contact_for
from routing.services.outbox_leases import Claim, finish

log = logging.getLogger("feedback.outbox")

# Delivery statuses only move forward: a late "sent" callback never
# overwrites "delivered".
STATUS_ORDER = {"held": 0, "pending": 0, "sending": 1, "unconfirmed": 1, "sent": 2, "queued": 2, "accepted": 2,
                "undelivered": 3, "failed": 3, "delivered": 4, "read": 5}

# How far before our own record of a request the provider's clock may put it.
CLOCK_SLACK = timedelta(minutes=5)


class DeliveryError(Exception):
    """A send or a lookup that did not work. `retryable`: worth trying again
    later; `opted_out`: the recipient unsubscribed at the provider;
    `in_doubt`: the request may have reached the provider (a timeout or a
    dropped connection after it was sent, a server error)."""

    def __init__(self, message: str, *, retryable: bool, opted_out: bool = False, in_doubt: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.opted_out = opted_out
        self.in_doubt = in_doubt


@dataclass(frozen=True)
class ProviderRecord:
    """A message as the provider has it."""

    provider_id: str
    status: str


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> str | None:
        """Send one message; return the provider's id. Raise DeliveryError."""


@runtime_checkable
class TemplateSender(Protocol):
    """A domestic SMS provider: it sends only templates approved for the
    account, by code (routing.notice_templates), never free text."""

    provider: str  # aliyun, tencent: the key of the template codes

    def send_template(self, message: OutboundMessage, code: str) -> str | None:
        """Send one notice with the template `code`; return the provider's
        id. Raise DeliveryError."""


@runtime_checkable
class CheckingSender(Protocol):
    """A sender whose provider can be asked what it accepted."""

    def send(self, message: OutboundMessage) -> str | None: ...

    def lookup(self, message: OutboundMessage, since: datetime) -> list[ProviderRecord]:
        """The provider's messages that match this one (recipient, sender,
        text) and were made after `since`, newest first. Raise
        DeliveryError when the provider cannot be asked now."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Settings:
    worker: str
    max_attempts: int = 6


def opted_out(session: Session, message: OutboundMessage) -> bool:
    # Staff notifications are not marketing: only customer messages honour
    # STOP; and the confirmation of a STOP itself is sent.
    if message.staff_id is not None or (message.notice and notice(message.notice).to_opted_out):
        return False
    contact = session.scalars(select(Contact).where(Contact.address == message.to)).first()
    return bool(contact and contact.opted_out_at)


def cancel(session: Session, message: OutboundMessage, settings: Settings) -> str:
    return _record(session, message, settings, "cancelled", status="cancelled")


def send(session: Session, sender: Sender, claim: Claim, now: datetime, settings: Settings) -> str:
    """Send a claimed message (its claim committed) and record the outcome;
    returns the outcome's name for the report."""
    message = claim.message
    try:
        if isinstance(sender, TemplateSender):
            if message.notice is None:
                return _record(session, message, settings, "failed", status="failed", last_error=(
                    f"{sender.provider} sends only approved templates, and this message is free text"))
            code = template_code(session, sender.provider, message.notice)
            if code is None:
                return _held(session, message, settings, sender.provider)
            provider_id = sender.send_template(message, code)
        else:
            provider_id = sender.send(message)
    except DeliveryError as error:
        return _refused(session, message, error, now, settings)
    return _record(session, message, settings, "sent", status="sent", provider_id=provider_id, sent_at=now,
                   last_error=None)


def _held(session: Session, message: OutboundMessage, settings: Settings, provider: str) -> str:
    """No approved template for the notice: kept, not sent and not given up,
    until an administrator gives the template's code (the notices page);
    the provider was not asked, so it was no attempt."""
    return _record(session, message, settings, "held", status="held", attempts=max(0, message.attempts - 1),
                   last_error=f"no {provider} template for the notice {message.notice}: "
                              f"give its code on the notices page")


def _refused(session: Session, message: OutboundMessage, error: DeliveryError, now: datetime,
             settings: Settings) -> str:
    last_error = str(error)[:300]
    if error.in_doubt:  # ask the provider before anything else, after a pause
        return _record(session, message, settings, "unconfirmed", status="unconfirmed",
                       lease_until=now + backoff(message.attempts), last_error=last_error)
    if error.opted_out:
        contact_for(session, message.to).opted_out_at = now
        return _record(session, message, settings, "cancelled", status="cancelled", last_error=last_error)
    if error.retryable and message.attempts < settings.max_attempts:
        return _record(session, message, settings, "retried", status="pending",
                       not_before=now + backoff(message.attempts), last_error=last_error)
    return _record(session, message, settings, "failed", status="failed", last_error=last_error)


def resolve(session: Session, sender: Sender, claim: Claim, now: datetime, settings: Settings) -> str:
    """A message in doubt (its claim committed): ask the provider. Found:
    it was sent. Not there: queued again. The provider cannot say: queued
    again and marked as possibly doubled. Asking failed: asked again later,
    as often as a send would be tried."""
    message = claim.message
    if not isinstance(sender, CheckingSender):
        return _requeue(session, message, settings, doubled=True,
                        reason="the provider cannot be asked whether an earlier request reached it")
    since = (message.attempted_at or message.created_at) - CLOCK_SLACK
    try:
        records = sender.lookup(message, since)
    except DeliveryError as error:
        if message.attempts < settings.max_attempts:
            return _record(session, message, settings, "unconfirmed", status="unconfirmed",
                           attempts=message.attempts + 1, lease_until=now + backoff(message.attempts),
                           last_error=str(error)[:300])
        return _requeue(session, message, settings, doubled=True,
                        reason=f"the provider could not be asked: {error}")
    found = _unclaimed(session, records)
    if found is None:
        return _requeue(session, message, settings, doubled=False, reason=None)
    # Handed on, as a send that was answered would say; or further along (delivered, failed...).
    status = found.status if STATUS_ORDER.get(found.status, 0) > STATUS_ORDER["sent"] else "sent"
    return _record(session, message, settings, "confirmed", status=status, provider_id=found.provider_id,
                   sent_at=now, last_error=None)


def _unclaimed(session: Session, records: list[ProviderRecord]) -> ProviderRecord | None:
    """The newest record that no other outbox message is known by: two
    messages of the same text to the same person are two sends."""
    ids = [record.provider_id for record in records]
    taken = set(session.scalars(select(OutboundMessage.provider_id).where(OutboundMessage.provider_id.in_(ids))))
    return next((record for record in records if record.provider_id not in taken), None)


def _requeue(session: Session, message: OutboundMessage, settings: Settings, *, doubled: bool,
             reason: str | None) -> str:
    values = {"status": "pending", "not_before": message.not_before}
    if doubled:
        values.update(possibly_doubled=True, last_error=reason[:300])
    return _record(session, message, settings, "possibly_doubled" if doubled else "resent", **values)


def _record(session: Session, message: OutboundMessage, settings: Settings, outcome: str, **values) -> str:
    """Record an outcome and end the claim; "lease_lost" when the claim had
    run out and another worker had taken the message over meanwhile."""
    if finish(session, message, settings.worker, **values):
        return outcome
    log.warning("outbox: message %s was taken over before its outcome (%s) was recorded", message.id, outcome)
    return "lease_lost"


def record_status(session: Session, provider_id: str, status: str, error: str | None = None) -> bool:
    """Apply a provider's delivery callback; never move a status backwards."""
    message = session.scalars(
        select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)
    ).first()
    if message is None or status not in STATUS_ORDER:
        return False
    if STATUS_ORDER[status] > STATUS_ORDER.get(message.status, 0):
        message.status = status
        if error:
            message.last_error = error[:300]
        return True
    return False

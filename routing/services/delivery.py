"""Sending the outbox: claim due messages, hand them to the sender for their
transport, record the outcome. Run by the tick, never in a web request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Contact, OutboundMessage
from routing.services.outbox import contact_for

# Delivery statuses only move forward: a late "sent" callback never
# overwrites "delivered".
STATUS_ORDER = {"pending": 0, "sending": 1, "sent": 2, "queued": 2, "accepted": 2,
                "undelivered": 3, "failed": 3, "delivered": 4, "read": 5}


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool, opted_out: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.opted_out = opted_out


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> str | None:
        """Send one message; return the provider's id. Raise DeliveryError."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def claim_due(session: Session, now: datetime, limit: int) -> list[OutboundMessage]:
    query = (
        select(OutboundMessage)
        .where(OutboundMessage.status == "pending", OutboundMessage.not_before <= now)
        .order_by(OutboundMessage.not_before, OutboundMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def send_due(session: Session, senders: dict[str, Sender], now: datetime,
             limit: int = 100, max_attempts: int = 6) -> DeliveryReport:
    """Send what is due. Each message is marked "sending" and committed before
    the provider is called, so a crash mid-send can never send it twice; a
    message left in "sending" is reported, not resent blindly."""
    report = DeliveryReport()
    messages = claim_due(session, now, limit)
    for message in messages:
        message.status = "sending"
        message.attempts += 1
    session.commit()
    for message in messages:
        _deliver(session, senders, message, now, max_attempts, report)
        session.commit()
    return report


def _deliver(session, senders, message, now, max_attempts, report) -> None:
    if _opted_out(session, message):
        message.status = "cancelled"
        report.cancelled += 1
        return
    try:
        message.provider_id = senders[message.transport].send(message)
    except DeliveryError as error:
        message.last_error = str(error)[:300]
        if error.opted_out:
            contact_for(session, message.to).opted_out_at = now
            message.status = "cancelled"
            report.cancelled += 1
        elif error.retryable and message.attempts < max_attempts:
            message.status = "pending"
            message.not_before = now + backoff(message.attempts)
            report.retried += 1
        else:
            message.status = "failed"
            report.failed += 1
        return
    message.status = "sent"
    message.sent_at = now
    report.sent += 1


def _opted_out(session: Session, message: OutboundMessage) -> bool:
    # Staff notifications are not marketing: only customer messages honour STOP.
    if message.staff_id is not None:
        return False
    contact = session.scalars(select(Contact).where(Contact.address == message.to)).first()
    return bool(contact and contact.opted_out_at)


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

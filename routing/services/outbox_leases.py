"""Claiming outbox messages one at a time under a lease, and letting go.

A claim is a short transaction of its own, committed before the provider is
called: who holds the message (`lease_owner`) and until when
(`lease_until`). A holder that dies leaves its lease to expire; the next
claimer then takes the message as in doubt (its request may have reached the
provider) and asks the provider before anything is sent again.
"""
from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from routing.models import OutboundMessage

# Held by someone, or waiting to be asked about: both end when lease_until passes.
IN_DOUBT = ("sending", "unconfirmed")


def worker_name() -> str:
    """Who holds a lease: host, process and a few random characters (a
    process id is reused after a restart)."""
    return f"{socket.gethostname()[:70]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claim:
    message: OutboundMessage
    in_doubt: bool  # an earlier request may have reached the provider


def _first(session: Session, query):
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # other claimers take the next one
    return session.scalars(query.limit(1)).first()


def claim_next(session: Session, *, worker: str, now: datetime, due_at: datetime, lease: timedelta) -> Claim | None:
    """Claim one message, in doubt ones first (their lease or their wait has
    ended), then the next pending one due by `due_at`. A pending message is
    marked as sent from now (`attempted_at`, one more attempt): from here a
    crash leaves it in doubt."""
    message = _first(session, select(OutboundMessage).where(
        OutboundMessage.status.in_(IN_DOUBT), OutboundMessage.lease_until <= now,
    ).order_by(OutboundMessage.lease_until, OutboundMessage.id))
    in_doubt = message is not None
    if message is None:
        message = _first(session, select(OutboundMessage).where(
            OutboundMessage.status == "pending", OutboundMessage.not_before <= due_at,
        ).order_by(OutboundMessage.not_before, OutboundMessage.id))
    if message is None:
        return None
    message.lease_owner, message.lease_until = worker, now + lease
    if in_doubt:
        message.status = "unconfirmed"
    else:
        message.status, message.attempted_at = "sending", now
        message.attempts += 1
    session.flush()
    return Claim(message, in_doubt)


def finish(session: Session, message: OutboundMessage, worker: str, **values) -> bool:
    """Record what became of a claimed message and end the lease, unless the
    lease was lost (it expired and someone else took the message): False then."""
    values = {"lease_owner": None, "lease_until": None, **values}
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message.id, OutboundMessage.lease_owner == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    for name, value in values.items():  # the object agrees, with nothing left to flush
        set_committed_value(message, name, value)
    return True


def hand_back(session: Session, worker: str, now: datetime) -> int:
    """Let go of everything `worker` still holds, as in doubt to be asked
    about at once: a stopping worker leaves nothing claimed."""
    return session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.lease_owner == worker)
        .values(status="unconfirmed", lease_owner=None, lease_until=now)
    ).rowcount


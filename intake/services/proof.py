"""Proof that whoever fills in the public form holds the phone of an open
case (issue: anyone who knows a number could write into its owner's case).

A contact on the public form joins the open case of its matter only with
proof: the case's private tracking link (its page has its own composer), or
a one-time code sent by SMS to the phone typed in. Without proof it opens
its own case, which staff see as possibly the same customer
(routing.services.cases.open_or_join).

The code: six digits, valid for CODE_VALID; each code takes MAX_ATTEMPTS
guesses, counted in the database whatever the outcome, and a phone gets at
most CODES_PER_HOUR codes, so an hour allows at most
MAX_ATTEMPTS x CODES_PER_HOUR guesses at a million values. Only an HMAC of
the code is stored. Services take a session and do not commit; the caller
commits a failed guess too (it counts).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from intake.models import JoinCode
from intake.services.complaints import ComplaintRejected
from routing.services.outbox import enqueue

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
# How long a browser that proved a phone may add to its case without a new code.
PROOF_LASTS = timedelta(minutes=30)


def _digest(config: Mapping, phone: str, code: str) -> str:
    key = str(config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def send_join_code(session: Session, phone: str, *, now: datetime, config: Mapping, locale: str) -> None:
    """Queue a new code to `phone`, whether or not it has an open case (the
    answer must not tell a stranger). Refused past CODES_PER_HOUR."""
    recent = session.scalar(select(func.count(JoinCode.id)).where(
        JoinCode.phone == phone, JoinCode.created_at > now - timedelta(hours=1)))
    if recent >= CODES_PER_HOUR:
        raise ComplaintRejected("too_many_codes", _l(
            "We have sent several codes to this number in the last hour. Please use the link in our SMS, "
            "or send your message as a new case."))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = JoinCode(phone=phone, code_hash=_digest(config, phone, code), created_at=now,
                   expires_at=now + CODE_VALID, attempts=0)
    session.add(row)
    session.flush()
    enqueue(session, transport="sms", to=phone, notice="join_code", locale=locale, purpose="join_code", now=now,
            params={"code": code, "minutes": int(CODE_VALID.total_seconds() // 60)},
            dedupe_key=f"join_code:{row.id}")


def check_join_code(session: Session, phone: str, code: str, *, now: datetime, config: Mapping) -> bool:
    """Is `code` the latest live code sent to `phone`? Each call spends one of
    the code's attempts first (a conditional update, so parallel guesses
    cannot share one); a right code is spent too."""
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    latest = session.scalars(
        select(JoinCode).where(JoinCode.phone == phone, JoinCode.used_at.is_(None), JoinCode.expires_at > now)
        .order_by(JoinCode.created_at.desc(), JoinCode.id.desc()).limit(1)).first()
    if latest is None:
        return False
    spent = session.execute(
        update(JoinCode).where(JoinCode.id == latest.id, JoinCode.attempts < MAX_ATTEMPTS, JoinCode.used_at.is_(None))
        .values(attempts=JoinCode.attempts + 1).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        return False
    if not (len(code) == CODE_DIGITS and code.isdigit()
            and hmac.compare_digest(latest.code_hash, _digest(config, phone, code))):
        return False
    session.execute(update(JoinCode).where(JoinCode.id == latest.id)
                    .values(used_at=now, verified_at=now).execution_options(synchronize_session=False))
    return True

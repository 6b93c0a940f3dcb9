"""The inbound spool: Twilio's webhooks (and the domestic providers'
callbacks, in the same fields) that could not reach the database, kept on
local disk until it is back.

A webhook is checked (signature, fields, phone number) before it is kept, so
the spool holds only genuine requests; each is one JSON file, written to a
temporary name, flushed to disk and then renamed, so a crash leaves a whole
file or none. The tick replays the files in the order received, each in a
transaction of its own, and removes a file once its transaction is
committed; a file replayed twice (a crash between the two) is recorded once,
because inbound messages are idempotent on the MessageSid and status
callbacks only move a status forward.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from intake.phone import normalize_phone
from intake.sms.inbound import handle_inbound, queue_reply
from routing.foundation.db import is_outage
from routing.services.delivery import record_status

log = logging.getLogger("feedback.spool")

KINDS = ("inbound", "status")
# Files replayed per tick; the rest wait for the next one.
BATCH = 500


class Spool:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.held = self.path / "held"  # files that fail for another reason than an outage, kept for a person

    def keep(self, kind: str, fields: dict[str, str], received_at: datetime) -> Path:
        """Write one webhook durably; raises OSError when the disk refuses."""
        if kind not in KINDS:
            raise ValueError(kind)
        self.path.mkdir(parents=True, exist_ok=True)
        entry = {"kind": kind, "received_at": received_at.isoformat(), "fields": fields}
        name = f"{received_at:%Y%m%dT%H%M%S%f}-{kind}-{secrets.token_hex(4)}.json"
        descriptor, temporary = tempfile.mkstemp(dir=self.path, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(entry, file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _sync_folder(self.path)
        return self.path / name

    def waiting(self) -> list[Path]:
        """Kept files, oldest first (names begin with the time received)."""
        return sorted(self.path.glob("*.json")) if self.path.is_dir() else []

    def hold(self, path: Path) -> None:
        self.held.mkdir(exist_ok=True)
        os.replace(path, self.held / path.name)


def _sync_folder(path: Path) -> None:
    """The rename itself is on disk only once the folder is."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def apply_status(session: Session, fields: dict[str, str]) -> None:
    """A delivery receipt in the spool's provider-neutral fields (Twilio's
    names), taken by the webhooks and by the replay alike."""
    code, detail = fields.get("ErrorCode"), fields.get("ErrorMessage")
    error = f"{code}: {detail or ''}".strip() if code else None
    status = fields["MessageStatus"].lower()
    if not record_status(session, fields["MessageSid"], status, error) and fields.get("AltSid"):
        # A message confirmed by asking Aliyun is known by its OutId, not by the BizId.
        record_status(session, fields["AltSid"], status, error)


def replay(session: Session, entry: dict, now: datetime, config) -> None:
    """Apply one kept webhook as the view would have, at the time it was
    received. An inbound SMS's reply, which the webhook's answer could not
    carry, goes out through the outbox (once: the MessageSid is its key)."""
    fields, received_at = entry["fields"], datetime.fromisoformat(entry["received_at"])
    if entry["kind"] == "status":
        apply_status(session, fields)
        return
    result = handle_inbound(session, message_sid=fields["MessageSid"], from_phone=fields["From"],
                            body=fields.get("Body", ""), now=received_at, config=config)
    queue_reply(session, result, normalize_phone(fields["From"], config["DEFAULT_REGION"]), fields["MessageSid"], now)


def spool_job(app: Flask):
    """The tick's job: replay what the spool holds while the database answers."""
    spool = Spool(app.config["SPOOL_PATH"])

    def replay_spool(session: Session, now: datetime) -> dict:
        replayed = held = 0
        for path in spool.waiting()[:BATCH]:
            try:
                with app.app_context():  # replies are rendered in the customer's language
                    replay(session, json.loads(path.read_text(encoding="utf-8")), now, app.config)
                session.commit()
            except Exception as error:
                session.rollback()
                if is_outage(error):
                    raise  # still down: the rest waits for the next tick
                log.exception("spooled webhook %s could not be replayed; moved to %s", path.name, spool.held)
                spool.hold(path)
                held += 1
                continue
            path.unlink()
            replayed += 1
        return {"replayed": replayed, "held": held, "waiting": len(spool.waiting())}

    return replay_spool

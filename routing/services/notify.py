"""Telling staff: an in-app notification, and for what cannot wait (an
escalation) an SMS or e-mail through the outbox, in the staff member's language.

Notifications store a kind and its parameters, not text: the text is made
when someone reads it, in the reader's language.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from routing.models import Case, Notification, Staff
from routing.rules.notices import NOTICES, STAFF
from routing.rules.notices import notice as notice_of
from routing.services.outbox import enqueue

TARGET_NAMES = {
    "acknowledge": _l("acknowledgement"),
    "first_response": _l("first response"),
    "arrival": _l("arrival on site"),
    "resolution": _l("resolution"),
    "closure": _l("closure"),
}
LEVEL_NAMES = {
    "handler": _l("handler"), "supervisor": _l("supervisor"), "manager": _l("manager"),
    "deputy_gm": _l("deputy general manager"), "gm": _l("general manager"),
}
# What is only shown in the app. A notice that also goes out by SMS or
# e-mail (an escalation, an alert) is one of the registry, its text there.
IN_APP_TEXTS = {
    "warning": _l("Case %(reference)s: most of the %(target)s time limit has passed."),
    "overdue": _l("Case %(reference)s missed its %(target)s time limit by %(minutes)s minutes "
                  "and was escalated."),
    "assigned": _l("Case %(reference)s was transferred to you. Reason: %(reason)s"),
    "transferred": _l("Case %(reference)s, which you first received, was transferred. Reason: %(reason)s"),
    "resolved": _l("Case %(reference)s, which you first received, was resolved."),
    "closed": _l("Case %(reference)s, which you first received, was closed."),
    "reopened": _l("The customer did not accept the outcome of case %(reference)s: "
                   "it was reopened as %(new_reference)s."),
    "callback_due": _l("The callback for case %(reference)s is due now."),
    "callback_missed": _l("The callback for case %(reference)s was not made in its window."),
}
TEXTS = {**{key: _l(item.text) for key, item in NOTICES.items() if item.audience == STAFF}, **IN_APP_TEXTS}


def in_words(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters that are codes (a time limit, a level of the ladder), in
    words of the current language."""
    values = dict(params)
    if "target" in values:
        values["target"] = str(TARGET_NAMES.get(values["target"], values["target"]))
    if "level" in values:
        values["level"] = str(LEVEL_NAMES.get(values["level"], values["level"]))
    return values


def notification_text(kind: str, data: dict[str, Any] | None) -> str:
    """The text of a notification in the current language."""
    template = TEXTS.get(kind)
    if template is None:
        return kind
    return str(template) % in_words(data or {})


def notify(session: Session, staff: Staff, kind: str, now: datetime, *, case: Case | None = None,
           data: dict[str, Any] | None = None, send: bool = False, purpose: str = "staff_notice",
           dedupe_key: str | None = None) -> Notification:
    """An in-app notification; with send=True also an SMS (or an e-mail when
    the staff member has no phone) queued in this transaction."""
    data = {**({"reference": case.reference} if case is not None else {}), **(data or {})}
    notice = Notification(staff_id=staff.id, case_id=case.id if case else None, kind=kind, data=data,
                          created_at=now)
    session.add(notice)
    if send and (staff.phone or staff.email):  # a notice of the registry, rendered when sent
        enqueue(session, transport="sms" if staff.phone else "email", to=staff.phone or staff.email,
                notice=kind, params={name: data[name] for name in notice_of(kind).params}, locale=staff.locale,
                purpose=purpose, now=now, case_id=case.id if case else None, staff_id=staff.id,
                dedupe_key=dedupe_key)
    return notice


def notify_each(session: Session, people: list[Staff | None], kind: str, now: datetime, *,
                case: Case | None = None, data: dict[str, Any] | None = None,
                skip: Staff | None | tuple[Staff | None, ...] = None) -> list[Notification]:
    """In-app notifications to each distinct person, leaving out `skip` (who
    did it, or who was told otherwise)."""
    seen = {s.id for s in (skip if isinstance(skip, tuple) else (skip,)) if s is not None}
    notices = []
    for person in people:
        if person is not None and person.id not in seen and person.active:
            seen.add(person.id)
            notices.append(notify(session, person, kind, now, case=case, data=data))
    return notices


def notifications_for(session: Session, staff: Staff, *, unread_only: bool = False,
                      limit: int = 50) -> list[Notification]:
    query = select(Notification).where(Notification.staff_id == staff.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(session: Session, staff: Staff) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.staff_id == staff.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, staff: Staff, now: datetime, ids: list[int] | None = None) -> int:
    """Mark the staff member's notifications read (all, or those in `ids`)."""
    query = update(Notification).where(Notification.staff_id == staff.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return session.execute(query.values(read_at=now)).rowcount

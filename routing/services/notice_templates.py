"""The codes of the templates approved for the notices at each domestic SMS
provider, kept by an administrator, and the messages held for want of one.
Services take a session and never commit."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from routing.errors import RoutingError
from routing.models import NoticeTemplate, OutboundMessage, Staff
from routing.rules.notices import NOTICES, UnknownNotice, notice

# The providers that send only approved templates.
PROVIDERS = ("aliyun", "tencent")
# Aliyun's codes look like SMS_123456789, Tencent's are digits.
CODE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def template_code(session: Session, provider: str, key: str) -> str | None:
    return session.scalars(select(NoticeTemplate.code).where(
        NoticeTemplate.provider == provider, NoticeTemplate.notice == key)).first()


def codes(session: Session) -> dict[tuple[str, str], str]:
    """(provider, notice) -> code, for every code given."""
    return {(t.provider, t.notice): t.code for t in session.scalars(select(NoticeTemplate))}


def missing(session: Session, provider: str) -> list[str]:
    """The notices that have no template at `provider`: sending one holds it."""
    given = {key for (p, key) in codes(session) if p == provider}
    return [key for key in NOTICES if key not in given]


def held_counts(session: Session) -> Counter:
    """Messages held for want of a template, per notice."""
    return Counter(dict(session.execute(
        select(OutboundMessage.notice, func.count()).where(OutboundMessage.status == "held")
        .group_by(OutboundMessage.notice)).all()))


def set_code(session: Session, provider: str, key: str, code: str, by: Staff, now: datetime) -> int:
    """Give (or, with an empty code, take away) a notice's template code at a
    provider. Messages held for want of it are queued again at once; returns
    how many."""
    if provider not in PROVIDERS:
        raise RoutingError("unknown_provider", gettext("Unknown SMS provider: %(provider)s.", provider=provider))
    try:
        notice(key)
    except UnknownNotice:
        raise RoutingError("unknown_notice", gettext("Unknown notice: %(notice)s.", notice=key)) from None
    code = (code or "").strip()
    existing = session.scalars(select(NoticeTemplate).where(
        NoticeTemplate.provider == provider, NoticeTemplate.notice == key)).first()
    if not code:
        if existing is not None:
            session.delete(existing)
        return 0
    if not CODE.match(code):
        raise RoutingError("invalid_template_code", gettext(
            "A template code is letters, digits, \"_\" and \"-\", at most 64 of them, as the provider shows it."))
    if existing is None:
        session.add(NoticeTemplate(provider=provider, notice=key, code=code, updated_at=now, updated_by_id=by.id))
    else:
        existing.code, existing.updated_at, existing.updated_by_id = code, now, by.id
    return release_held(session, key, now)


def release_held(session: Session, key: str, now: datetime) -> int:
    """The held messages of a notice, due again now."""
    return session.execute(
        update(OutboundMessage).where(OutboundMessage.status == "held", OutboundMessage.notice == key)
        .values(status="pending", not_before=now, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount

"""Touchpoints: a counter, or a staff member at a counter, and the token its
QR code carries. Services take a session and do not commit."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session, joinedload

from intake.models import Touchpoint
from intake.services.qr import poster_pdf, qr_png, qr_svg
from routing.errors import Conflict, NotFound, RoutingError
from routing.models import Staff, Unit

LABEL_MAX = 120
QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def new_token() -> str:
    """192 random bits: unguessable, and nothing about the counter or staff."""
    return secrets.token_urlsafe(24)


def create_touchpoint(session: Session, unit: Unit, label: str, staff: Staff | None = None, *,
                      now: datetime) -> Touchpoint:
    label = (label or "").strip()
    if not label:
        raise RoutingError("label_required", "a touchpoint needs a label, such as the counter's name")
    if len(label) > LABEL_MAX:
        raise RoutingError("label_too_long", f"a label has at most {LABEL_MAX} characters")
    if not unit.active:
        raise Conflict("unit_inactive", "the unit is inactive")
    if staff is not None and not staff.active:
        raise Conflict("staff_inactive", "the staff member's account is inactive")
    touchpoint = Touchpoint(unit=unit, staff=staff, label=label, token=new_token(), active=True, created_at=now)
    session.add(touchpoint)
    session.flush()
    return touchpoint


def rotate_touchpoint(session: Session, touchpoint: Touchpoint, now: datetime) -> Touchpoint:
    """A new token: the old QR code stops working (a poster was photographed
    and shared, or a code was taped over)."""
    if not touchpoint.active:
        raise Conflict("touchpoint_revoked", "a revoked touchpoint cannot be rotated")
    touchpoint.token = new_token()
    touchpoint.rotated_at = now
    session.flush()
    return touchpoint


def revoke_touchpoint(session: Session, touchpoint: Touchpoint, now: datetime) -> Touchpoint:
    """Retire the touchpoint for good; its ratings stay. Revoking twice is harmless."""
    if touchpoint.active:
        touchpoint.active = False
        touchpoint.revoked_at = now
        session.flush()
    return touchpoint


TOKEN_MAX = 64


def plausible_token(token: str | None) -> bool:
    """Worth looking up at all: no query for an empty or overlong token."""
    return bool(token) and len(token) <= TOKEN_MAX


def active_token(token) -> ColumnElement[bool]:
    """What a scanned code must be: the token of an active touchpoint (a
    rotated touchpoint has a new token, so its old one matches nothing). On
    the table's columns, so that Core statements can use it as it is."""
    columns = Touchpoint.__table__.c
    return and_(columns.token == token, columns.active.is_(True), columns.revoked_at.is_(None))


# Built once: the rating page runs it whenever it shows a counter's page.
_BY_TOKEN = (select(Touchpoint).where(active_token(bindparam("token")))
             .options(joinedload(Touchpoint.unit), joinedload(Touchpoint.staff)))


def touchpoint_by_token(session: Session, token: str | None) -> Touchpoint | None:
    """The active touchpoint a scanned code points to, or None (unknown,
    revoked or rotated away). Its unit and staff member come in the same
    query: the rating page shows both."""
    if not plausible_token(token):
        return None
    return session.scalars(_BY_TOKEN, {"token": token}).first()


def get_touchpoint(session: Session, touchpoint_id: int) -> Touchpoint:
    touchpoint = session.get(Touchpoint, touchpoint_id)
    if touchpoint is None:
        raise NotFound("touchpoint_not_found", "no such touchpoint")
    return touchpoint


def list_touchpoints(session: Session, unit_ids: list[int] | None = None,
                     include_revoked: bool = True) -> list[Touchpoint]:
    query = select(Touchpoint).options(joinedload(Touchpoint.unit), joinedload(Touchpoint.staff))
    if unit_ids is not None:
        query = query.where(Touchpoint.unit_id.in_(unit_ids))
    if not include_revoked:
        query = query.where(Touchpoint.active.is_(True))
    return list(session.scalars(query.order_by(Touchpoint.unit_id, Touchpoint.label, Touchpoint.id)))


def touchpoint_url(public_url: str, touchpoint: Touchpoint) -> str:
    return f"{public_url.rstrip('/')}/q/{touchpoint.token}"


@dataclass(frozen=True)
class QrFile:
    data: bytes
    mimetype: str
    filename: str


def poster_titles(touchpoint: Touchpoint) -> tuple[str, str]:
    """The poster's headline and second line. A counter unit is named after
    its outlet, which is what the customer knows; the counter goes below."""
    unit = touchpoint.unit
    place = unit.parent.name if unit.level == "counter" and unit.parent is not None else unit.name
    counter = touchpoint.label
    if touchpoint.staff is not None:
        counter = f"{counter} · {touchpoint.staff.display_name}"
    return place, counter


def touchpoint_qr(touchpoint: Touchpoint, public_url: str, fmt: str) -> QrFile:
    """The code as PNG or SVG, or the printable poster as PDF (the unit's name
    and instructions in Chinese and English)."""
    if fmt not in QR_FORMATS:
        raise RoutingError("invalid_format", f"format must be one of {', '.join(QR_FORMATS)}")
    if not touchpoint.active:  # a printed dead code would only disappoint customers
        raise Conflict("touchpoint_revoked", "a revoked touchpoint has no QR code")
    url = touchpoint_url(public_url, touchpoint)
    if fmt == "png":
        data = qr_png(url)
    elif fmt == "svg":
        data = qr_svg(url)
    else:
        data = poster_pdf(url, *poster_titles(touchpoint))
    return QrFile(data, QR_FORMATS[fmt], f"touchpoint-{touchpoint.id}.{fmt}")


def touchpoint_server(session: Session, touchpoint_id: int) -> tuple[str, Staff | None, Unit | None] | None:
    """The counter a case came from: its label, the staff member it rates
    and its unit (shown on the case page as "who served them"; routing asks
    through app.extensions["touchpoint_server"], knowing no touchpoints)."""
    touchpoint = session.get(Touchpoint, touchpoint_id)
    if touchpoint is None:
        return None
    return touchpoint.label, touchpoint.staff, touchpoint.unit

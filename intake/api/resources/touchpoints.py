"""Touchpoints and their QR codes and posters."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from intake.api.operations import File, operation
from intake.api.paging import Page, Paged, page
from intake.api.schemas import Answer, Body, Read, StaffRef, Text, UnitFilter, UnitRef
from intake.api.scope import find_staff, find_unit, get_visible, require_scope, unit_filter, within_scope
from intake.models import Touchpoint as TouchpointRecord
from intake.services.touchpoints import LABEL_MAX, QR_FORMATS, touchpoint_qr, touchpoint_url
from intake.services.touchpoints import create_touchpoint as create_touchpoint_record
from routing.web.downloads import content_disposition
from routing.web.glue import db_session, now


class Touchpoint(Answer):
    """A counter, or a staff member at a counter; its QR code opens url."""

    id: int
    unit_id: int
    staff_id: int | None
    label: str
    active: bool
    url: Annotated[str, Field(json_schema_extra={"format": "uri"}),
                   Read(lambda tp, reading: touchpoint_url(reading.public_url, tp))]
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


class NewTouchpoint(Body):
    unit: Annotated[UnitRef, Field(description="The unit, by id or code.")]
    label: Annotated[Text(LABEL_MAX), Field(description="What the poster says, e.g. Counter 3.")]
    staff: Annotated[StaffRef | None, Field(
        description="The staff member at this counter, by id or username.")] = None


class TouchpointFilter(Paged):
    unit: UnitFilter = None


NO_TOUCHPOINT = _l("There is no such touchpoint.")


def _visible_touchpoint(touchpoint_id: int) -> TouchpointRecord:
    return get_visible(TouchpointRecord, touchpoint_id, lambda tp: tp.unit_id, NO_TOUCHPOINT)


@operation("GET", "/touchpoints", summary="List the touchpoints the token may see", tag="touchpoints",
           responses={200: Page[Touchpoint]})
def list_touchpoints(query: TouchpointFilter):
    stmt = within_scope(select(TouchpointRecord), TouchpointRecord.unit_id)
    stmt = stmt.where(*unit_filter(db_session(), query.unit, TouchpointRecord.unit_id))
    return page(stmt, TouchpointRecord.id, query)


@operation("GET", "/touchpoints/<int:touchpoint_id>", summary="One touchpoint", tag="touchpoints",
           responses={200: Touchpoint})
def get_touchpoint(touchpoint_id):
    return _visible_touchpoint(touchpoint_id)


@operation("POST", "/touchpoints", summary="Create a touchpoint with a new QR token", tag="touchpoints",
           role="admin", responses={201: Touchpoint, 409: "The unit or the staff member is inactive."})
def create_touchpoint(body: NewTouchpoint):
    session = db_session()
    unit = find_unit(session, body.unit)
    require_scope(unit)
    staff = find_staff(session, body.staff) if body.staff is not None else None
    return create_touchpoint_record(session, unit, body.label, staff, now=now()), 201


def _qr_file(touchpoint_id: int, fmt: str) -> Response:
    qr = touchpoint_qr(_visible_touchpoint(touchpoint_id), current_app.config["PUBLIC_URL"], fmt)
    response = Response(qr.data, mimetype=qr.mimetype)
    response.headers["Content-Disposition"] = content_disposition(qr.filename, inline=True)
    return response


REVOKED = {409: "The touchpoint was revoked: it has no QR code."}


@operation("GET", "/touchpoints/<int:touchpoint_id>/qr.png", summary="The QR code as a PNG image",
           tag="touchpoints", responses={200: File(QR_FORMATS["png"]), **REVOKED})
def touchpoint_qr_png(touchpoint_id):
    return _qr_file(touchpoint_id, "png")


@operation("GET", "/touchpoints/<int:touchpoint_id>/qr.svg", summary="The QR code as an SVG image",
           tag="touchpoints", responses={200: File(QR_FORMATS["svg"]), **REVOKED})
def touchpoint_qr_svg(touchpoint_id):
    return _qr_file(touchpoint_id, "svg")


@operation("GET", "/touchpoints/<int:touchpoint_id>/qr.pdf",
           summary="A printable poster: the unit's name, the QR code, instructions in Chinese and English",
           tag="touchpoints", responses={200: File(QR_FORMATS["pdf"]), **REVOKED})
def touchpoint_qr_pdf(touchpoint_id):
    return _qr_file(touchpoint_id, "pdf")

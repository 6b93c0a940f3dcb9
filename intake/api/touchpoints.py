"""Touchpoints and their QR codes and posters."""
from __future__ import annotations

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.base import (
    BOOL,
    INT,
    INT_OR_NULL,
    STR,
    File,
    Page,
    Prop,
    Shape,
    answer,
    find_staff,
    find_unit,
    get_visible,
    operation,
    page,
    require_scope,
    time_prop,
    unit_filter,
    within_scope,
)
from intake.api.fields import Body, Reference, Text
from intake.models import Touchpoint
from intake.services.touchpoints import LABEL_MAX, QR_FORMATS, touchpoint_qr, touchpoint_url
from intake.services.touchpoints import create_touchpoint as create_touchpoint_record
from routing.web.downloads import content_disposition
from routing.web.glue import db_session, now

TOUCHPOINT = Shape(
    "Touchpoint", "A counter, or a staff member at a counter; its QR code opens url.",
    id=Prop(INT), unit_id=Prop(INT), staff_id=Prop(INT_OR_NULL), label=Prop(STR), active=Prop(BOOL),
    url=Prop({"type": "string", "format": "uri"},
             lambda tp: touchpoint_url(current_app.config["PUBLIC_URL"], tp)),
    created_at=time_prop("created_at"),
    rotated_at=time_prop("rotated_at", required=False),
    revoked_at=time_prop("revoked_at", required=False),
)

NEW_TOUCHPOINT = Body("NewTouchpoint", (
    Reference("unit", required=True, description="The unit, by id or code."),
    Text("label", required=True, max_length=LABEL_MAX, description="What the poster says, e.g. Counter 3."),
    Reference("staff", key="username", description="The staff member at this counter, by id or username."),
))

NO_TOUCHPOINT = _l("There is no such touchpoint.")


def _visible_touchpoint(touchpoint_id: int) -> Touchpoint:
    return get_visible(Touchpoint, touchpoint_id, lambda tp: tp.unit_id, NO_TOUCHPOINT)


@operation("GET", "/touchpoints", summary="List the touchpoints the token may see", tag="touchpoints",
           query=(Text("unit", max_length=40, description="A unit's code: that unit and the units below it."),),
           responses={200: Page(TOUCHPOINT)})
def list_touchpoints(query):
    stmt = within_scope(select(Touchpoint), Touchpoint.unit_id)
    stmt = stmt.where(*unit_filter(db_session(), query["unit"], Touchpoint.unit_id))
    return page(stmt, Touchpoint.id, query, TOUCHPOINT)


@operation("GET", "/touchpoints/<int:touchpoint_id>", summary="One touchpoint", tag="touchpoints",
           responses={200: TOUCHPOINT})
def get_touchpoint(touchpoint_id):
    return answer(TOUCHPOINT, _visible_touchpoint(touchpoint_id))


@operation("POST", "/touchpoints", summary="Create a touchpoint with a new QR token", tag="touchpoints",
           role="admin", body=NEW_TOUCHPOINT, responses={201: TOUCHPOINT})
def create_touchpoint(body):
    session = db_session()
    unit = find_unit(session, body["unit"])
    require_scope(unit)
    staff = find_staff(session, body["staff"]) if body["staff"] is not None else None
    touchpoint = create_touchpoint_record(session, unit, body["label"], staff, now=now())
    return answer(TOUCHPOINT, touchpoint, 201)


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

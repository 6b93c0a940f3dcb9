"""Units of the organisation tree."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.base import (
    BOOL,
    INT,
    INT_OR_NULL,
    STR,
    Page,
    Prop,
    Shape,
    answer,
    find_unit,
    get_visible,
    operation,
    page,
    within_scope,
)
from intake.api.fields import Body, Choice, Reference, Text, TimeZone, UnitCode
from routing.models import Unit
from routing.services.org import create_unit as create_unit_record
from routing.vocabulary import AREAS, UNIT_LEVELS
from routing.web.glue import db_session

UNIT = Shape(
    "Unit", "A node of the organisation tree: company, branch, outlet, counter...",
    id=Prop(INT), code=Prop(STR), name=Prop(STR),
    level=Prop({"type": "string", "enum": list(UNIT_LEVELS)}),
    parent_id=Prop(INT_OR_NULL),
    area=Prop({"type": "string", "enum": list(AREAS)}),
    timezone=Prop(STR), active=Prop(BOOL),
)

NEW_UNIT = Body("NewUnit", (
    UnitCode("code", required=True, description="Unique, e.g. the outlet's number: letters, digits, dots, "
                                               "dashes and underscores."),
    Text("name", required=True),
    Choice("level", choices=UNIT_LEVELS, description="outlet if not given."),
    Reference("parent", description="The parent unit, by id or code."),
    Choice("area", choices=AREAS, description="urban if not given."),
    TimeZone("timezone", description="IANA time zone; the organisation's (FEEDBACK_TIMEZONE) if not given."),
))


@operation("GET", "/units", summary="List the units the token may see", tag="units",
           responses={200: Page(UNIT)})
def list_units(query):
    return page(within_scope(select(Unit), Unit.id), Unit.id, query, UNIT)


@operation("GET", "/units/<int:unit_id>", summary="One unit", tag="units", responses={200: UNIT})
def get_unit(unit_id):
    return answer(UNIT, get_visible(Unit, unit_id, lambda unit: unit.id, _l("There is no such unit.")))


@operation("POST", "/units", summary="Create a unit", tag="units", role="admin", body=NEW_UNIT,
           responses={201: UNIT, 409: "A unit with this code exists."})
def create_unit(body):
    session = db_session()
    parent = find_unit(session, body["parent"], "parent") if body["parent"] is not None else None
    unit = create_unit_record(session, body["code"], body["name"], level=body["level"] or "outlet",
                              parent=parent, area=body["area"] or "urban",
                              timezone=body["timezone"] or current_app.config["TIMEZONE"])
    return answer(UNIT, unit, 201)

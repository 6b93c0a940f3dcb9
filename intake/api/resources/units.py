"""Units of the organisation tree."""
from __future__ import annotations

from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from intake.api.operations import operation
from intake.api.paging import Page, Paged, page
from intake.api.schemas import Answer, Body, Text, TimeZone, UnitCode, UnitRef, choice
from intake.api.scope import find_unit, get_visible, within_scope
from routing.models import Unit as UnitRecord
from routing.services.org import create_unit as create_unit_record
from routing.vocabulary import AREAS, UNIT_LEVELS
from routing.web.glue import db_session


class Unit(Answer):
    """A node of the organisation tree: company, branch, outlet, counter..."""

    id: int
    code: str
    name: str
    level: choice(UNIT_LEVELS)
    parent_id: int | None
    area: choice(AREAS)
    timezone: str
    active: bool


class NewUnit(Body):
    code: Annotated[UnitCode, Field(description="Unique, e.g. the outlet's number: letters, digits, dots, "
                                                "dashes and underscores.")]
    name: Text()
    level: Annotated[choice(UNIT_LEVELS) | None, Field(description="outlet if not given.")] = None
    parent: Annotated[UnitRef | None, Field(description="The parent unit, by id or code.")] = None
    area: Annotated[choice(AREAS) | None, Field(description="urban if not given.")] = None
    timezone: Annotated[TimeZone | None, Field(
        description="IANA time zone; the organisation's (FEEDBACK_TIMEZONE) if not given.")] = None


@operation("GET", "/units", summary="List the units the token may see", tag="units", responses={200: Page[Unit]})
def list_units(query: Paged):
    return page(within_scope(select(UnitRecord), UnitRecord.id), UnitRecord.id, query)


@operation("GET", "/units/<int:unit_id>", summary="One unit", tag="units", responses={200: Unit})
def get_unit(unit_id):
    return get_visible(UnitRecord, unit_id, lambda unit: unit.id, _l("There is no such unit."))


@operation("POST", "/units", summary="Create a unit", tag="units", role="admin",
           responses={201: Unit, 409: "A unit with this code exists."})
def create_unit(body: NewUnit):
    session = db_session()
    parent = find_unit(session, body.parent, "parent") if body.parent is not None else None
    unit = create_unit_record(session, body.code, body.name, level=body.level or "outlet", parent=parent,
                              area=body.area or "urban", timezone=body.timezone or current_app.config["TIMEZONE"])
    return unit, 201

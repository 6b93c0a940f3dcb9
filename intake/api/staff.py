"""Staff accounts (read only: accounts are made by admins and the CLI)."""
from __future__ import annotations

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
    get_visible,
    operation,
    page,
    unit_filter,
    within_scope,
)
from intake.api.fields import Choice, Text
from routing.models import Staff
from routing.vocabulary import ROLES
from routing.web.glue import db_session

STAFF = Shape(
    "Staff", "A staff account. Contact details are not part of the API.",
    id=Prop(INT), username=Prop(STR), display_name=Prop(STR),
    role=Prop({"type": "string", "enum": list(ROLES)}),
    unit_id=Prop(INT_OR_NULL), locale=Prop(STR), active=Prop(BOOL),
)


@operation("GET", "/staff", summary="List the staff the token may see", tag="staff",
           query=(Text("unit", max_length=40, description="A unit's code: that unit and the units below it."),
                  Choice("role", choices=ROLES)),
           responses={200: Page(STAFF)})
def list_staff(query):
    stmt = within_scope(select(Staff), Staff.unit_id).where(*unit_filter(db_session(), query["unit"], Staff.unit_id))
    if query["role"]:
        stmt = stmt.where(Staff.role == query["role"])
    return page(stmt, Staff.id, query, STAFF)


@operation("GET", "/staff/<int:staff_id>", summary="One staff member", tag="staff", responses={200: STAFF})
def get_staff(staff_id):
    return answer(STAFF, get_visible(Staff, staff_id, lambda staff: staff.unit_id,
                                     _l("There is no such staff member.")))

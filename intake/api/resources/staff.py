"""Staff accounts (read only: accounts are made by admins and the CLI)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.operations import operation
from intake.api.paging import Page, Paged, page
from intake.api.schemas import Answer, UnitFilter, choice
from intake.api.scope import get_visible, unit_filter, within_scope
from routing.models import Staff as StaffRecord
from routing.vocabulary import ROLES
from routing.web.glue import db_session


class Staff(Answer):
    """A staff account. Contact details are not part of the API."""

    id: int
    username: str
    display_name: str
    role: choice(ROLES)
    unit_id: int | None
    locale: str
    active: bool


class StaffFilter(Paged):
    unit: UnitFilter = None
    role: choice(ROLES) | None = None


@operation("GET", "/staff", summary="List the staff the token may see", tag="staff", responses={200: Page[Staff]})
def list_staff(query: StaffFilter):
    stmt = within_scope(select(StaffRecord), StaffRecord.unit_id)
    stmt = stmt.where(*unit_filter(db_session(), query.unit, StaffRecord.unit_id))
    if query.role:
        stmt = stmt.where(StaffRecord.role == query.role)
    return page(stmt, StaffRecord.id, query)


@operation("GET", "/staff/<int:staff_id>", summary="One staff member", tag="staff", responses={200: Staff})
def get_staff(staff_id):
    return get_visible(StaffRecord, staff_id, lambda staff: staff.unit_id, _l("There is no such staff member."))

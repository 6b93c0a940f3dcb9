"""What a token sees: a handler's, supervisor's or manager's token its unit
tree, an executive's or administrator's everything (routing.rules.access).
A record outside the scope is as good as absent, so a token learns nothing
of other units; a record a body names is looked up here too."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import Session

from intake.api.problems import ApiError, not_found, unusable_fields
from routing.models import Staff, Unit
from routing.rules import access
from routing.rules.privacy import mask_phone
from routing.services.org import staff_by_username, subtree_ids, unit_by_code
from routing.web.glue import db_session


def api_staff() -> Staff:
    """The staff member whose token the request carries."""
    return g.api_staff


def visible_unit_ids() -> list[int] | None:
    """None when the token sees every unit."""
    staff = api_staff()
    if access.record_reach(staff.role) == access.ALL:
        return None
    if "api_scope" not in g:
        g.api_scope = subtree_ids(db_session(), staff.unit_id) if staff.unit_id else []
    return g.api_scope


def in_scope(unit_id: int | None) -> bool:
    ids = visible_unit_ids()
    return ids is None or unit_id in ids


def within_scope(stmt: Select, unit_column) -> Select:
    ids = visible_unit_ids()
    return stmt if ids is None else stmt.where(unit_column.in_(ids))


def require_scope(unit: Unit) -> None:
    if not in_scope(unit.id):
        raise ApiError(403, _("This token may not act for the unit %(code)s.", code=unit.code), "out_of_scope")


def shown_phone(e164: str | None) -> str | None:
    """Whole for the roles that see customers' numbers, masked for the others."""
    if e164 is None or access.sees_phone_numbers(api_staff().role):
        return e164
    return mask_phone(e164)


def get_visible(model, record_id: int, unit_of: Callable[[Any], int | None], message):
    """A record by the id in the path (the route's converter bounds it)."""
    record = db_session().get(model, record_id)
    if record is None or not in_scope(unit_of(record)):
        raise not_found(message)
    return record


def find_unit(session: Session, ref: int | str, field_name: str = "unit") -> Unit:
    """A unit a body or query names by id or code; unknown -> 422 naming the field."""
    unit = session.get(Unit, ref) if isinstance(ref, int) else unit_by_code(session, ref)
    if unit is None:
        raise unusable_fields({field_name: _l("not a known unit")})
    return unit


def find_staff(session: Session, ref: int | str, field_name: str = "staff") -> Staff:
    staff = session.get(Staff, ref) if isinstance(ref, int) else staff_by_username(session, ref)
    if staff is None or not in_scope(staff.unit_id):
        raise unusable_fields({field_name: _l("not a known staff member")})
    return staff


def unit_filter(session: Session, code: str | None, column) -> list:
    """Where clauses for ?unit=CODE: that unit and everything below it."""
    if code is None:
        return []
    return [column.in_(subtree_ids(session, find_unit(session, code).id))]

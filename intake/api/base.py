"""The API's machinery: operations declared next to their views (the OpenAPI
document is built from these declarations), bearer tokens, JSON bodies,
problems, scope, paging and output shapes.

A resource module declares a view with @operation(...); the blueprint in
intake.api registers every declared operation, and intake.api.openapi
describes the same list, so a route cannot exist without its description.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import Session

from intake.api.fields import MAX_ID, Body, Cursor, Field, Integer, parse_fields
from routing.models import Staff, Unit
from routing.rules import access
from routing.rules.privacy import mask_phone
from routing.services.org import staff_by_username, staff_for_token, subtree_ids, unit_by_code
from routing.web.glue import db_session, now

MAX_BODY_BYTES = 64 * 1024
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


# --- problems ---------------------------------------------------------------

class ApiError(Exception):
    """Answered as a JSON problem by the blueprint's error handler."""

    def __init__(self, status: int, message, code: str | None = None, *,
                 errors: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(str(message))
        self.status, self.message, self.code = status, message, code
        self.errors = {name: str(text) for name, text in (errors or {}).items()}
        self.headers = dict(headers or {})


def invalid_fields(errors: Mapping[str, Any]) -> ApiError:
    """400 naming each refused field; the detail reads as a sentence."""
    if len(errors) == 1:
        name, problem = next(iter(errors.items()))
        detail = _("%(field)s is %(problem)s.", field=name, problem=problem)
    else:
        detail = _("These fields are not valid: %(fields)s.", fields=", ".join(errors))
    return ApiError(400, detail, "invalid_fields", errors=errors)


def not_found(message) -> ApiError:
    return ApiError(404, message, "not_found")


# --- declared operations ----------------------------------------------------

@dataclass(frozen=True)
class Prop:
    """One member of an output shape: its JSON Schema and how to read it."""

    schema: dict
    get: Callable[[Any], Any] | None = None  # default: the attribute of the same name


SHAPES: dict[str, Shape] = {}  # every shape, for the document's components


class Shape:
    """A JSON object the API returns, described once for both the response
    and the document."""

    def __init__(self, name: str, description: str = "", /, **props: Prop):
        if name in SHAPES:
            raise ValueError(f"two API shapes are named {name}")
        self.name, self.description, self.props = name, description, props
        SHAPES[name] = self

    @property
    def ref(self) -> dict:
        return {"$ref": f"#/components/schemas/{self.name}"}

    def dump(self, obj) -> dict:
        return {key: (prop.get(obj) if prop.get else getattr(obj, key)) for key, prop in self.props.items()}

    def schema(self) -> dict:
        schema = {"type": "object", "properties": {k: p.schema for k, p in self.props.items()},
                  "required": list(self.props)}
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True)
class Page:
    """A page of a list: {"items": [...], "next_cursor": ...}."""

    shape: Shape


@dataclass(frozen=True)
class File:
    """A binary download (image, PDF)."""

    media_type: str
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # Flask rule under the blueprint's prefix
    endpoint: str
    view: Callable
    summary: str
    tag: str
    role: str | None  # the lowest role allowed; None: no token needed
    query: tuple[Field, ...] = ()
    body: Body | None = None
    responses: Mapping[int, Shape | Page | File | str] = field(default_factory=dict)
    description: str = ""


OPERATIONS: list[Operation] = []

LIMIT = Integer("limit", minimum=1, maximum=MAX_LIMIT,
                description=f"Items per page, at most {MAX_LIMIT}; {DEFAULT_LIMIT} if not given.")
CURSOR = Cursor("cursor", description="The next_cursor of the previous page.")


def operation(method: str, rule: str, *, summary: str, tag: str,
              responses: Mapping[int, Shape | Page | File | str], role: str | None = "handler",
              query: Sequence[Field] = (), body: Body | None = None, description: str = ""):
    """Declare an API view. The view receives its path arguments, plus
    `query` (a dict of the declared query parameters) and `body` (a dict of
    the declared body fields) when it declares them. A list operation (one
    answering with a Page) gets the limit and cursor parameters too."""
    paged = any(isinstance(response, Page) for response in responses.values())
    query = tuple(query) + ((LIMIT, CURSOR) if paged else ())

    def decorator(view):
        if any(op.endpoint == view.__name__ for op in OPERATIONS):
            raise ValueError(f"two API views are named {view.__name__}")
        @wraps(view)
        def handle(**path):
            if role is not None:
                authenticate(role)
            kwargs = dict(path)
            if query:
                kwargs["query"] = parse_query(query)
            if body is not None:
                values, errors = body.parse(json_object())
                if errors:
                    raise invalid_fields(errors)
                kwargs["body"] = values
            response = view(**kwargs)
            if role is not None:
                db_session().commit()  # the write, and the token's last use
            return response

        OPERATIONS.append(Operation(method=method, rule=rule, endpoint=view.__name__, view=handle,
                                    summary=summary, tag=tag, role=role, query=query, body=body,
                                    responses=responses, description=description))
        return handle

    return decorator


# --- requests ---------------------------------------------------------------

def authenticate(role: str) -> Staff:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, _("Send an API token in the Authorization header: Bearer <token>."),
                       "token_missing", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    staff = staff_for_token(db_session(), token, now()) if len(token) <= 200 else None
    if staff is None:
        raise ApiError(401, _("This API token is not valid, or it has been revoked."), "token_invalid",
                       headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    if not access.at_least(staff.role, role):
        raise ApiError(403, _("This needs a token of a staff member with the role %(role)s or a higher one.",
                              role=role), "role_too_low")
    g.api_staff = staff
    return staff


def api_staff() -> Staff:
    return g.api_staff


def json_object() -> dict:
    if not request.is_json:
        raise ApiError(415, _("Send the body as JSON, with the header Content-Type: application/json."),
                       "unsupported_media_type")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiError(413, _("The body is larger than %(n)s bytes.", n=MAX_BODY_BYTES), "too_large")
    request.max_content_length = MAX_BODY_BYTES  # a chunked body has no length to check first
    try:
        data = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ApiError(400, _("The body is not valid JSON."), "invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, _("The body must be a JSON object."), "invalid_json")
    return data


def parse_query(fields: Sequence[Field]) -> dict:
    """Declared query parameters; others are ignored (?lang= is the app's)."""
    values, errors = parse_fields(fields, lambda name: request.args.get(name, "").strip() or None,
                                  lambda f, text: f.parse_text(text))
    if errors:
        raise invalid_fields(errors)
    return values


# --- scope: a token sees its unit's subtree, unless it is an executive's or admin's

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


def sees_phone_numbers() -> bool:
    return access.sees_phone_numbers(api_staff().role)


def shown_phone(e164: str | None) -> str | None:
    if e164 is None:
        return None
    return e164 if sees_phone_numbers() else mask_phone(e164)


# --- lookups of referenced records ------------------------------------------

def get_visible(model, record_id: int, unit_of: Callable[[Any], int | None], message):
    """A record by the id in the path; one outside the token's scope is as
    good as absent (404), so a token learns nothing of other units."""
    record = db_session().get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None or not in_scope(unit_of(record)):
        raise not_found(message)
    return record


def find_unit(session: Session, ref: int | str, field_name: str = "unit") -> Unit:
    """A unit named by id or code in a body or query; unknown -> 400 naming the field."""
    unit = session.get(Unit, ref) if isinstance(ref, int) else unit_by_code(session, ref)
    if unit is None:
        raise invalid_fields({field_name: _l("not a known unit")})
    return unit


def find_staff(session: Session, ref: int | str, field_name: str = "staff") -> Staff:
    staff = session.get(Staff, ref) if isinstance(ref, int) else staff_by_username(session, ref)
    if staff is None or not in_scope(staff.unit_id):
        raise invalid_fields({field_name: _l("not a known staff member")})
    return staff


def unit_filter(session: Session, code: str | None, column) -> list:
    """Where clauses for ?unit=CODE: that unit and everything below it."""
    if code is None:
        return []
    return [column.in_(subtree_ids(session, find_unit(session, code).id))]


# --- answers ----------------------------------------------------------------

def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a Z."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def answer(shape: Shape, obj, status: int = 200):
    return jsonify(shape.dump(obj)), status


def page(stmt: Select, id_column, query: dict, shape: Shape):
    """Keyset paging on id, oldest first: a new row never shifts a page."""
    limit = query.get("limit") or DEFAULT_LIMIT
    if query.get("cursor") is not None:
        stmt = stmt.where(id_column > query["cursor"])
    rows = db_session().scalars(stmt.order_by(id_column).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(items=[shape.dump(row) for row in rows],
                   next_cursor=Cursor.encode(rows[-1].id) if more else None)


# JSON Schema pieces for shapes.
INT = {"type": "integer"}
INT_OR_NULL = {"type": ["integer", "null"]}
STR = {"type": "string"}
STR_OR_NULL = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def time_prop(attribute: str, required: bool = True) -> Prop:
    return Prop(TIME if required else TIME_OR_NULL, lambda obj: iso(getattr(obj, attribute)))

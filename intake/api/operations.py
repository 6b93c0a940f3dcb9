"""Operations: an API view declared with @operation(...) next to its code.

The view's parameters say what it reads: `body: SomeBody` (a JSON body),
`query: SomeQuery` (the query string), and the path's arguments. It
returns a record or a dict (answered with the model its `responses` give
for 200), `(record, status)`, or a Flask Response (a file). The blueprint
routes every declared operation and intake.api.openapi describes the same
list, so a route cannot exist without its description, nor answer other
than it says.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any, get_type_hints

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from intake.api.problems import ApiError, refused
from intake.api.schemas import Body, Query, Reading
from intake.api.scope import shown_phone
from routing.models import Staff
from routing.rules import access
from routing.services.org import staff_for_token
from routing.web.glue import db_session, now

MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class File:
    """A download (an image, a PDF) of this media type."""

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
    body: type[Body] | None
    query: type[Query] | None
    # status -> an answer model, a File, or (for a problem) what it means
    responses: Mapping[int, type[BaseModel] | File | str] = field(default_factory=dict)
    description: str = ""


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, *, summary: str, tag: str,
              responses: Mapping[int, type[BaseModel] | File | str], role: str | None = "handler",
              description: str = ""):
    """Declare an API view (see the module's docstring)."""
    def decorator(view):
        if any(op.endpoint == view.__name__ for op in OPERATIONS):
            raise ValueError(f"two API views are named {view.__name__}")
        hints = get_type_hints(view)
        body, query = hints.get("body"), hints.get("query")

        @wraps(view)
        def handle(**path):
            if role is not None:
                authenticate(role)
            kwargs = dict(path)
            if query is not None:
                kwargs["query"] = _validated(query, _query_values(query))
            if body is not None:
                kwargs["body"] = _validated(body, json_object())
            result = view(**kwargs)
            if role is not None:
                db_session().commit()  # the write, and the token's last use
            if isinstance(result, Response):
                return result
            record, status = result if isinstance(result, tuple) else (result, 200)
            return jsonify(answer(responses[status], record)), status

        OPERATIONS.append(Operation(method=method, rule=rule, endpoint=view.__name__, view=handle,
                                    summary=summary, tag=tag, role=role, body=body, query=query,
                                    responses=responses, description=description))
        return handle

    return decorator


def answer(model: type[BaseModel], record: Any) -> dict:
    """The record as the model declares it, in JSON values."""
    reading = Reading(current_app.config["PUBLIC_URL"], shown_phone, now())
    return model.model_validate(record, context=reading).model_dump(mode="json")


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


_WHOLE = re.compile(r"-?[0-9]{1,30}(\.0*)?")


def _query_values(model: type[Query]) -> dict:
    """The declared parameters as JSON values: a number where the document
    says integer, true/false where it says boolean, else the text; a
    repeated parameter as a list (which no scalar accepts)."""
    values = {}
    for name, types in _parameter_types(model).items():
        sent = request.args.getlist(name)
        if sent:
            values[name] = [_json_value(t, types) for t in sent] if len(sent) > 1 else _json_value(sent[0], types)
    return values


@cache
def _parameter_types(model: type[Query]) -> dict[str, set[str]]:
    return {name: _types(schema) for name, schema in model.model_json_schema()["properties"].items()}


def _types(schema: dict) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for option in schema.get("anyOf", ()):
        found |= _types(option)
    return found


def _json_value(text: str, types: set[str]):
    if "integer" in types and _WHOLE.fullmatch(text):
        return int(text.partition(".")[0])
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


def _validated(model: type[BaseModel], values: dict):
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise refused(error) from None

"""The OpenAPI 3.1 document, built from the declared operations (base.operation)
and shapes, so it describes exactly the routes that exist."""
from __future__ import annotations

import re
from http import HTTPStatus

from flask import current_app, jsonify

from intake.api.base import OPERATIONS, SHAPES, File, Operation, Page, Shape, operation
from intake.api.fields import Body

PREFIX = "/api/v1"
VERSION = "1.0.0"
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 1}, "float": {"type": "number"}}

DESCRIPTION = """\
JSON in and out. Authenticate with an API token (`feedback tokens create --user U`)
in the header `Authorization: Bearer <token>`. A token acts with its staff
member's role; a handler's, supervisor's or manager's token sees only its
unit and the units below it, an executive's or admin's sees everything.

Errors are JSON problems (RFC 9457): `{"status": 400, "title": ..., "detail": ...,
"code": ..., "errors": {"customer_phone": "not a valid phone number"}}`; `errors`
names each refused field. Times are ISO-8601: send them with a UTC offset; they
come back in UTC with a `Z`. Lists answer `{"items": [...], "next_cursor": ...}`:
pass `cursor=<next_cursor>` for the next page until it is null. Writes that you
may retry take an `external_id`: a retry answers 200 with the first record.
"""

PROBLEM = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "A stable key for programs."},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Each refused field and what is wrong with it."},
    },
    "required": ["status", "title", "detail"],
}


def openapi_path(rule: str) -> str:
    """/touchpoints/<int:touchpoint_id>/qr.png -> /api/v1/touchpoints/{touchpoint_id}/qr.png"""
    return PREFIX + _RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule)


def _path_parameters(rule: str) -> list[dict]:
    return [{"name": m["name"], "in": "path", "required": True,
             "schema": _CONVERTER_SCHEMAS.get(m["converter"] or "", {"type": "string"})}
            for m in _RULE_ARGUMENT.finditer(rule)]


def _page_name(shape: Shape) -> str:
    return f"{shape.name}Page"


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}


def _response(status: int, answer) -> dict:
    if isinstance(answer, Shape):
        return {"description": HTTPStatus(status).phrase, "content": _json(answer.ref)}
    if isinstance(answer, Page):
        return {"description": "A page of the list.",
                "content": _json({"$ref": f"#/components/schemas/{_page_name(answer.shape)}"})}
    if isinstance(answer, File):
        schema = {"type": "object"} if answer.media_type == "application/json" else \
            {"type": "string", "contentMediaType": answer.media_type}
        return {"description": answer.description or HTTPStatus(status).phrase,
                "content": {answer.media_type: {"schema": schema}}}
    return _problem(str(answer))


def _operation(op: Operation) -> dict:
    parameters = _path_parameters(op.rule) + [
        {"name": f.name, "in": "query", "required": f.required, "schema": f.schema(),
         **({"description": f.description} if f.description else {})}
        for f in op.query
    ]
    responses = {str(status): _response(status, answer) for status, answer in sorted(op.responses.items())}
    standard = {}
    if op.body is not None or op.query:
        standard[400] = "A field is not valid; errors names it."
    if op.role is not None:
        standard[401] = "No API token, or one that is not valid."
        standard[403] = f"The token's role is below {op.role}, or the unit is outside its scope."
    if "<" in op.rule:
        standard[404] = "There is no such record (or the token may not see it)."
    if op.body is not None:
        standard[415] = "The body is not JSON."
    for status, description in standard.items():
        responses.setdefault(str(status), _problem(description))
    description = op.description
    if op.role is not None:
        description = (description + "\n\n" if description else "") + f"Needs the role {op.role} or higher."
    doc = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
           "parameters": parameters, "responses": dict(sorted(responses.items()))}
    if description:
        doc["description"] = description
    if op.body is not None:
        doc["requestBody"] = {"required": True,
                              "content": _json({"$ref": f"#/components/schemas/{op.body.name}"})}
    if op.role is None:
        doc["security"] = []
    return doc


def document(public_url: str) -> dict:
    paths: dict[str, dict] = {}
    bodies: dict[str, Body] = {}
    pages: dict[str, Shape] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
        if op.body is not None:
            bodies[op.body.name] = op.body
        pages.update({_page_name(a.shape): a.shape for a in op.responses.values() if isinstance(a, Page)})
    schemas = {"Problem": PROBLEM}
    schemas.update({name: shape.schema() for name, shape in SHAPES.items()})
    schemas.update({name: body.schema() for name, body in bodies.items()})
    schemas.update({name: {
        "type": "object",
        "properties": {"items": {"type": "array", "items": shape.ref},
                       "next_cursor": {"type": ["string", "null"],
                                       "description": "Pass as cursor for the next page; null on the last."}},
        "required": ["items", "next_cursor"],
    } for name, shape in pages.items()})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Customer feedback and complaints API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": public_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token made with `feedback tokens create`."}},
            "schemas": dict(sorted(schemas.items())),
        },
    }


@operation("GET", "/openapi.json", summary="This document", tag="meta", role=None,
           responses={200: File("application/json", "The OpenAPI 3.1 document of this API.")})
def openapi_document():
    return jsonify(document(current_app.config["PUBLIC_URL"]))

"""The OpenAPI 3.1 document, built from the declared operations and their
pydantic models (JSON Schema 2020-12, the dialect of OpenAPI 3.1), so it
describes exactly the routes that exist and what they take and answer."""
from __future__ import annotations

import re
from http import HTTPStatus

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from intake.api.operations import OPERATIONS, File, Operation
from intake.api.paging import MAX_LIMIT
from routing.web.glue import MAX_ID

PREFIX = "/api/v1"
VERSION = "1.1.0"
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
_REF = "#/components/schemas/{model}"
# Keywords that would refuse null too, or that a null beside them would not reach.
_NOT_PLAIN = {"enum", "const", "$ref", "anyOf", "oneOf", "allOf"}

DESCRIPTION = f"""\
JSON in and out. Authenticate with an API token (`feedback tokens create --user U`)
in the header `Authorization: Bearer <token>`. A token acts with its staff
member's role; a handler's, supervisor's or manager's token sees only its
unit and the units below it, an executive's or admin's sees everything.
A record outside a token's sight answers 404, as if it did not exist.

Errors are JSON problems (RFC 9457): `{{"status": 400, "title": ..., "detail": ...,
"code": ..., "errors": {{"customer_phone": "not a valid phone number"}}}}`; `errors`
names each refused field, and the messages follow `Accept-Language` (Chinese
or English). 400 means the request does not follow this document; 422 that it
does, but a value cannot be used (a unit that does not exist, a number that is
no phone number, an appointment in the past).

Times are ISO-8601: send them with a UTC offset; they come back in UTC with a
`Z`. Lists answer `{{"items": [...], "next_cursor": ...}}` (at most {MAX_LIMIT} a page):
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


class _Schema(GenerateJsonSchema):
    """pydantic's JSON Schema without the titles it makes up from names."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def nullable_schema(self, schema) -> dict:
        """A value or null. Where the value is of one plain type, as OpenAPI
        3.1 writes it: {"type": [T, "null"]} with the value's format and bounds
        (which say nothing of null); a choice or a union stays an anyOf."""
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str) and not _NOT_PLAIN & inner.keys():
            return {**inner, "type": [inner["type"], "null"]}
        return self.get_union_of_schemas([inner, {"type": "null"}])


def openapi_path(rule: str) -> str:
    """/touchpoints/<int:touchpoint_id>/qr.png -> /api/v1/touchpoints/{touchpoint_id}/qr.png"""
    return PREFIX + _RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule)


def _path_parameters(rule: str) -> list[dict]:
    return [{"name": m["name"], "in": "path", "required": True,
             "schema": _CONVERTER_SCHEMAS.get(m["converter"] or "", {"type": "string"})}
            for m in _RULE_ARGUMENT.finditer(rule)]


def _query_parameters(schema: dict) -> list[dict]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("default", None)
        if isinstance(prop.get("type"), list):  # a parameter is absent, never null
            prop["type"] = next(kind for kind in prop["type"] if kind != "null")
        options = [option for option in prop.pop("anyOf", [prop]) if option != {"type": "null"}]
        parameter = {"name": name, "in": "query", "required": name in required,
                     "schema": {**prop, **options[0]} if len(options) == 1 else {**prop, "anyOf": options}}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}


def _response(status: int, answer, refs: dict) -> dict:
    if isinstance(answer, File):
        schema = {"type": "object"} if answer.media_type == "application/json" else \
            {"type": "string", "contentMediaType": answer.media_type}
        return {"description": answer.description or HTTPStatus(status).phrase,
                "content": {answer.media_type: {"schema": schema}}}
    if isinstance(answer, str):
        return _problem(answer)
    return {"description": HTTPStatus(status).phrase, "content": _json(refs[answer, "serialization"])}


def _standard_problems(op: Operation) -> dict[int, str]:
    problems = {}
    if op.body is not None or op.query is not None:
        problems[400] = "The request does not follow this document; errors names each field."
        problems[422] = ("The request follows this document, but a value cannot be used "
                         "(an unknown unit or staff member, a phone number that does not exist...).")
    if op.role is not None:
        problems[401] = "No API token, or one that is not valid."
        problems[403] = f"The token's role is below {op.role}, or the unit is outside its scope."
    if "<" in op.rule:
        problems[404] = "There is no such record (or the token may not see it)."
    if op.body is not None:
        problems[413] = "The body is too large."
        problems[415] = "The body is not JSON."
    return problems


def _operation(op: Operation, refs: dict, schemas: dict) -> dict:
    parameters = _path_parameters(op.rule)
    if op.query is not None:
        parameters += _query_parameters(schemas[refs[op.query, "validation"]["$ref"].rsplit("/", 1)[1]])
    responses = {str(status): _response(status, answer, refs) for status, answer in op.responses.items()}
    for status, description in _standard_problems(op).items():
        responses.setdefault(str(status), _problem(description))
    description = op.description
    if op.role is not None:
        description = (description + "\n\n" if description else "") + f"Needs the role {op.role} or higher."
    doc = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag], "parameters": parameters,
           "responses": dict(sorted(responses.items()))}
    if description:
        doc["description"] = description
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": _json(refs[op.body, "validation"])}
    if op.role is None:
        doc["security"] = []
    return doc


def document(public_url: str) -> dict:
    """Built in the app's context: a type may take a setting (COMMENT_MAX_LENGTH)."""
    models = {(model, "validation") for op in OPERATIONS for model in (op.body, op.query) if model is not None}
    models |= {(answer, "serialization") for op in OPERATIONS for answer in op.responses.values()
               if isinstance(answer, type) and issubclass(answer, BaseModel)}
    refs, components = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])),
                                          ref_template=_REF, schema_generator=_Schema)
    schemas = {"Problem": PROBLEM, **components.get("$defs", {})}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op, refs, schemas)
    for op in OPERATIONS:  # queries are parameters, not components
        if op.query is not None:
            schemas.pop(refs[op.query, "validation"]["$ref"].rsplit("/", 1)[1], None)
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


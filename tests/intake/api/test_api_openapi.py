"""The OpenAPI document describes every API route, and what the routes answer
has the shape the document promises."""
from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
JSON_TYPES = {"integer": int, "number": (int, float), "string": str, "boolean": bool,
              "array": list, "object": dict, "null": type(None)}


@pytest.fixture
def document(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")]


def as_openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_described_with_its_methods(app, document):
    rules = api_rules(app)
    assert len(rules) >= 15
    for rule in rules:
        path = as_openapi_path(rule.rule)
        assert path in document["paths"], f"{rule.rule} is not in the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {rule.rule} is not described"


def test_the_document_describes_no_route_that_does_not_exist(app, document):
    routed = {(as_openapi_path(rule.rule), method.lower())
              for rule in api_rules(app) for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == routed


def test_the_document_has_the_openapi_shape(document):
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] | {"description": ""} == \
        {"type": "http", "scheme": "bearer", "description": ""}
    assert document["security"] == [{"bearer": []}]
    assert document["servers"] == [{"url": "https://feedback.example.com"}]
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            assert method in HTTP_METHODS
            assert operation["summary"] and operation["responses"]
            assert all(re.fullmatch(r"[1-5]\d\d", status) for status in operation["responses"])
            operation_ids.append(operation["operationId"])
            in_path = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert in_path == set(re.findall(r"{(\w+)}", path))
    assert len(operation_ids) == len(set(operation_ids))


def test_the_document_itself_needs_no_token_and_everything_else_does(document):
    for path, item in document["paths"].items():
        for operation in item.values():
            if path == "/api/v1/openapi.json":
                assert operation["security"] == []
            else:
                assert "security" not in operation and "401" in operation["responses"]


def test_every_reference_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    names = set(document["components"]["schemas"])
    found = list(refs(document))
    assert found
    for ref in found:
        assert ref.removeprefix("#/components/schemas/") in names, ref


def test_lists_and_writes_say_how_they_page_and_what_they_take(document):
    units = document["paths"]["/api/v1/units"]
    assert {p["name"] for p in units["get"]["parameters"]} == {"limit", "cursor"}
    body = units["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert schema["required"] == ["code", "name"] and schema["additionalProperties"] is False
    events = document["components"]["schemas"]["NewServiceEvent"]
    assert {"external_id", "unit", "staff", "customer_phone", "occurred_at", "locale",
            "service_type"} == set(events["properties"])
    png = document["paths"]["/api/v1/touchpoints/{touchpoint_id}/qr.png"]["get"]["responses"]["200"]
    assert "image/png" in png["content"]


# --- what the routes answer matches what the document says ----------------------

def check(value, schema: dict, schemas: dict, where: str = "") -> None:
    """A small JSON Schema check: types, required members, no undocumented ones."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        assert any(isinstance(value, JSON_TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
                   for t in types), f"{where}: {value!r} is not {types}"
    if "enum" in schema and value is not None:
        assert value in schema["enum"], f"{where}: {value!r}"
    if isinstance(value, dict) and "properties" in schema:
        assert set(schema.get("required", ())) <= set(value), f"{where}: lacks {set(schema['required']) - set(value)}"
        assert set(value) <= set(schema["properties"]), f"{where}: {set(value) - set(schema['properties'])}"
        for key, member in value.items():
            check(member, schema["properties"][key], schemas, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], schemas, f"{where}[{i}]")


def answered_as_documented(document, method: str, path: str, response) -> None:
    operation = document["paths"][path][method]
    documented = operation["responses"][str(response.status_code)]
    media = response.mimetype
    assert media in documented["content"], (path, response.status_code, media)
    if media.endswith("json"):
        check(response.get_json(), documented["content"][media]["schema"], document["components"]["schemas"],
              f"{method} {path}")


def test_answers_have_the_documented_shapes(api_as, anonymous, bank, make, document):
    admin = api_as(bank.admin)
    touchpoint = make.touchpoint(bank.counter_a, staff=bank.handler_a)
    make.case(unit=bank.outlet_a)
    calls = [
        ("get", "/api/v1/units", admin.get("/units")),
        ("get", "/api/v1/units/{unit_id}", admin.get(f"/units/{bank.outlet_a.id}")),
        ("post", "/api/v1/units", admin.post("/units", json={"code": "N", "name": "New"})),
        ("get", "/api/v1/staff", admin.get("/staff")),
        ("get", "/api/v1/staff/{staff_id}", admin.get(f"/staff/{bank.handler_a.id}")),
        ("get", "/api/v1/touchpoints", admin.get("/touchpoints")),
        ("get", "/api/v1/touchpoints/{touchpoint_id}", admin.get(f"/touchpoints/{touchpoint.id}")),
        ("post", "/api/v1/touchpoints", admin.post("/touchpoints", json={"unit": "OA", "label": "C2"})),
        ("get", "/api/v1/touchpoints/{touchpoint_id}/qr.svg", admin.get(f"/touchpoints/{touchpoint.id}/qr.svg")),
        ("post", "/api/v1/service-events", admin.post("/service-events", json={
            "external_id": "T1", "unit": "OA", "customer_phone": "13812345678",
            "occurred_at": "2026-11-02T08:00:00+08:00"})),
        ("post", "/api/v1/ratings", admin.post("/ratings", json={"touchpoint": touchpoint.id, "score": 2})),
        ("get", "/api/v1/ratings", admin.get("/ratings")),
        ("post", "/api/v1/cases", admin.post("/cases", json={"description": "Rude.", "external_id": "E1"})),
        ("post", "/api/v1/cases", admin.post("/cases", json={"description": "Rude.", "external_id": "E1"})),
        ("get", "/api/v1/cases/{reference}", admin.get("/cases/C-2026-000001")),
        ("get", "/api/v1/cases", admin.get("/cases")),
        ("get", "/api/v1/units", anonymous.get("/units")),
        ("post", "/api/v1/cases", admin.post("/cases", json={})),
        ("post", "/api/v1/service-events", admin.post("/service-events", data="x")),
        ("get", "/api/v1/cases/{reference}", admin.get("/cases/C-1999-000404")),
    ]
    statuses = []
    for method, path, response in calls:
        answered_as_documented(document, method, path, response)
        statuses.append(response.status_code)
    assert statuses[-4:] == [401, 400, 415, 404]
    assert statuses[-8:-6] == [201, 200]


# --- methods the document does not declare ---------------------------------------

@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "TRACE"])
def test_an_undeclared_method_is_405_with_allow_and_a_problem(app, api_as, anonymous, bank, method):
    admin = api_as(bank.admin)
    methods = {}
    for rule in api_rules(app):
        methods.setdefault(rule.rule, set()).update(rule.methods)
    for rule, allowed in methods.items():
        if method in allowed:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule)
        for api in (admin, anonymous):
            response = api.client.open(path, method=method, headers=api._headers(None))
            assert response.status_code == 405, (method, rule)
            assert set(response.headers["Allow"].split(", ")) == allowed, rule
            assert response.content_type == "application/problem+json" and response.get_json()["detail"]


def test_options_says_the_methods_and_head_answers_as_get_without_a_body(api_as, anonymous, bank):
    options = anonymous.client.options("/api/v1/units")
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    admin = api_as(bank.admin)
    head = admin.client.head("/api/v1/units", headers=admin._headers(None))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == admin.get("/units").headers["Content-Length"]
    assert anonymous.client.head("/api/v1/units").status_code == 401

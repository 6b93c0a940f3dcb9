"""Who may use each route: every route of the app's URL map, with every
method, asked by a visitor, by staff of every role of the branch the
records belong to, and by staff of another branch. Each answer is let in or
refused as the route's declared expectation says (refused: 401 or a
redirect to the login page for a visitor, 403 - or 404, hiding the record -
for staff), and never a 500. A route without a declared expectation fails
the test, so a new route must say who may use it.

Page forms are sent empty: an answer of 400 shows the request got past the
checks of who may ask, which come before the checks of what was sent. The
API reads a body before the record it acts on, so its actions on a record
get a valid body (API_BODIES): a stranger is refused all the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from intake.services.kiosk import enable_kiosk
from routing.models import Callback, OutboundMessage
from routing.rules.access import at_least
from routing.services import lifecycle, policies, queue_rules
from routing.services.notify import notify_each
from routing.services.org import create_api_token, create_staff
from scoring.models import INSPECTION_KINDS
from scoring.services import entries
from support.factories import password_hash

ROLES = ("handler", "supervisor", "manager", "executive", "admin")
# Staff of the other branch: the roles whose sight ends at their own unit tree.
STRANGERS = ("handler", "supervisor", "manager")
USERS = ("anonymous", *ROLES, *(f"other {role}" for role in STRANGERS))


@dataclass(frozen=True)
class Expect:
    """Who is let in: `role` and above (None: anyone, signed in or not);
    `scoped`: the route acts on a record of the home branch, which staff of
    the other branch below executive may not reach; `twilio`: only a request
    Twilio signed (no user is let in by being signed in); `not_the_subject`:
    the home handler - owner and first responder of the resolved case, and
    the staff member the counter's ratings are about - is refused, since
    nobody calls back or rates their own work (RULES 5)."""

    role: str | None = "handler"
    scoped: bool = False
    query: str = ""
    twilio: bool = False
    not_the_subject: bool = False
    # Only the roles that handle cases (not the administrator): staff intake.
    handles_cases: bool = False

    def lets_in(self, user: str) -> bool:
        if self.twilio:
            return False
        if self.handles_cases and user.removeprefix("other ") == "admin":
            return False
        if self.not_the_subject and user == "handler":
            return False
        if self.role is None:
            return True
        if user == "anonymous":
            return False
        role = user.removeprefix("other ")
        if not at_least(role, self.role):
            return False
        return not (self.scoped and user.startswith("other ") and not at_least(role, "executive"))


ANYONE = Expect(None)
CALLBACK = Expect("handler", scoped=True, not_the_subject=True)
STAFF = Expect("handler")
IN_SCOPE = Expect("handler", scoped=True)
SUPERVISOR = Expect("supervisor")
ADMIN = Expect("admin")
HANDLES = Expect("handler", handles_cases=True)
DRILL = "kind=unit&id={unit}&period=2026-10&metric=satisfaction_rate"

EXPECTED = {
    # The customer's side, and signing in and out.
    "GET /": ANYONE, "GET /healthz": ANYONE, "GET /static/<path:filename>": ANYONE,
    "GET /login": ANYONE, "POST /login": ANYONE, "POST /logout": ANYONE, "GET /staff": ANYONE,
    "GET /q/<token>": ANYONE, "POST /q/<token>": Expect(None, not_the_subject=True), "GET /q/<token>/thanks": ANYONE,
    "GET /q/<token>/r/<int:rating_id>": ANYONE, "POST /q/<token>/r/<int:rating_id>": ANYONE,  # this device's
    "GET /complain": ANYONE, "POST /complain": ANYONE, "POST /complain/code": ANYONE, "GET /complain/joined": ANYONE,
    "GET /complain/sent/<tracking_token>": ANYONE, "GET /track": ANYONE, "POST /track": ANYONE,
    "GET /track/<tracking_token>": ANYONE, "POST /track/<tracking_token>": ANYONE,  # the private link is the key
    "POST /track/<tracking_token>/verdict": ANYONE,
    "POST /sms/inbound": Expect(twilio=True), "POST /sms/status": Expect(twilio=True),
    # Aliyun's and Tencent Cloud's callbacks: only the secret in the path lets in, never a signed-in user.
    **{f"POST /sms/{path}": Expect(twilio=True) for path in (
        "aliyun/<secret>/report", "aliyun/<secret>/reply", "tencent/<secret>/status", "tencent/<secret>/reply")},
    # The counter evaluator's tablet: the secret in its address is the key.
    "GET /kiosk/<secret>": ANYONE, "GET /kiosk/<secret>/prompt": ANYONE, "POST /kiosk/<secret>/ratings": ANYONE,
    "POST /kiosk/<secret>/heartbeat": ANYONE,
    # Every member of staff: their own queues, inbox, password and scores.
    "GET /account/password": STAFF, "POST /account/password": STAFF,
    "GET /cases/new": HANDLES, "POST /cases/new": HANDLES,
    "GET /cases": STAFF, "GET /escalations": STAFF, "POST /notifications/read": STAFF, "GET /callbacks": STAFF,
    "GET /scores": STAFF, "GET /scores/export.<fmt>": STAFF, "GET /overview": SUPERVISOR,
    # A case or callback of the home branch: its unit's people and their managers.
    "GET /cases/<reference>": IN_SCOPE, "POST /cases/<reference>/<step>": IN_SCOPE,
    "GET /callbacks/<int:callback_id>": CALLBACK, "POST /callbacks/<int:callback_id>": CALLBACK,
    "POST /callbacks/<int:callback_id>/phone": CALLBACK,
    # Supervisors and above (RULES 7: a handler sees only their own scores).
    "GET /low-ratings": SUPERVISOR, "GET /scores/enter": SUPERVISOR, "GET /scores/report": SUPERVISOR,
    "GET /scores/inspections": SUPERVISOR, "POST /scores/inspections": SUPERVISOR,
    "GET /scores/inspections/checklist": SUPERVISOR, "POST /scores/inspections/checklist": SUPERVISOR, "GET /scores/verdicts": SUPERVISOR,
    "GET /scores/ledger": Expect("manager"), "POST /scores/ledger": Expect("manager"),
    "GET /scores/<kind>/<int:subject_id>": Expect("supervisor", scoped=True),  # the home outlet's scorecard
    "GET /scores/drilldown": Expect("supervisor", scoped=True, query=DRILL),
    "POST /scores/<table>/<int:row_id>/withdraw": Expect("supervisor", scoped=True),  # an inspection of it
    "POST /scores/verdicts/<reference>": Expect("supervisor", scoped=True),
    # Administration.
    **{f"{method} /admin{path}": ADMIN for method, path in (
        ("GET", "/"), ("GET", "/units"), ("POST", "/units"), ("GET", "/units/<int:unit_id>"),
        ("POST", "/units/<int:unit_id>"), ("GET", "/staff"), ("POST", "/staff"),
        ("POST", "/staff/<int:staff_id>/deactivate"), ("POST", "/staff/<int:staff_id>/reactivate"),
        ("GET", "/staff/<int:staff_id>/password"), ("POST", "/staff/<int:staff_id>/password"),
        ("GET", "/touchpoints"), ("POST", "/touchpoints"), ("GET", "/touchpoints/<int:touchpoint_id>/qr.<fmt>"),
        ("POST", "/touchpoints/<int:touchpoint_id>/revoke"), ("POST", "/touchpoints/<int:touchpoint_id>/rotate"),
        ("GET", "/tokens"), ("POST", "/tokens"), ("POST", "/tokens/<int:token_id>/revoke"),
        ("GET", "/policies"), ("GET", "/policies/new"), ("POST", "/policies/new"), ("GET", "/policies/<name>"),
        ("POST", "/policies/<name>"), ("GET", "/calendars"), ("GET", "/calendars/new"), ("POST", "/calendars/new"),
        ("GET", "/calendars/<name>"), ("POST", "/calendars/<name>"), ("POST", "/calendars/<name>/import"),
        ("GET", "/outbox"), ("POST", "/outbox/<int:message_id>/retry"),
        ("GET", "/notices"), ("POST", "/notices/<provider>/<key>"),
        ("POST", "/touchpoints/<int:touchpoint_id>/kiosk"), ("POST", "/touchpoints/<int:touchpoint_id>/kiosk/off"),
        ("GET", "/routing-rules"), ("POST", "/routing-rules"), ("POST", "/routing-rules/<int:rule_id>/retire"))},
    # The API, by bearer token: a token sees its unit's tree (executives and admins everything).
    "GET /api/v1/openapi.json": ANYONE,
    **{f"GET /api/v1{path}": STAFF for path in (
        "/units", "/staff", "/touchpoints", "/cases", "/callbacks", "/scorecards", "/metrics")},
    **{f"GET /api/v1{path}": IN_SCOPE for path in (
        "/units/<int:unit_id>", "/staff/<int:staff_id>", "/touchpoints/<int:touchpoint_id>",
        "/touchpoints/<int:touchpoint_id>/qr.png", "/touchpoints/<int:touchpoint_id>/qr.svg",
        "/touchpoints/<int:touchpoint_id>/qr.pdf", "/cases/<reference>")},
    **{f"POST /api/v1/cases/<reference>/{step}": IN_SCOPE for step in (
        "claim", "transfer", "reply", "appointment", "weather", "resolve", "reopen", "close", "facts")},
    "POST /api/v1/touchpoints/<int:touchpoint_id>/prompt": IN_SCOPE,
    "POST /api/v1/touchpoints/<int:touchpoint_id>/heartbeat": IN_SCOPE,
    "POST /api/v1/callbacks/<int:callback_id>/outcome": CALLBACK,
    "POST /api/v1/callbacks/<int:callback_id>/phone": CALLBACK,
    "POST /api/v1/cases": STAFF, "POST /api/v1/ratings": STAFF, "POST /api/v1/service-events": STAFF,
    "GET /api/v1/ratings": SUPERVISOR, "GET /api/v1/ratings/<int:rating_id>": Expect("supervisor", scoped=True),
    "POST /api/v1/units": ADMIN, "POST /api/v1/touchpoints": ADMIN,
    "GET /api/v1/outbox": ADMIN, "GET /api/v1/outbox/<int:message_id>": ADMIN,
    "POST /api/v1/outbox/<int:message_id>/retry": ADMIN,
    "GET /api/v1/routing-rules": ADMIN, "POST /api/v1/routing-rules": ADMIN,
    "POST /api/v1/routing-rules/<int:rule_id>/retire": ADMIN,
}


API_BODIES = {
    "transfer": {"to_staff": "{spare}", "reason": "Her counter."}, "reply": {"message": "We are on it."},
    "appointment": {"at": "2026-11-03T10:00:00+08:00"}, "resolve": {"summary": "Refunded."},
    "reopen": {"reason": "Still charged."}, "outcome": {"outcome": "no_answer"}, "weather": {"reason": "A typhoon."},
    "prompt": {"transaction_no": "BJ-0001"},
    "routing-rules": {"category": "billing", "to_unit": "BA"}, "facts": {"category": "billing", "reason": "Charged."},
}


def routes(app) -> list[tuple[str, object]]:
    """(method, rule) of every route, signing out last (it ends the sessions)."""
    found = [(method, rule) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda route: route[1].endpoint == "auth.logout")


def test_every_route_declares_who_may_use_it(app):
    declared = set(EXPECTED)
    found = {f"{method} {rule.rule}" for method, rule in routes(app)}
    assert not found - declared, f"routes without a declared expectation: {sorted(found - declared)}"
    assert not declared - found, f"expectations of routes that do not exist: {sorted(declared - found)}"


# --- the organisation ----------------------------------------------------------

def _member(session, clock, role, unit, name):
    member = create_staff(session, f"{name}-{role}", role, clock.now(), unit=unit, phone="+8613900000001")
    member.password_hash = password_hash()
    return member


@pytest.fixture
def world(app, client, make, session, clock):
    """Two branches of one company; every role at the home branch (A) and
    the roles of a unit tree at the other (B); records of branch A's outlet."""
    policies.ensure_presets(session, clock.now())
    company = make.unit("CO", "Company", level="company")
    branch_a, branch_b = (make.unit(code, f"Branch {code}", level="branch", parent=company) for code in ("BA", "BB"))
    outlet_a, outlet_b = make.unit("OA", "Outlet A", parent=branch_a), make.unit("OB", "Outlet B", parent=branch_b)
    home = {"handler": outlet_a, "supervisor": outlet_a, "manager": branch_a, "executive": company, "admin": company}
    people = {role: _member(session, clock, role, home[role], "home") for role in ROLES}
    away = {"handler": outlet_b, "supervisor": outlet_b, "manager": branch_b}
    people.update({f"other {role}": _member(session, clock, role, away[role], "other") for role in STRANGERS})
    spare = _member(session, clock, "handler", outlet_a, "spare")
    session.commit()
    handler = people["handler"]
    touchpoint, spare_touchpoint = make.touchpoint(outlet_a, handler), make.touchpoint(outlet_a, label="Counter 9")
    enable_kiosk(session, spare_touchpoint, clock.now())  # the counter system's prompt and heartbeat
    kiosk = enable_kiosk(session, make.touchpoint(outlet_a, label="Counter 8"), clock.now())  # its tablet
    tokens = {user: create_api_token(session, member, clock.now(), "t")[0] for user, member in people.items()}
    spare_token = create_api_token(session, spare, clock.now(), "spare")[1].id
    case = make.case(unit=outlet_a, recorded_by=handler, contact_phone="+8613800000001", category="attitude")
    resolved = make.case(unit=outlet_a, recorded_by=handler, contact_phone="+8613800000002", kind="complaint")
    lifecycle.resolve(session, resolved, handler, "Refunded.", clock.now())
    inspection = entries.record_inspection(session, entries.NewInspection(
        unit_id=outlet_a.id, kind=INSPECTION_KINDS[0], held_on=clock.now().date(), score=80), None,
        clock.now())
    notify_each(session, [handler], "assigned", clock.now(), case=case, data={"reason": "Yours."})
    rule = queue_rules.add_rule(session, category="billing", from_unit=outlet_a, to_unit=branch_a, now=clock.now())
    session.commit()
    client.set_cookie("fb_device", "d" * 40)
    rating_id = int(client.post(f"/q/{touchpoint.token}", data={"score": "2"}).headers["Location"].rpartition("/")[2])
    values = {
        "token": touchpoint.token, "rating_id": rating_id, "tracking_token": case.tracking_token,
        "reference": case.reference, "step": "note", "callback_id": session.scalar(
            select(Callback.id).where(Callback.case_id == resolved.id)),
        "kind": "unit", "subject_id": outlet_a.id, "table": "inspections", "row_id": inspection.id,
        "unit_id": outlet_a.id, "staff_id": spare.id, "touchpoint_id": spare_touchpoint.id, "token_id": spare_token,
        "fmt": "png", "name": policies.policies(session)[0].name, "filename": "app.css", "unit": outlet_a.id,
        "spare": spare.username, "rule_id": rule.id, "message_id": session.scalar(select(OutboundMessage.id).limit(1)),
        "secret": kiosk.secret, "provider": "aliyun", "key": "survey",
    }
    per_rule = {"/scores/verdicts/<reference>": {"reference": resolved.reference},
                "/admin/calendars/<name>": {"name": policies.calendars(session)[0].name},
                "/scores/export.<fmt>": {"fmt": "csv"},
                # A domestic SMS provider's callback with a wrong secret in its path.
                **{f"/sms/{path}": {"secret": "not-the-secret"} for path in (
                    "aliyun/<secret>/report", "aliyun/<secret>/reply", "tencent/<secret>/status",
                    "tencent/<secret>/reply")}}
    return SimpleNamespace(people=people, tokens=tokens, values=values, per_rule=per_rule)


def browser_of(app, world, user):
    """A browser signed in as this user (with their API token), holding the rating's device cookie."""
    browser = app.test_client()
    browser.set_cookie("fb_device", "d" * 40)
    if user != "anonymous":
        response = browser.post("/login", data={"username": world.people[user].username,
                                                "password": "correct horse battery"})
        assert response.status_code == 302, user
        browser.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[user]}"
    return browser


def url_of(rule, world) -> str:
    values = {**world.values, **world.per_rule.get(rule.rule, {})}
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(str(values[m[1]]), safe=""), rule.rule)
    query = EXPECTED[f"GET {rule.rule}"].query if f"GET {rule.rule}" in EXPECTED else ""
    return path + ("?" + query.format(**values) if query else "")


def verdict(response) -> str:
    """let in, refused or error, from what the answer says."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status in (401, 403, 404) or (status == 302 and response.headers["Location"].startswith("/login?next=")):
        return "refused"
    return "let in"


@pytest.mark.parametrize("user", USERS)
def test_each_route_lets_in_or_refuses_each_user_as_declared(app, client, world, user):
    browser = browser_of(app, world, user)
    wrong = []
    for method, rule in routes(app):
        url = url_of(rule, world)
        if rule.rule.startswith("/api/") and method == "POST":
            body = API_BODIES.get(rule.rule.rpartition("/")[2], {})
            response = browser.post(url, json={k: v.format(**world.values) for k, v in body.items()})
        else:
            response = browser.open(url, method=method)
        got = verdict(response)
        response.close()
        expected = "let in" if EXPECTED[f"{method} {rule.rule}"].lets_in(user) else "refused"
        if got != expected:
            wrong.append(f"{method} {url}: {response.status_code}, {got}; expected {expected}")
    assert not wrong, f"{user}:\n" + "\n".join(wrong)

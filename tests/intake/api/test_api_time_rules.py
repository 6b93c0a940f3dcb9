"""The time rules of issue 11 from outside: a contact posted with the time it
came in (POST /api/v1/cases, received_at), its deadlines read back
(GET /api/v1/cases/<reference>), the tick run as `feedback tick --now`.
China's official working days (RULES 2), the 21:00 cut-off of urban repairs
(004), callbacks on working days only (RULES 4), approval authority by
amount (RULES 3)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from intake import create_app
from intake.shell.cli import main
from routing.models import Escalation
from routing.rules.ladder import LEVELS, authority_level
from support.ladder import cli_tick

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def z(moment: datetime) -> str:
    """As the API writes times: UTC with a Z."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def desk(api_as, bank, clock):
    """The outlet's supervisor posting contacts for outlet A (urban)."""
    api = api_as(bank.supervisor_a)

    def post(received: datetime, posted: datetime, **fields) -> dict:
        clock.set(posted)
        body = {"description": "Reported by phone", "unit": "OA", "kind": "complaint", **fields,
                "received_at": received.isoformat()}
        return ok(api.post("/cases", json=body), 201)

    post.api = api
    return post


def deadline(case: dict, target: str) -> dict:
    return next(d for d in case["deadlines"] if d["target"] == target)


def read(api, clock, reference: str, at: datetime) -> dict:
    clock.set(at)
    return ok(api.get(f"/cases/{reference}"))


def tick(app, clock, at: datetime) -> dict:
    clock.set(at)
    return cli_tick(app, at)


def test_a_complaint_before_the_spring_festival_is_due_after_it_and_not_escalated_during_it(app, desk, clock):
    # Received Friday 13 February 10:00: Saturday 14 is a make-up working day,
    # 15-23 February are holidays: due Wednesday 25 February 10:00, not 18.
    case = desk(sh(2026, 2, 13, 10), posted=sh(2026, 2, 13, 10, 5))
    assert case["received_at"] == z(sh(2026, 2, 13, 10))
    resolution = deadline(case, "resolution")
    assert resolution["due_at"] == z(sh(2026, 2, 25, 10)) and resolution["calendar_confirmed"] is True
    desk.api.post(f"/cases/{case['reference']}/reply", json={"message": "We are looking into it."})

    report = tick(app, clock, sh(2026, 2, 18, 12))
    assert report["escalations"]["escalations"] == 0
    assert deadline(read(desk.api, clock, case["reference"], sh(2026, 2, 18, 12)), "resolution") == {
        **resolution, "state": "pending", "minutes_late": 0, "escalation_level": "handler",
        "minutes_left": (6 * 24 + 22) * 60}  # until Wednesday 25 February 10:00

    tick(app, clock, sh(2026, 2, 25, 10, 1))
    late = deadline(read(desk.api, clock, case["reference"], sh(2026, 2, 25, 10, 1)), "resolution")
    assert (late["state"], late["minutes_late"], late["escalation_level"]) == ("breached", 1, "supervisor")


def test_a_complaint_before_a_make_up_sunday_is_due_on_tuesday(desk):
    case = desk(sh(2026, 9, 18, 15), posted=sh(2026, 9, 18, 15, 30))
    assert deadline(case, "resolution")["due_at"] == z(sh(2026, 9, 22, 15))


def test_a_complaint_before_labour_day_is_due_after_the_five_days_off(desk):
    case = desk(sh(2026, 4, 29, 9, 30), posted=sh(2026, 4, 29, 9, 30))
    assert deadline(case, "resolution")["due_at"] == z(sh(2026, 5, 7, 9, 30))


def test_a_complaint_resolved_on_the_eve_of_national_day_is_called_back_after_it(app, desk, clock):
    case = desk(sh(2026, 9, 28, 10), posted=sh(2026, 9, 28, 10))
    clock.set(sh(2026, 9, 30, 16))
    ok(desk.api.post(f"/cases/{case['reference']}/claim"))
    ok(desk.api.post(f"/cases/{case['reference']}/resolve", json={"summary": "Apologised and refunded."}))
    callback = next(cb for cb in ok(desk.api.get("/callbacks"))["items"] if cb["case_reference"] == case["reference"])
    assert (callback["due_start"], callback["due_end"]) == (z(sh(2026, 10, 8, 9)), z(sh(2026, 10, 8, 12)))

    assert tick(app, clock, sh(2026, 10, 1, 12, 1))["callbacks"] == {"reminded": 0, "missed": 0, "skipped": 0}
    assert tick(app, clock, sh(2026, 10, 8, 9))["callbacks"]["reminded"] == 1
    assert tick(app, clock, sh(2026, 10, 8, 12))["callbacks"]["missed"] == 1


@pytest.mark.parametrize("severity, resolution_due", [
    ("normal", sh(2026, 11, 4)),                           # the same day: by the end (24:00) of Tuesday 3 November
    ("minor", sh(2026, 11, 3, 9)),                         # small fault: 1 hour from 8:00
    ("major", sh(2026, 11, 4, 8)),                         # major fault: 1 day from 8:00
])
def test_an_urban_repair_after_21_is_due_from_the_next_mornings_start_of_duty(app, desk, clock, severity,
                                                                               resolution_due):
    case = desk(sh(2026, 11, 2, 21, 30), posted=sh(2026, 11, 2, 21, 31), kind="repair", severity=severity)
    assert deadline(case, "arrival")["due_at"] == z(sh(2026, 11, 3, 8, 30))
    assert deadline(case, "arrival")["started_at"] == z(sh(2026, 11, 3, 8))
    assert deadline(case, "resolution")["due_at"] == z(resolution_due)
    assert tick(app, clock, sh(2026, 11, 2, 22, 1))["escalations"] == {"cases": 0, "warnings": 0, "escalations": 0}
    assert deadline(read(desk.api, clock, case["reference"], sh(2026, 11, 2, 22, 1)), "arrival")["state"] == "pending"


def test_an_urban_repair_before_21_is_handled_at_once(desk):
    case = desk(sh(2026, 11, 2, 20, 50), posted=sh(2026, 11, 2, 20, 51), kind="repair")
    assert deadline(case, "arrival")["due_at"] == z(sh(2026, 11, 2, 21, 20))
    assert deadline(case, "resolution")["due_at"] == z(sh(2026, 11, 3, 0, 0))


@pytest.mark.parametrize("amount, level", [
    ("999.99", "manager"),
    ("1000.00", "manager"),     # 1000元以下: 1,000 itself is the department manager's
    ("1000.01", "deputy_gm"),
    ("4999.99", "deputy_gm"),
    ("5000.00", "gm"),          # 5000元以上: 5,000 itself is the general manager's
])
def test_a_claim_goes_at_once_to_the_level_that_may_approve_it(desk, session, amount, level):
    case = desk(sh(2026, 11, 2, 9), posted=sh(2026, 11, 2, 9), amount_claimed=amount)
    steps = session.scalars(select(Escalation).where(Escalation.case_id == case["id"])).all()
    assert [(s.target, LEVELS[s.level]) for s in steps] == [("immediate", level)]


def test_the_last_working_day_of_2026_is_due_in_2027_not_confirmed_until_the_notice(
        app, desk, clock, before_the_2027_notice, library_update):
    # RULES 2: Thu 2026-12-31 10:00 -> Wed 2027-01-06 10:00, from 1 January
    # (statutory) and the weekends, marked not confirmed.
    case = desk(sh(2026, 12, 31, 10), posted=sh(2026, 12, 31, 10, 5))
    resolution = deadline(case, "resolution")
    assert (resolution["due_at"], resolution["calendar_confirmed"]) == (z(sh(2027, 1, 6, 10)), False)
    assert deadline(case, "first_response")["calendar_confirmed"] is True  # 24 clock hours need no calendar

    library_update()  # python-holidays publishes 2027: 4 January off, Saturday 9 January worked
    result = app.test_cli_runner().invoke(main, args=["calendars", "refresh"])
    assert result.exit_code == 0, result.output
    resolution = deadline(read(desk.api, clock, case["reference"], sh(2026, 12, 31, 11)), "resolution")
    assert (resolution["due_at"], resolution["calendar_confirmed"]) == (z(sh(2027, 1, 7, 10)), True)


def test_the_authority_bands_are_configuration(app_config, monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "other"))
    monkeypatch.setenv("FEEDBACK_AUTHORITY_BANDS", json.dumps([
        {"level": "manager", "up_to": 2000, "includes_bound": False}, {"level": "gm"}]))
    configured = create_app(app_config)
    configured.extensions["db"].dispose()
    bands = configured.config["AUTHORITY_BANDS"]
    assert [authority_level(amount, bands) for amount in (1999, 2000)] == ["manager", "gm"]
    monkeypatch.setenv("FEEDBACK_AUTHORITY_BANDS", json.dumps([{"level": "gm", "up_to": 5}]))
    with pytest.raises(ValueError):
        create_app(app_config)  # refused when the app starts, not at the first large claim


def test_received_at_is_never_later_than_now(desk, clock):
    clock.set(sh(2026, 11, 2, 9))
    response = desk.api.post("/cases", json={"description": "x", "unit": "OA", "received_at": "2026-11-02T10:00:00+08:00"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"received_at": "later than now"}
    # Without it the contact came in now; a clock a few seconds ahead is read as now.
    now = ok(desk.api.post("/cases", json={"description": "x", "unit": "OA"}), 201)
    assert now["received_at"] == z(sh(2026, 11, 2, 9))
    ahead = ok(desk.api.post("/cases", json={"description": "y", "unit": "OA",
                                             "received_at": "2026-11-02T09:00:20+08:00"}), 201)
    assert ahead["received_at"] == z(sh(2026, 11, 2, 9))


def test_the_openapi_document_describes_received_at_and_the_deadlines(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["NewCase"]["properties"]["received_at"]["format"] == "date-time"
    assert schemas["CaseWithTimeline"]["properties"]["deadlines"]["items"] == {"$ref": "#/components/schemas/Deadline"}
    deadline_props = schemas["Deadline"]["properties"]
    assert set(deadline_props) == {"target", "started_at", "due_at", "met_at", "state", "minutes_late",
                                   "minutes_left", "breached_at", "escalation_level", "calendar_confirmed"}
    assert deadline_props["state"]["enum"] == ["pending", "paused", "breached", "met", "met_late"]
    assert "/api/v1/cases/{reference}/weather" in document["paths"]

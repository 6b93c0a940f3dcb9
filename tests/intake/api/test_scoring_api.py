"""GET /api/v1/scorecards and /api/v1/metrics: the scheme computed from what
was recorded, what a token may see (RULES 7), and the audit trail."""
import pytest
from sqlalchemy import select

from routing.services.org import create_api_token
from scoring.models import ScoreAudit
from support.records import Records

SCORECARDS = "/api/v1/scorecards?scheme=satisfaction_50_20_30&period=2026-10"


@pytest.fixture
def world(session, clock):
    rec = Records(session)
    company = rec.unit("C", level="company")
    branch = rec.unit("B", company, level="branch")
    o1, o2 = rec.unit("O1", branch), rec.unit("O2", branch)
    people = {
        "handler": rec.staff("hana", o1, "handler"),
        "manager": rec.staff("mo", o2, "manager"),
        "branch_manager": rec.staff("bea", branch, "manager"),
        "executive": rec.staff("eve", None, "executive"),
    }
    # RULES 5.1's worked example at O1: 47 + 18 + 12 = 77.
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.rating(o1, "2026-10-05 10:00", 5, people["handler"])
    rec.rating(o1, "2026-10-06 10:00", 4, people["handler"])
    valid = rec.case(o1, "2026-10-10 09:00", first_responder=people["handler"], phone="+8613800000001")
    rec.verdict(valid, "valid")
    rec.verdict(rec.case(o1, "2026-10-11 09:00"), "major")
    rec.inspection(o2, "on_site", "2026-10", problems=0)  # O2: 50 + 8 (one "not very satisfied") + 30
    rec.rating(o2, "2026-10-07 10:00", 2)
    tokens = {role: create_api_token(session, person, clock.now())[0] for role, person in people.items()}
    session.commit()
    return {"people": people, "tokens": tokens, "valid": valid}


def get(client, world, url, role):
    return client.get(url, headers={"Authorization": f"Bearer {world['tokens'][role]}"})


def test_an_executive_sees_every_units_scorecard_ranked_and_explained(client, world):
    response = get(client, world, SCORECARDS, "executive")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["scheme"], body["period"], body["subject_kind"]) == ("satisfaction_50_20_30", "2026-10", "unit")
    ranked = [(item["subject"], item["place"], item["total"]) for item in body["items"]]
    assert ranked[:2] == [("O2", 1, 88), ("O1", 2, 77)]
    o1 = body["items"][1]
    assert o1["grade"] == "unqualified" and o1["name"] == "Unit O1"
    assert {"component": "complaints", "points": -6, "reason": "valid_complaint", "ref": world["valid"].reference,
            "explanation": f"complaints: valid complaint {world['valid'].reference}: -6"} in o1["breakdown"]


def test_a_manager_sees_only_their_unit_tree(client, world):
    subjects = {item["subject"] for item in get(client, world, SCORECARDS, "manager").get_json()["items"]}
    assert subjects == {"O2"}
    subjects = {item["subject"] for item in get(client, world, SCORECARDS, "branch_manager").get_json()["items"]}
    assert subjects == {"B", "O1", "O2"}
    outside = get(client, world, SCORECARDS + "&unit=O1", "manager").get_json()["items"]
    assert outside == []


def test_a_handler_sees_only_their_own_scores(client, world):
    assert get(client, world, SCORECARDS, "handler").get_json()["items"] == []
    staff = get(client, world, SCORECARDS + "&subject=staff", "handler").get_json()["items"]
    assert [item["subject"] for item in staff] == ["hana"]
    metrics = get(client, world, "/api/v1/metrics?period=2026-10&subject=staff", "handler").get_json()["items"]
    assert [(m["subject"], m["metrics"]["ratings"]) for m in metrics] == [("hana", 2)]


def test_metrics_of_a_unit_tree(client, world):
    response = get(client, world, "/api/v1/metrics?period=2026-10&unit=B", "executive")
    assert response.status_code == 200
    items = {item["subject"]: item["metrics"] for item in response.get_json()["items"]}
    assert set(items) == {"B", "O1", "O2"}
    assert items["B"]["ratings"] == 3 and items["B"]["satisfaction_rate"] == 0.6667
    assert items["O1"]["valid_complaints"] == 2 and items["O1"]["major_complaints"] == 1
    assert items["O2"]["complaint_rate"] is None  # no services recorded


def test_every_answer_is_audited(client, world, session):
    get(client, world, SCORECARDS, "manager")
    get(client, world, "/api/v1/metrics?period=2026-10", "executive")
    rows = session.scalars(select(ScoreAudit).order_by(ScoreAudit.id)).all()
    assert [(r.staff_id, r.action) for r in rows] == [
        (world["people"]["manager"].id, "view"), (world["people"]["executive"].id, "view")]
    assert rows[0].what.startswith("api scorecards satisfaction_50_20_30 2026-10 unit")


@pytest.mark.parametrize("url, field, status", [
    ("/api/v1/scorecards?scheme=satisfaction_50_20_30&period=2026-13", "period", 400),
    ("/api/v1/scorecards?scheme=no_such_scheme&period=2026-10", "scheme", 400),
    ("/api/v1/scorecards?period=2026-10", "scheme", 400),
    ("/api/v1/metrics?period=2026-10&subject=team", "subject", 400),
    ("/api/v1/metrics?period=2026-10&unit=NOPE", "unit", 422),  # a code, of no unit
])
def test_bad_queries_are_refused_naming_the_field(client, world, url, field, status):
    response = get(client, world, url, "executive")
    assert response.status_code == status
    assert field in response.get_json()["errors"]


def test_scores_need_a_token(client, world):
    assert client.get(SCORECARDS).status_code == 401
    assert client.get("/api/v1/metrics?period=2026-10").status_code == 401


def test_the_openapi_document_describes_both(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/scorecards", "/api/v1/metrics"} <= set(document["paths"])
    parameters = {p["name"] for p in document["paths"]["/api/v1/scorecards"]["get"]["parameters"]}
    assert parameters == {"scheme", "period", "subject", "unit"}
    assert "breakdown" in document["components"]["schemas"]["Scorecard"]["properties"]

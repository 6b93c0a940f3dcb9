"""`feedback score --scheme NAME --period P [--unit CODE] [--subject unit|staff]
[--format table|csv|json]`."""
import csv
import io
import json

import pytest
from sqlalchemy import select

from intake.shell.cli import main
from scoring.cli import score
from scoring.models import ScoreAudit
from support.records import Records


@pytest.fixture
def world(session):
    rec = Records(session)
    branch = rec.unit("B", level="branch")
    o1, o2 = rec.unit("O1", branch), rec.unit("O2", branch)
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.rating(o1, "2026-10-05 10:00", 5)
    rec.rating(o1, "2026-10-06 10:00", 4)
    valid = rec.case(o1, "2026-10-10 09:00")
    rec.verdict(valid, "valid")
    rec.verdict(rec.case(o1, "2026-10-11 09:00"), "major")
    rec.inspection(o2, "on_site", "2026-10", problems=1)
    teller = rec.staff("teller", o1)
    rec.ledger("violation", "quarrel", 3, "2026-10-01 10:00", staff=teller)
    session.commit()
    return {"valid": valid}


def run(app, *args):
    return app.test_cli_runner().invoke(score, list(args))


def test_score_is_a_feedback_command():
    assert main.get_command(None, "score") is score


def test_table_ranks_the_units_and_explains_with_explain(app, world):
    result = run(app, "--scheme", "satisfaction_50_20_30", "--period", "2026-10", "--unit", "B", "--explain")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Satisfaction work evaluation 50/20/30, 2026-10"
    assert lines[1].split() == ["#", "code", "name", "total", "grade", "money", "flags"]
    assert lines[2].split()[:6] == ["1", "O2", "Unit", "O2", "99.00", "excellent"]
    assert f"    complaints: valid complaint {world['valid'].reference}: -6" in lines
    ranking = [line.split()[:2] for line in lines[2:] if not line.startswith(" ")]
    assert ranking == [["1", "O2"], ["2", "B"], ["3", "O1"]]  # B counts O1's complaints: 50 + 18 + 12


def test_csv_has_a_line_per_scorecard_with_its_breakdown(app, world):
    result = run(app, "--scheme", "satisfaction_50_20_30", "--period", "2026-10", "--unit", "O1", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["Code"], r["Total"], r["Grade"]) for r in rows] == [("O1", "77", "unqualified")]
    assert (rows[0]["standards"], rows[0]["survey"], rows[0]["complaints"]) == ("47", "18", "12")
    assert f"complaints: valid complaint {world['valid'].reference}: -6" in rows[0]["Breakdown"]


def test_json_for_staff(app, world):
    result = run(app, "--scheme", "twelve_point_ledger", "--period", "2026", "--subject", "staff",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["scheme"], body["period"], body["subject"]) == ("twelve_point_ledger", "2026", "staff")
    assert [(c["subject"], c["total"], c["place"]) for c in body["scorecards"]] == [("teller", 9, 1)]
    assert body["scorecards"][0]["breakdown"][1]["explanation"] == "ledger: violation quarrel 2026-10-01: -3"


def test_every_run_is_audited(app, world, session):
    run(app, "--scheme", "hotline_three_rates", "--period", "2026-Q4", "--format", "csv")
    audit = session.scalars(select(ScoreAudit)).one()
    assert (audit.staff_id, audit.action) == (None, "export")
    assert audit.what == "cli score hotline_three_rates 2026-Q4 unit all csv"


@pytest.mark.parametrize("args, message", [
    (["--scheme", "nope", "--period", "2026-10"], "unknown scheme 'nope'"),
    (["--scheme", "hotline_three_rates", "--period", "2026-13"], "Invalid value for '--period'"),
    (["--scheme", "hotline_three_rates", "--period", "2026-10", "--unit", "ZZ"], "no unit with code ZZ"),
])
def test_mistakes_are_usage_errors(app, world, args, message):
    result = run(app, *args)
    assert result.exit_code == 2 and message in result.output

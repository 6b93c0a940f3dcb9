"""What staff enter for scoring: inspection results and complaint verdicts by
supervisors and above within their unit tree, violations and merits by
managers and above. Every entry is audited; bad input is an error on the
form, never a 500 and never a half-written record."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from routing.models import Case
from scoring.models import ComplaintVerdict, Inspection, LedgerEntry, ScoreAudit
from support.records import Records
from support.score_pages import build_org, reading, ref

# The organisation's own inspections were written straight into the table; these came through the pages.
ENTERED = Inspection.entered_by_id.is_not(None)


@pytest.fixture
def org(session, clock):
    return build_org(session, clock)


def count(app, model, *where):
    with reading(app) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def entered(app):
    with reading(app) as s:
        return list(s.scalars(select(ScoreAudit.what).where(ScoreAudit.action == "enter").order_by(ScoreAudit.id)))


def one(app, model, *where):
    with reading(app) as s:
        return s.scalars(select(model).where(*where)).one()


def all_of(app, model, *where):
    with reading(app) as s:
        return s.scalars(select(model).where(*where).order_by(model.id)).all()


def post(client, url, data):
    return client.post(url + "?lang=en", data=data)


def inspection(org, **changes):
    data = {"unit": org.o1.id, "staff": 0, "kind": "mystery_shopper", "item": "", "held_on": "2026-10-20",
            "score": "88.5", "problems": "", "period_label": "", "note": "Visited at noon."}
    data.update(changes)
    return data


# --- inspections -----------------------------------------------------------------

def test_a_supervisor_records_a_mystery_shopper_score(app, client, login, org):
    login(org.supervisor)
    response = post(client, "/scores/inspections", inspection(org))
    assert response.status_code == 303
    row = one(app, Inspection, ENTERED)
    assert (row.unit_id, row.kind, row.score, row.held_on, row.period_label, row.entered_by_id) == (
        org.o1.id, "mystery_shopper", Decimal("88.50"), date(2026, 10, 20), "2026-10", org.supervisor.id)
    assert entered(app) == [f"inspection {row.id} mystery_shopper unit {org.o1.id} 2026-10"]
    page = client.get("/scores/inspections?lang=en").get_data(as_text=True)
    assert "was recorded for 2026-10" in page and "88.5" in page


def test_problems_found_count_against_the_standards_on_the_scorecard(client, login, org):
    login(org.supervisor)
    assert post(client, "/scores/inspections", inspection(org, unit=org.o2.id, kind="on_site", score="",
                                                         problems="2", held_on="2026-10-25")).status_code == 303
    login(org.manager)
    html = client.get(f"/scores/unit/{org.o2.id}?period=2026-10&lang=en").get_data(as_text=True)
    assert html.count("Problem found in inspection") == 2 + 0  # the new on-site check's two problems


def test_a_result_for_a_quarter_may_be_entered_any_day(app, client, login, org):
    login(org.supervisor)
    assert post(client, "/scores/inspections", inspection(org, period_label="2026-Q4")).status_code == 303
    assert one(app, Inspection, ENTERED).period_label == "2026-Q4"


def test_an_inspection_needs_a_score_or_problems(app, client, login, org):
    login(org.supervisor)
    response = post(client, "/scores/inspections", inspection(org, score="", problems=""))
    assert response.status_code == 400
    assert "Give a score, a number of problems found, or both." in response.get_data(as_text=True)
    assert count(app, Inspection, ENTERED) == 0 and entered(app) == []


@pytest.mark.parametrize("changes, message", [
    ({"score": "101"}, "A score is between 0 and 100."),
    ({"score": "lots"}, "Not a valid decimal value"),
    ({"problems": "-1", "score": ""}, "The number of problems must be 0 or more."),
    ({"held_on": "2026-11-20"}, "The date cannot be in the future."),
    ({"held_on": ""}, "Give the date of the inspection."),
    ({"period_label": "2026-Q5"}, "The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."),
    ({"kind": "checklist"}, "Choose the checklist item this score is for."),
    ({"kind": "checklist", "item": "office", "score": "8"}, "This item scores at most 5."),
    ({"item": "office"}, "A checklist item goes with the kind"),
    ({"kind": "astrology"}, "Not a valid choice"),
])
def test_bad_inspection_input_is_an_error_on_the_form(app, client, login, org, changes, message):
    login(org.supervisor)
    response = post(client, "/scores/inspections", inspection(org, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Inspection, ENTERED) == 0


def test_a_checklist_item_is_recorded_with_its_item(app, client, login, org):
    login(org.supervisor)
    assert post(client, "/scores/inspections", inspection(org, kind="checklist", item="staff_conduct",
                                                         score="18")).status_code == 303
    row = one(app, Inspection, ENTERED)
    assert (row.kind, row.item, row.score) == ("checklist", "staff_conduct", Decimal("18.00"))


def test_a_supervisor_cannot_enter_results_for_a_unit_outside_their_tree(app, client, login, org):
    login(org.supervisor)
    page = client.get("/scores/inspections?lang=en").get_data(as_text=True)
    assert "Hill Road outlet" not in page
    response = post(client, "/scores/inspections", inspection(org, unit=org.o3.id))
    assert response.status_code == 400 and count(app, Inspection, ENTERED) == 0


def test_nobody_enters_their_own_result(app, client, login, org):
    login(org.supervisor)
    page = client.get("/scores/inspections").get_data(as_text=True)
    assert f'value="{org.supervisor.id}"' not in page.split('name="staff"')[1].split("</select>")[0]
    response = post(client, "/scores/inspections", inspection(org, kind="manager_assessment",
                                                             staff=org.supervisor.id))
    assert response.status_code == 400 and count(app, Inspection, ENTERED) == 0


def test_a_handler_may_not_enter_results(app, client, login, org):
    login(org.ann)
    assert client.get("/scores/inspections").status_code == 403
    assert post(client, "/scores/inspections", inspection(org)).status_code == 403
    assert count(app, Inspection, ENTERED) == 0


def test_an_entry_made_by_mistake_is_withdrawn_with_a_reason_and_kept(app, client, login, org):
    login(org.supervisor)
    post(client, "/scores/inspections", inspection(org))
    row = one(app, Inspection, ENTERED)
    refused = client.post(f"/scores/inspections/{row.id}/withdraw?lang=en", data={"reason": ""}, follow_redirects=True)
    assert "Give the reason for withdrawing the entry." in refused.get_data(as_text=True)
    done = client.post(f"/scores/inspections/{row.id}/withdraw?lang=en", data={"reason": "Wrong outlet"})
    assert done.status_code == 303
    row = one(app, Inspection, Inspection.id == row.id)
    assert row.superseded_at is not None and "Wrong outlet" in row.note
    assert entered(app)[-1] == f"withdrew inspection {row.id}"


# --- complaint verdicts ------------------------------------------------------------

def verdict(case, verdict="valid", reason="The customer waited 40 minutes; the rule is 15.", points=""):
    prefix = f"c{case.id}-"
    return {prefix + "verdict": verdict, prefix + "reason": reason, prefix + "points": points}


def test_the_complaints_of_the_period_are_listed_for_a_verdict(client, login, org):
    login(org.supervisor)
    html = client.get("/scores/verdicts?period=2026-10&lang=en").get_data(as_text=True)
    assert org.complaint.reference in html and org.open_complaint.reference in html
    assert "Not judged yet" in html and "Hill Road" not in html
    assert "13812345678" not in html


def test_unjudged_complaints_wait_on_the_to_judge_list_and_count_as_valid_meanwhile(app, client, login, org):
    login(org.manager)
    html = client.get(f"/scores/unit/{org.o1.id}?period=2026-10&lang=en").get_data(as_text=True)
    assert "1 complaint has not been judged yet" in html
    assert f"Valid complaint {org.open_complaint.reference}, not yet judged" in html
    login(org.supervisor)
    html = client.get("/scores/verdicts?show=unjudged&lang=en").get_data(as_text=True)
    assert "Complaints to judge" in html
    assert org.open_complaint.reference in html and org.complaint.reference not in html  # that one is judged


def test_a_resolved_complaint_closes_with_its_verdict(app, client, login, org):
    login(org.supervisor)
    case = org.open_complaint  # resolved, not judged
    response = post(client, f"/scores/verdicts/{case.reference}",
                    {**verdict(case, "invalid", "The machine was fine."), f"c{case.id}-close": "y"})
    assert response.status_code == 303
    assert one(app, Case, Case.id == case.id).status == "closed"
    login(org.manager)
    html = client.get(f"/scores/unit/{org.o1.id}?period=2026-10&lang=en").get_data(as_text=True)
    assert "not been judged yet" not in html and "79.67" not in html  # the invalid one counts no more


def test_a_supervisor_judges_a_complaint_valid(app, client, login, org):
    login(org.supervisor)
    case = org.open_complaint
    response = post(client, f"/scores/verdicts/{case.reference}", verdict(case))
    assert response.status_code == 303 and f"#case-{case.id}" in response.headers["Location"]
    row = one(app, ComplaintVerdict, ComplaintVerdict.case_id == case.id)
    assert (row.verdict, row.decided_by_id) == ("valid", org.supervisor.id)
    assert entered(app) == [f"verdict valid on {case.reference}"]


def test_a_new_verdict_supersedes_the_old_which_stays_on_record(app, client, login, org):
    login(org.supervisor)
    case = org.complaint  # already judged valid
    assert post(client, f"/scores/verdicts/{case.reference}",
                verdict(case, "major", "It was in the evening paper.")).status_code == 303
    rows = all_of(app, ComplaintVerdict, ComplaintVerdict.case_id == case.id)
    assert [(r.verdict, r.superseded_at is not None) for r in rows] == [("valid", True), ("major", False)]
    login(org.manager)
    html = client.get(f"/scores/unit/{org.o1.id}?period=2026-10&lang=en").get_data(as_text=True)
    assert f"Major complaint {case.reference}" in html and "\u221212" in html


def test_a_verdict_needs_a_reason(app, client, login, org):
    login(org.supervisor)
    case = org.open_complaint
    response = post(client, f"/scores/verdicts/{case.reference}", verdict(case, reason="  "))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the reason for the verdict." in html and f'id="case-{case.id}"' in html
    assert count(app, ComplaintVerdict, ComplaintVerdict.case_id == case.id) == 0


def test_a_verdict_must_be_valid_invalid_or_major(client, login, org):
    login(org.supervisor)
    case = org.open_complaint
    response = post(client, f"/scores/verdicts/{case.reference}", verdict(case, verdict="maybe"))
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


def test_a_verdict_outside_ones_tree_is_refused(app, client, login, session, org):

    far = ref(Records(session).case(org.o3, "2026-10-15 10:00"))
    session.commit()
    login(org.supervisor)
    response = post(client, f"/scores/verdicts/{far.reference}", verdict(far))
    assert response.status_code == 403
    assert "You may not enter scores for this unit or person." in response.get_data(as_text=True)
    assert count(app, ComplaintVerdict, ComplaintVerdict.case_id == far.id) == 0


def test_only_a_complaint_gets_a_verdict(app, client, login, session, org):

    repair = ref(Records(session).case(org.o1, "2026-10-15 10:00", kind="repair"))
    session.commit()
    login(org.supervisor)
    response = post(client, f"/scores/verdicts/{repair.reference}", verdict(repair))
    assert response.status_code == 400
    assert count(app, ComplaintVerdict, ComplaintVerdict.case_id == repair.id) == 0


def test_an_unknown_case_is_a_404(client, login, org):
    login(org.supervisor)
    assert client.post("/scores/verdicts/C-2026-999999", data={}).status_code == 404


def test_a_handler_may_not_judge_complaints(client, login, org):
    login(org.ann)
    case = org.open_complaint
    assert client.get("/scores/verdicts").status_code == 403
    assert post(client, f"/scores/verdicts/{case.reference}", verdict(case)).status_code == 403


# --- the ledger --------------------------------------------------------------------

def ledger_entry(org, **changes):
    data = {"staff": org.ann.id, "code": "violation.quarrel", "points": "3", "occurred_at": "2026-10-14T09:30",
            "note": "Raised her voice at a customer."}
    data.update(changes)
    return data


def test_a_manager_records_a_violation(app, client, login, org):
    login(org.manager)
    assert post(client, "/scores/ledger", ledger_entry(org)).status_code == 303
    row = one(app, LedgerEntry)
    assert (row.staff_id, row.kind, row.code, row.points, row.entered_by_id) == (
        org.ann.id, "violation", "quarrel", 3, org.manager.id)
    assert row.occurred_at.isoformat() == "2026-10-14T01:30:00+00:00"  # 09:30 in Shanghai
    assert entered(app) == [f"ledger {row.id} violation quarrel 3 staff {org.ann.id}"]
    html = client.get("/scores/ledger?lang=en").get_data(as_text=True)
    assert "Quarrelled with a customer" in html and "\u22123" in html


def test_a_merit_shows_on_the_twelve_point_ledger(client, login, org):
    login(org.manager)
    assert post(client, "/scores/ledger", ledger_entry(org, staff=org.bob.id, code="merit.commendation",
                                                    points="2")).status_code == 303
    html = client.get(f"/scores/staff/{org.bob.id}?scheme=twelve_point_ledger&period=2026&lang=en").get_data(as_text=True)
    assert "Merit: Letter of praise or city media report" in html
    assert re.search(r'id="total">14<', html)


@pytest.mark.parametrize("changes, message", [
    ({"points": "11"}, "Points are a whole number from 1 to 10."),
    ({"points": ""}, "Give the points."),
    ({"code": "violation.napping"}, "Not a valid choice"),
    ({"occurred_at": "yesterday"}, "Not a valid datetime value"),
    ({"occurred_at": "2026-12-01T09:00"}, "The time cannot be in the future."),
])
def test_bad_ledger_input_is_an_error_on_the_form(app, client, login, org, changes, message):
    login(org.manager)
    response = post(client, "/scores/ledger", ledger_entry(org, **changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, LedgerEntry) == 0


def test_a_manager_cannot_enter_for_people_outside_their_tree_or_themselves(app, client, login, org):
    login(org.manager)
    for someone in (org.other_manager, org.manager):
        assert post(client, "/scores/ledger", ledger_entry(org, staff=someone.id)).status_code == 400
    assert count(app, LedgerEntry) == 0


def test_a_supervisor_may_not_keep_the_ledger(app, client, login, org):
    login(org.supervisor)
    assert client.get("/scores/ledger").status_code == 403
    assert post(client, "/scores/ledger", ledger_entry(org)).status_code == 403
    assert count(app, LedgerEntry) == 0


def test_entry_forms_need_their_csrf_token(app, client, login, org):
    login(org.manager)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = post(client, "/scores/ledger", ledger_entry(org))
    assert refused.status_code == 400 and count(app, LedgerEntry) == 0
    html = client.get("/scores/ledger").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert post(client, "/scores/ledger", {**ledger_entry(org), "csrf_token": token}).status_code == 303
    case = org.open_complaint
    html = client.get("/scores/verdicts?period=2026-10").get_data(as_text=True)
    token = re.search(rf'name="c{case.id}-csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert post(client, f"/scores/verdicts/{case.reference}",
                {**verdict(case), f"c{case.id}-csrf_token": token}).status_code == 303


def test_a_whole_checklist_is_entered_in_one_form(app, client, login, org):
    login(org.supervisor)
    form = client.get("/scores/inspections/checklist?lang=en").get_data(as_text=True)
    assert "Staff conduct (at most 20)" in form and "Tidy counter (at most 10)" in form
    scores = {"phone_answering": "10", "phone_duty": "8", "staff_conduct": "18.5", "counter_tidy": "10"}
    refused = post(client, "/scores/inspections/checklist", {
        "unit": org.o1.id, "held_on": "2026-10-20", **{f"item_{k}": v for k, v in scores.items()},
        "item_corners": "6"})
    assert refused.status_code == 400 and "This item scores at most 5." in refused.get_data(as_text=True)
    assert count(app, Inspection, Inspection.kind == "checklist") == 0  # all or none
    done = post(client, "/scores/inspections/checklist", {
        "unit": org.o1.id, "held_on": "2026-10-20", **{f"item_{k}": v for k, v in scores.items()}})
    assert done.status_code == 303
    rows = all_of(app, Inspection, Inspection.kind == "checklist")
    assert sorted((r.item, float(r.score)) for r in rows) == sorted((k, float(v)) for k, v in scores.items())
    assert {r.period_label for r in rows} == {"2026-10"}

"""Scorecards computed from recorded data reproduce RULES 5's worked examples,
explain every point, and apply the rules across periods."""
import tomllib
from datetime import date, datetime, timezone
from decimal import Decimal as D
from importlib import resources

import pytest
from sqlalchemy import select

from routing.errors import Forbidden, RoutingError
from scoring.engine.explain import describe
from scoring.engine.inputs import ScoreInputs
from scoring.engine.periods import Period
from scoring.engine.scheme import load_scheme, parse_scheme
from scoring.engine import scorecard as engine
from scoring.models import ComplaintVerdict, Inspection, ScoreAudit
from scoring.services.entries import (
    NewInspection,
    NewLedgerEntry,
    current_verdict,
    decide_complaint,
    record_inspection,
    record_ledger_entry,
    withdraw,
)
from scoring.services.scorecards import build_inputs, places, scheme_titles, scorecards, subjects
from scoring.services.sight import visible_subjects

TZ = "Asia/Shanghai"


def card_of(cards, subject):
    return next(c for c in cards if c.subject == subject)


def explained(card):
    return [describe(line) for line in card.breakdown]


def test_every_preset_is_offered_with_its_title():
    schemes = dict(scheme_titles())
    assert schemes["satisfaction_50_20_30"] == "Satisfaction work evaluation 50/20/30"
    assert len(schemes) == 12


def test_rules_5_1_worked_example_from_recorded_data(session, rec, tree):
    """3 problems found; survey answers very satisfied and basically satisfied;
    1 valid and 1 major complaint -> 47 + 18 + 12 = 77, unqualified."""
    o1 = tree["o1"]
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.rating(o1, "2026-10-05 10:00", 5)
    rec.rating(o1, "2026-10-06 10:00", 4)
    valid = rec.case(o1, "2026-10-10 09:00")
    rec.verdict(valid, "valid")
    major = rec.case(o1, "2026-10-11 09:00")
    rec.verdict(major, "major")
    card = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [o1.id], TZ), "O1")
    assert card.total == 77 and card.grade == "unqualified"
    assert card.components["standards"].score == 47
    assert card.components["survey"].score == 18
    assert card.components["complaints"].score == 12
    lines = explained(card)
    assert f"complaints: valid complaint {valid.reference}: -6" in lines
    assert f"complaints: major complaint {major.reference}: -12" in lines
    assert lines.count("standards: standards problem on_site 2026-10-01: -1") == 3
    assert sum(line.points for line in card.breakdown) == card.total


def test_a_branch_counts_its_outlets_complaints_but_not_their_inspections(session, rec, tree):
    rec.inspection(tree["o1"], "on_site", "2026-10", problems=3)
    rec.verdict(rec.case(tree["o1"], "2026-10-10 09:00"), "valid")
    branch = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [tree["branch"].id], TZ), "B")
    assert branch.components["standards"].score == 50  # rated: it had a complaint; no problems of its own
    assert branch.components["complaints"].score == 24


def test_rules_5_1_no_inspection_and_no_complaint_is_not_rated(session, rec, tree):
    rec.rating(tree["o2"], "2026-10-05 10:00", 5)
    card = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [tree["o2"].id], TZ), "O2")
    assert card.not_rated and card.not_rated_reason == "no_inspection_no_complaint" and card.total is None


def test_rules_5_1_two_months_below_90_in_a_year_lose_the_annual_award(session, rec, tree):
    o1 = tree["o1"]
    for month in ("2026-03", "2026-08", "2026-10"):
        rec.inspection(o1, "on_site", month, problems=0)
    rec.verdict(rec.case(o1, "2026-03-10 09:00"), "major")  # March: 50 + 20 + 18 = 88
    cards = {}
    for month in ("2026-08", "2026-09", "2026-10"):
        cards[month] = card_of(scorecards(session, "satisfaction_50_20_30", month, "unit", [o1.id], TZ), "O1")
    assert "annual_award_lost" not in cards["2026-09"].flags  # September not rated
    rec.verdict(rec.case(o1, "2026-10-10 09:00"), "valid")
    rec.verdict(rec.case(o1, "2026-10-11 09:00"), "valid")  # October: 50 + 20 + 18 = 88
    october = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [o1.id], TZ), "O1")
    assert october.total == 88 and "annual_award_lost" in october.flags
    assert cards["2026-08"].total == 100 and "annual_award_lost" not in cards["2026-08"].flags


def test_rules_5_2_worked_example_outlet_from_recorded_data(session, rec, tree):
    """Mystery 90, off-site absent, on-site 80, one complaint deducting 5 -> 80."""
    o1 = tree["o1"]
    rec.inspection(o1, "mystery_shopper", "2026-Q3", score=90)
    rec.inspection(o1, "on_site", "2026-08", score=80)  # a month of the quarter counts for it
    complaint = rec.case(o1, "2026-09-01 09:00")
    rec.verdict(complaint, "valid")
    card = card_of(scorecards(session, "bank_outlet", "2026-Q3", "unit", [o1.id], TZ), "O1")
    assert card.total == 80
    assert card.components["mystery_shopper"].weight == D("0.5")
    assert f"complaints: complaint {complaint.reference}: -5" in explained(card)


def test_rules_5_2_branch_from_its_outlets_management_check_and_awards(session, rec, tree):
    rec.inspection(tree["o1"], "mystery_shopper", "2026-Q3", score=90)
    rec.inspection(tree["o2"], "mystery_shopper", "2026-Q3", score=70)
    rec.inspection(tree["branch"], "management", "2026-Q3", score=85)
    rec.ledger("merit", "external_recognition", 2, "2026-08-01 10:00", unit=tree["branch"])
    card = card_of(scorecards(session, "bank_branch", "2026-Q3", "unit", [tree["branch"].id], TZ), "B")
    assert card.total == D("80") * D("0.4") + D("85") * D("0.6") + 2  # outlets' mean 80


def test_rules_5_3_worked_example_92_5_costs_2500_yuan(session, rec, tree):
    o1 = tree["o1"]
    rec.inspection(o1, "self_check", "2026-07", score=90)
    rec.inspection(o1, "self_check", "2026-08", score="87.5")
    for day in (1, 2):
        rec.rating(o1, f"2026-08-{day:02d} 10:00", 5)  # questionnaire 100
    rec.verdict(rec.case(o1, "2026-09-01 09:00"), "valid")  # complaints 90
    card = card_of(scorecards(session, "quality_department", "2026-Q3", "unit", [o1.id], TZ), "O1")
    # 88.75 x 0.4 + 100 x 0.3 + 90 x 0.3
    assert card.total == D("92.5") and card.grade == "unqualified"
    assert card.money == D("-2500")


def test_rules_5_3_spot_check_penalty_and_missed_callbacks_come_off(session, rec, tree):
    o1 = tree["o1"]
    rec.inspection(o1, "self_check", "2026-Q3", score=100)
    rec.inspection(o1, "spot_check", "2026-Q3", score=5)  # the auditors disagree: 5 off the self-check
    rec.rating(o1, "2026-08-01 10:00", 5)
    missed = rec.case(o1, "2026-08-01 09:00", kind="repair", resolved="2026-08-01 12:00")
    rec.callback(missed, "2026-08-02 09:00", "missed")
    card = card_of(scorecards(session, "quality_department", "2026-Q3", "unit", [o1.id], TZ), "O1")
    # 95 x 0.4 + 100 x 0.3 + 100 x 0.3 - 1 = 97: reward (97 - 95) x 2,000
    assert card.total == 97 and card.money == 4000
    assert f"callback records: callback record problem {missed.reference}: -1" in explained(card)


def test_hotline_three_rates_from_the_metrics(session, rec, tree):
    o1 = tree["o1"]
    answered = rec.case(o1, "2026-10-01 09:00", resolved="2026-10-01 12:00")
    rec.deadline(answered, "first_response", due="2026-10-01 10:00", met="2026-10-01 09:30")
    late = rec.case(o1, "2026-10-02 09:00")
    rec.deadline(late, "first_response", due="2026-10-02 10:00", met="2026-10-02 11:00", breached=True)
    for score in (5, 5, 4, 1):
        rec.rating(o1, "2026-10-03 10:00", score)
    card = card_of(scorecards(session, "hotline_three_rates", "2026-10", "unit", [o1.id], TZ), "O1")
    # response 1/2 x 20 + resolution 1/2 x 40 + satisfaction 3/4 x 40
    assert card.total == D("10") + D("20") + D("30")


def test_rules_5_6_ledger_from_recorded_entries_and_complaints(session, rec, tree):
    teller = rec.staff("teller", tree["o1"])
    rec.ledger("violation", "forbidden_words", 1, "2026-03-01 10:00", staff=teller)
    rec.ledger("violation", "forbidden_words", 1, "2026-03-20 10:00", staff=teller)  # again within 30 days: x2
    rec.ledger("merit", "commendation", 2, "2026-05-01 10:00", staff=teller)
    rec.ledger("violation", "late_or_early", 1, "2025-12-30 10:00", staff=teller)  # last year
    complaint = rec.case(tree["o1"], "2026-06-01 09:00", first_responder=teller)
    rec.verdict(complaint, "valid")
    card = card_of(scorecards(session, "twelve_point_ledger", "2026", "staff", [teller.id], TZ), "teller")
    assert card.total == 12 - 1 - 2 + 2 - 2
    assert card.grade == "B" and "grade_capped" in card.flags  # 9 points and a complaint: not A
    assert f"ledger: valid complaint {complaint.reference}: -2" in explained(card)


def test_a_ledger_scorecard_for_a_month_counts_the_year_so_far(session, rec, tree):
    teller = rec.staff("teller", tree["o1"])
    rec.ledger("violation", "quarrel", 3, "2026-02-01 10:00", staff=teller)
    rec.ledger("violation", "quarrel", 3, "2026-11-01 10:00", staff=teller)
    card = card_of(scorecards(session, "twelve_point_ledger", "2026-10", "staff", [teller.id], TZ), "teller")
    assert card.total == 9


def test_a_record_outside_the_schemes_range_leaves_only_that_subject_unrated(session, rec, tree):
    ann, ben = rec.staff("ann", tree["o1"]), rec.staff("ben", tree["o1"])
    rec.ledger("violation", "counter_unattended", 1, "2026-03-01 10:00", staff=ann)  # the rule says 2-3
    cards = scorecards(session, "twelve_point_ledger", "2026", "staff", [ann.id, ben.id], TZ)
    assert card_of(cards, "ann").not_rated and card_of(cards, "ann").not_rated_reason.startswith("invalid_input")
    assert card_of(cards, "ben").total == 12


def test_rules_5_7_two_months_at_30_points_mean_dismissal(session, rec, tree):
    carer = rec.staff("carer", tree["o1"])
    for month in ("09", "10"):
        for points, day in ((3, 1), (3, 2)):
            rec.ledger("violation", "rounds", points, f"2026-{month}-{day:02d} 10:00", staff=carer)
    september = card_of(scorecards(session, "deduction_points", "2026-09", "staff", [carer.id], TZ), "carer")
    assert september.total == 6 and september.money == -60 and "dismissal" not in september.flags
    for day in range(3, 11):
        rec.ledger("violation", "rounds", 3, f"2026-09-{day:02d} 10:00", staff=carer)
        rec.ledger("violation", "rounds", 3, f"2026-10-{day:02d} 10:00", staff=carer)
    october = card_of(scorecards(session, "deduction_points", "2026-10", "staff", [carer.id], TZ), "carer")
    assert october.total == 30 and {"base_salary_only", "dismissal"} <= set(october.flags)


def test_rules_5_8_ranking_first_last_and_three_months_last(session, rec, tree):
    people = {name: rec.staff(name, tree["o1"]) for name in ("amy", "bo", "cy")}
    for month in ("2026-08", "2026-09", "2026-10"):
        for name, score in (("amy", 95), ("bo", 80), ("cy", 60)):
            rec.inspection(tree["o1"], "manager_assessment", month, score=score, staff=people[name])
    cards = scorecards(session, "monthly_ranking", "2026-10", "staff", [p.id for p in people.values()], TZ)
    assert [c.subject for c in cards] == ["amy", "bo", "cy"]
    assert places(cards) == {"amy": 1, "bo": 2, "cy": 3}
    assert card_of(cards, "amy").money == 100
    last = card_of(cards, "cy")
    assert last.money == -100 and {"improvement_plan", "transfer"} <= set(last.flags)
    assert "improvement_plan" in card_of(cards, "bo").flags and "transfer" not in card_of(cards, "bo").flags


def test_rules_5_4_checklist_items_add_up_and_fine_the_station(session, rec, tree):
    o1 = tree["o1"]
    for item, score in (("phone_answering", 10), ("phone_duty", 8), ("staff_conduct", 20), ("counter_tidy", 10),
                        ("hours_and_opinion_box", 10), ("supervision_board", 5), ("conveniences", 5),
                        ("hall_order", 5), ("corners", 5), ("fittings", 5)):
        rec.inspection(o1, "checklist", "2026-10", score=score, item=item)
    card = card_of(scorecards(session, "checklist_100", "2026-10", "unit", [o1.id], TZ), "O1")
    assert card.total == 83 and card.grade == "fail" and card.money == -100


def test_rules_5_5_sales_daily_work_and_days_absent(session, rec, tree):
    seller = rec.staff("seller", tree["o1"])
    rec.inspection(tree["o1"], "daily_work", "2026-10", score=90, staff=seller)
    rec.inspection(tree["o1"], "attendance", "2026-10", problems=2, staff=seller)
    card = card_of(scorecards(session, "sales_70_30", "2026-10", "staff", [seller.id], TZ), "seller")
    assert card.total == D("90") * D("0.7") + D("92") * D("0.3")


def test_inputs_name_the_subject_by_code_and_only_current_entries_count(session, rec, tree):
    row = rec.inspection(tree["o1"], "on_site", "2026-10", problems=4)
    row.superseded_at = row.created_at  # corrected by the entry below
    rec.inspection(tree["o1"], "on_site", "2026-10", problems=1)
    scheme = load_scheme("satisfaction_50_20_30")
    inputs = build_inputs(session, scheme, "unit", subjects(session, "unit", [tree["o1"].id]),
                          [Period.parse("2026-10")], TZ)
    one = inputs[(tree["o1"].id, Period.parse("2026-10"))]
    assert one.subject == "O1" and len(one.events_of(["standards_problem"])) == 1


# --- what staff enter: permissions, corrections, audit --------------------------------------------


@pytest.fixture
def people(rec, tree):
    return {
        "handler": rec.staff("hal", tree["o1"], "handler"),
        "supervisor": rec.staff("sue", tree["o1"], "supervisor"),
        "manager": rec.staff("max", tree["branch"], "manager"),
        "other_manager": rec.staff("oli", tree["o2"], "manager"),
        "executive": rec.staff("eve", None, "executive"),
    }


NOW = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def test_a_corrected_verdict_supersedes_and_both_stay_on_record(session, rec, tree, people):
    complaint = rec.case(tree["o1"], "2026-10-10 09:00")
    decide_complaint(session, complaint, "valid", "The teller was rude, on camera.", people["manager"], NOW)
    corrected = decide_complaint(session, complaint, "invalid", "The customer withdrew it.", people["manager"], NOW)
    rows = session.scalars(select(ComplaintVerdict).order_by(ComplaintVerdict.id)).all()
    assert [(r.verdict, r.superseded_by_id) for r in rows] == [("valid", corrected.id), ("invalid", None)]
    assert current_verdict(session, complaint.id).verdict == "invalid"
    rec.inspection(tree["o1"], "on_site", "2026-10", problems=0)
    card = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [tree["o1"].id], TZ), "O1")
    assert card.total == 100  # the valid verdict no longer counts
    audit = session.scalars(select(ScoreAudit).order_by(ScoreAudit.id)).all()
    assert [(a.staff_id, a.action) for a in audit] == [(people["manager"].id, "enter")] * 2
    assert audit[1].what == f"verdict invalid on {complaint.reference} replaces valid"


def test_an_inspection_entered_is_audited_and_a_correction_replaces_it(session, tree, people):
    first = record_inspection(session, NewInspection(tree["o1"].id, "on_site", date(2026, 10, 12), problems=4),
                              people["supervisor"], NOW)
    second = record_inspection(session, NewInspection(tree["o1"].id, "on_site", date(2026, 10, 12), problems=2),
                               people["supervisor"], NOW, replaces=first)
    assert (first.superseded_by_id, first.period_label, second.superseded_at) == (second.id, "2026-10", None)
    what = session.scalars(select(ScoreAudit.what).order_by(ScoreAudit.id)).all()
    assert what == [f"inspection {first.id} on_site unit {tree['o1'].id} 2026-10",
                    f"inspection {second.id} on_site unit {tree['o1'].id} 2026-10 replaces {first.id}"]


@pytest.mark.parametrize("who, unit, subject, allowed", [
    ("supervisor", "o1", None, True),
    ("handler", "o1", None, False),            # handlers do not enter scores
    ("other_manager", "o1", None, False),      # outside their tree
    ("manager", "o1", "handler", True),
    ("manager", "o1", "manager", False),       # nobody enters their own result
    ("executive", "o2", None, True),
])
def test_who_may_enter_results(session, tree, people, who, unit, subject, allowed):
    new = NewInspection(tree[unit].id, "manager_assessment" if subject else "on_site", date(2026, 10, 12), score=80,
                        staff_id=people[subject].id if subject else None)
    if allowed:
        record_inspection(session, new, people[who], NOW)
    else:
        with pytest.raises(Forbidden):
            record_inspection(session, new, people[who], NOW)
        assert session.scalars(select(Inspection)).all() == []


def test_ledger_points_stay_within_the_rules(session, people):
    # A staff member's entry is whole points up to 10 (a media exposure costs 5-10); a unit's may be 0.5.
    for points in (11, "1.5", 0):
        entry = NewLedgerEntry("violation", "quarrel", points, NOW, staff_id=people["handler"].id)
        with pytest.raises(RoutingError) as refused:
            record_ledger_entry(session, entry, people["manager"], NOW)
        assert refused.value.code == "invalid_ledger_points"
    row = record_ledger_entry(session, NewLedgerEntry("merit", "Service Star", 1, NOW, staff_id=people["handler"].id),
                              people["manager"], NOW)
    assert row.code == "service_star"


def test_only_a_complaint_gets_a_verdict_and_only_with_a_reason(session, rec, tree, people):
    with pytest.raises(RoutingError):
        decide_complaint(session, rec.case(tree["o1"], "2026-10-10 09:00", kind="repair"), "valid", "x",
                         people["manager"], NOW)
    with pytest.raises(RoutingError):
        decide_complaint(session, rec.case(tree["o1"], "2026-10-10 09:00"), "valid", "  ", people["manager"], NOW)


def test_a_withdrawn_entry_is_kept_but_no_longer_counts(session, tree, people):
    row = record_inspection(session, NewInspection(tree["o1"].id, "on_site", date(2026, 10, 12), problems=9),
                            people["supervisor"], NOW)
    withdraw(session, row, people["manager"], NOW, "Entered for the wrong outlet.")
    assert session.get(Inspection, row.id).superseded_at == NOW
    card = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [tree["o1"].id], TZ), "O1")
    assert card.not_rated  # no inspection left, no complaint


def test_who_sees_whose_scores(session, tree, people):
    """RULES 7: a person their own scores, a manager their unit tree, executives everything."""
    assert visible_subjects(session, people["handler"]) == ([], [people["handler"].id])
    units, staff = visible_subjects(session, people["manager"])
    assert set(units) == {tree["branch"].id, tree["o1"].id, tree["o2"].id}
    assert set(staff) == {p.id for k, p in people.items() if k != "executive"}
    units, staff = visible_subjects(session, people["other_manager"])
    assert (units, staff) == ([tree["o2"].id], [people["other_manager"].id])
    assert visible_subjects(session, people["executive"]) == (None, None)


def test_survey_answers_given_as_counts_score_like_the_list_of_answers():
    scheme = load_scheme("satisfaction_50_20_30")
    listed = ScoreInputs("O1", "2026-10", inspected={"standards"},
                         responses={"survey": ["very_satisfied"] * 2 + ["average"]})
    counted = ScoreInputs("O1", "2026-10", inspected={"standards"},
                          responses={"survey": {"very_satisfied": 2, "average": 1, "very_dissatisfied": 0}})
    assert engine.score(scheme, counted).components["survey"].score == engine.score(scheme, listed).components["survey"].score \
        == D(52) / 3  # (20 + 20 + 12) / 3
    assert engine.score(scheme, counted).total == D("97.33")


def test_an_unjudged_complaint_counts_as_valid_until_judged_and_is_shown_as_unjudged(session, rec, tree):
    # The outlet: one inspection and complaints nobody judged must not make it "excellent".
    o1 = tree["o1"]
    rec.inspection(o1, "on_site", "2026-10", problems=0)
    for day in (3, 9, 17):
        rec.case(o1, f"2026-10-{day:02d} 10:00")
    card = card_of(scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [o1.id], TZ), "O1")
    # 50 + 20 (no survey answers: counts as 20) + 30 - 3 x 6 = 82, unqualified.
    assert (card.total, card.grade, card.unjudged) == (82, "unqualified", 3)
    assert [line.params.get("unjudged") for line in card.breakdown if line.component == "complaints"][1:] == [True] * 3


def test_a_scheme_may_leave_unjudged_complaints_out(session, rec, tree):
    o1 = tree["o1"]
    rec.inspection(o1, "on_site", "2026-10", problems=0)
    rec.case(o1, "2026-10-03 10:00")
    scheme = load_scheme("satisfaction_50_20_30")
    text = resources.files("scoring.schemes").joinpath("satisfaction_50_20_30.toml").read_text(encoding="utf-8")
    lenient = parse_scheme({**tomllib.loads(text), "unjudged": "ignore"})
    inputs = build_inputs(session, lenient, "unit", subjects(session, "unit", [o1.id]), [Period.parse("2026-10")], TZ)
    card = engine.score(lenient, inputs[(o1.id, Period.parse("2026-10"))])
    assert (card.total, card.unjudged) == (100, 1)
    assert scheme.unjudged == "valid"

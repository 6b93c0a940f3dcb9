"""Every preset scheme of RULES 5 reproduces its seed: the worked examples,
the thresholds, the money, and a breakdown that explains every point."""
import tomllib
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from importlib import resources

import pytest

from scoring.engine.branch import branch_score
from scoring.engine.explain import describe
from scoring.engine.inputs import Event, ScoreInputError, ScoreInputs
from scoring.engine.ranking import ranking_outcomes
from scoring.engine.scheme import available_schemes, load_scheme, parse_scheme
from scoring.engine.scorecard import score
from scoring.engine.series import dismissal_due, loses_annual_award

PRESETS = {
    "satisfaction_50_20_30",
    "bank_outlet",
    "bank_branch",
    "quality_department",
    "checklist_100",
    "grades_80_60",
    "sales_70_30",
    "ecommerce_30_70",
    "twelve_point_ledger",
    "deduction_points",
    "monthly_ranking",
    "hotline_three_rates",
}
JAN_1 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def inputs(**kw):
    return ScoreInputs(kw.pop("subject", "unit-1"), kw.pop("period", "2026-10"), **kw)


def day(n):
    return JAN_1 + timedelta(days=n)


def test_every_preset_of_rules_5_ships_and_loads():
    assert set(available_schemes()) == PRESETS
    for name in PRESETS:
        scheme = load_scheme(name)
        assert scheme.name == name and scheme.source and scheme.components


# ---------------------------------------------------------------- 5.1 satisfaction 50/20/30


def satisfaction(problems=0, answers=(), valid=0, major=0, inspected=True, extra=()):
    events = [("standards_problem", f"P{i}", None) for i in range(problems)]
    events += [("valid_complaint", f"C-2026-{i:06d}", None) for i in range(valid)]
    events += [("major_complaint", f"C-2026-{900 + i:06d}", None) for i in range(major)]
    return inputs(
        inspected={"standards"} if inspected else set(),
        responses={"survey": list(answers)},
        events=events + list(extra),
    )


def test_5_1_worked_example_47_18_12_is_77_unqualified():
    card = score(
        load_scheme("satisfaction_50_20_30"),
        satisfaction(problems=3, answers=["very_satisfied", "basically_satisfied"], valid=1, major=1),
    )
    assert card.components["standards"].score == 47
    assert card.components["survey"].score == 18
    assert card.components["complaints"].score == 12
    assert card.total == 77
    assert card.grade == "unqualified"


def test_5_1_breakdown_names_each_complaint_by_its_case_reference():
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(valid=1, major=1))
    complaint_lines = [(line.reason, line.points, line.params.get("ref")) for line in card.breakdown if line.component == "complaints"]
    assert complaint_lines == [
        ("start", 30, None),
        ("valid_complaint", -6, "C-2026-000000"),
        ("major_complaint", -12, "C-2026-000900"),
    ]
    assert describe(card.breakdown[-1]) == "complaints: major complaint C-2026-000900: -12"


@pytest.mark.parametrize(
    "problems, valid, grade", [(0, 0, "excellent"), (5, 0, "excellent"), (6, 0, "qualified"), (4, 1, "qualified"), (5, 1, "unqualified")]
)
def test_5_1_grades_95_excellent_90_qualified(problems, valid, grade):
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(problems, ["very_satisfied"], valid))
    assert card.grade == grade


def test_5_1_survey_is_the_mean_of_band_points_over_all_answers():
    answers = ["very_satisfied", "average", "very_dissatisfied"]  # (20 + 12 + 4) / 3 = 12
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(answers=answers))
    assert card.components["survey"].score == 12
    assert card.total == 92


def test_5_1_complaints_never_below_zero():
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(answers=["very_satisfied"], major=3))
    assert card.components["complaints"].score == 0
    assert card.total == 70
    assert ("floor", D(6)) in [(line.reason, line.points) for line in card.breakdown]


def test_5_1_no_inspection_and_no_complaint_is_not_rated_not_100():
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(inspected=False, answers=["very_satisfied"]))
    assert card.not_rated and card.not_rated_reason == "no_inspection_no_complaint"
    assert card.total is None and card.grade is None and card.breakdown == ()


def test_5_1_a_complaint_without_inspection_is_rated():
    card = score(load_scheme("satisfaction_50_20_30"), satisfaction(inspected=False, answers=["very_satisfied"], valid=1))
    assert not card.not_rated and card.total == 94


def alternative_reading():
    """RULES 5.1: 'no inspection, or complaints pending' (the file shows how)."""
    data = tomllib.loads(resources.files("scoring.schemes").joinpath("satisfaction_50_20_30.toml").read_text("utf-8"))
    data["not_rated"] = [
        {
            "code": "no_inspection_or_pending_complaint",
            "when": {"any": [{"no_inspection": "standards"}, {"has_events": ["complaint_pending"]}]},
        }
    ]
    return parse_scheme(data)


def test_5_1_alternative_reading_no_inspection_alone_is_not_rated():
    scheme = alternative_reading()
    card = score(scheme, satisfaction(inspected=False, answers=["very_satisfied"], valid=1))
    assert card.not_rated and card.not_rated_reason == "no_inspection_or_pending_complaint"


def test_5_1_alternative_reading_a_pending_complaint_is_not_rated():
    scheme = alternative_reading()
    pending = [("complaint_pending", "C-2026-000777", None)]
    assert score(scheme, satisfaction(answers=["very_satisfied"], extra=pending)).not_rated
    assert not score(scheme, satisfaction(answers=["very_satisfied"])).not_rated


def test_5_1_two_months_below_90_in_a_year_lose_the_annual_award():
    scheme = load_scheme("satisfaction_50_20_30")
    rule = scheme.series["annual_award"]
    month = lambda problems: score(scheme, satisfaction(problems, ["very_satisfied"]))  # noqa: E731
    one_bad = [month(0), month(11), month(2), month(10)]  # 89, then 90 is not below
    assert not loses_annual_award(one_bad, **rule)
    assert loses_annual_award(one_bad + [month(12)], **rule)
    not_rated = score(scheme, satisfaction(inspected=False))
    assert not loses_annual_award([month(11), not_rated], **rule)


# ---------------------------------------------------------------- 5.2 bank outlet and branch


def outlet(mystery=None, offsite=None, onsite=None, complaints=()):
    inspections = {"mystery_shopper": mystery, "offsite_monitoring": offsite, "onsite_inspection": onsite}
    return inputs(inspections=inspections, events=[("complaint", ref, pts) for ref, pts in complaints])


def test_5_2_worked_example_90x05_plus_80x05_minus_5_is_80():
    card = score(load_scheme("bank_outlet"), outlet(mystery=90, onsite=80, complaints=[("C-2026-000123", None)]))
    assert card.total == 80
    assert card.components["mystery_shopper"].weight == D("0.5")
    assert card.components["onsite_inspection"].weight == D("0.5")
    assert not card.components["offsite_monitoring"].present


def test_5_2_all_three_inspections_weigh_40_40_20():
    card = score(load_scheme("bank_outlet"), outlet(mystery=90, offsite=70, onsite=80))
    assert card.total == D("80")  # 36 + 28 + 16


def test_5_2_one_inspection_missing_the_other_two_weigh_50_each():
    card = score(load_scheme("bank_outlet"), outlet(offsite=70, onsite=90))
    assert card.total == 80  # 35 + 45, not 70 x 2/3 + 90 x 1/3


def test_5_2_two_inspections_missing_the_remaining_one_weighs_100():
    card = score(load_scheme("bank_outlet"), outlet(onsite=84, complaints=[("C-1", None), ("C-2", 3)]))
    assert card.components["onsite_inspection"].weight == 1
    assert card.total == 76  # 84 - 5 - 3 (a recorded amount replaces the default 5)


def test_5_2_outlet_without_any_inspection_is_not_rated():
    card = score(load_scheme("bank_outlet"), outlet(complaints=[("C-1", None)]))
    assert card.not_rated and card.not_rated_reason == "no_data"


def test_5_2_branch_is_outlets_mean_40_management_60_plus_bonuses():
    outlets = load_scheme("bank_outlet")
    cards = [
        score(outlets, outlet(mystery=90, onsite=80, complaints=[("C-1", None)])),  # 80
        score(outlets, outlet(mystery=90, offsite=90, onsite=90)),  # 90
        score(outlets, outlet()),  # not rated: left out of the mean
    ]
    branch = branch_score(
        load_scheme("bank_branch"), "branch-1", "2026-Q3", cards,
        management=D(95), bonuses=[Event("service_innovation", "innovation award", D(2))],
    )
    assert branch.total == D("93")  # 85 x 0.4 + 95 x 0.6 + 2
    assert sum(line.points for line in branch.breakdown) == branch.total


def test_5_2_branch_without_management_check_uses_outlets_mean_100():
    cards = [score(load_scheme("bank_outlet"), outlet(onsite=s)) for s in (80, 91)]
    branch = branch_score(load_scheme("bank_branch"), "branch-1", "2026-Q3", cards)
    assert branch.components["outlets"].weight == 1
    assert branch.total == D("85.5")


# ---------------------------------------------------------------- 5.3 quality department


def department(self_checks=(100,), questionnaire=100, complaints=0, callbacks=(), mismatches=()):
    events = [("valid_complaint", f"C-{i}", None) for i in range(complaints)]
    events += [("callback_record_problem", f"CB-{i}", p) for i, p in enumerate(callbacks)]
    events += [("spot_check_mismatch", f"S-{i}", p) for i, p in enumerate(mismatches)]
    return inputs(period="2026-Q3", inspections={"self_check": list(self_checks), "questionnaire": questionnaire}, events=events)


def test_5_3_score_92_5_pays_a_penalty_of_2500():
    # 40 + 30 (96 counts as 100) + 24 (two complaints) - 1 - 0.5 (callback records)
    card = score(load_scheme("quality_department"), department(questionnaire=96, complaints=2, callbacks=[None, D("0.5")]))
    assert card.total == D("92.5")
    assert card.money == -2500
    assert card.grade == "unqualified"


def test_5_3_score_87_pays_5000_counted_as_90():
    card = score(load_scheme("quality_department"), department(self_checks=(85, 95), questionnaire=90, complaints=2))
    assert card.total == 87  # 36 + 27 + 24
    assert card.money == -5000
    assert card.money_breakdown[0].params["counted_as"] == 90


def test_5_3_score_97_earns_a_reward_of_4000():
    card = score(load_scheme("quality_department"), department(questionnaire=95, complaints=1))
    assert card.total == 97  # 40 + 30 + 27
    assert card.money == 4000
    assert card.grade == "excellent"


def test_5_3_exactly_95_neither_reward_nor_penalty():
    card = score(load_scheme("quality_department"), department(callbacks=[None] * 5))
    assert card.total == 95
    assert card.money == 0 and card.grade == "qualified"


@pytest.mark.parametrize(
    "callback_points, total, money",
    [
        ([1] * 9 + [D("0.5")] * 2, 90, -5000),  # the floor itself
        ([1] * 10 + [D("0.5")], D("89.5"), -5000),  # counts as 90
        ([1] * 30, 70, -5000),  # counts as 90: never more than 5,000
        ([1] * 9, 91, -4000),
        ([1] * 5 + [D("0.5")], D("94.5"), -500),
    ],
)
def test_5_3_penalty_floor_at_90(callback_points, total, money):
    card = score(load_scheme("quality_department"), department(callbacks=callback_points))
    assert card.total == total and card.money == money


def test_5_3_reward_is_2000_per_point_above_95():
    card = score(load_scheme("quality_department"), department(callbacks=[D(1)] * 4 + [D("0.5")]))
    assert card.total == D("95.5")
    assert card.money == 1000 and card.grade == "excellent"


def test_5_3_self_check_is_the_mean_less_the_spot_check_penalty():
    card = score(load_scheme("quality_department"), department(self_checks=(96, 98, 100), mismatches=[D(3)]))
    assert card.components["self_check"].score == 95


def test_5_3_callback_record_penalty_must_be_between_half_and_one_point():
    with pytest.raises(ScoreInputError, match="outside 0.5-1"):
        score(load_scheme("quality_department"), department(callbacks=[D(2)]))


def test_5_3_complaints_never_below_zero():
    card = score(load_scheme("quality_department"), department(complaints=12))
    assert card.components["complaints"].score == 0


def test_5_3_a_department_neither_self_checked_nor_surveyed_is_not_rated_and_earns_nothing():
    unassessed = inputs(period="2026-Q3")
    card = score(load_scheme("quality_department"), unassessed)
    assert card.not_rated and card.not_rated_reason == "not_assessed"
    assert card.total is None and not card.money


# ---------------------------------------------------------------- 5.4 checklist 100


CHECKLIST_MAX = {
    "phone_answering": 10, "phone_duty": 10, "counter_tidy": 10, "supervision_board": 5, "conveniences": 5,
    "hall_order": 5, "staff_conduct": 20, "hours_and_opinion_box": 10, "corners": 5, "fittings": 5,
    "grounds": 5, "canteen": 5, "office": 5,
}  # fmt: skip


def checklist(lost_on_conduct):
    scores = {f"checklist.{item}": top for item, top in CHECKLIST_MAX.items()}
    scores["checklist.staff_conduct"] = 20 - lost_on_conduct
    return inputs(inspections=scores)


def test_5_4_checklist_items_add_up_to_100():
    assert sum(CHECKLIST_MAX.values()) == 100
    scheme = load_scheme("checklist_100")
    assert {c.id: c.cap for c in scheme.components} == CHECKLIST_MAX
    assert score(scheme, checklist(0)).total == 100


@pytest.mark.parametrize(
    "lost, fine, grade",
    [(0, 0, "pass"), (10, 0, "pass"), (11, -100, "fail"), (20, -100, "fail"), (D("20.5"), -200, "fail"), (30, -200, "fail"), (31, -200, "fail")],
)
def test_5_4_below_90_fines_the_station_head_by_band(lost, fine, grade):
    card = score(load_scheme("checklist_100"), checklist(lost))
    assert card.money == fine and card.grade == grade


def test_5_4_fine_bands_are_configurable():
    data = tomllib.loads(resources.files("scoring.schemes").joinpath("checklist_100.toml").read_text("utf-8"))
    data["money"]["bands"][-1]["amount"] = -300
    assert score(parse_scheme(data), checklist(31)).money == -300


def test_5_4_item_cannot_exceed_its_maximum():
    scores = {f"checklist.{item}": top for item, top in CHECKLIST_MAX.items()}
    scores["checklist.office"] = 8
    card = score(load_scheme("checklist_100"), inputs(inspections=scores))
    assert card.total == 100


# ---------------------------------------------------------------- 5.5 grades 80/60 and pay


@pytest.mark.parametrize("monthly, grade", [(80, "excellent"), (D("79.99"), "qualified"), (60, "qualified"), (59, "unqualified")])
def test_5_5_grades_80_excellent_60_qualified(monthly, grade):
    assert score(load_scheme("grades_80_60"), inputs(inspections={"monthly_score": monthly})).grade == grade


def test_5_5_performance_pay_is_base_times_score_over_100():
    card = score(load_scheme("grades_80_60"), inputs(inspections={"monthly_score": 85}, metrics={"performance_base": 2000}))
    assert card.money == 1700


def test_5_5_below_60_loses_30_percent_of_the_performance_pay():
    card = score(load_scheme("grades_80_60"), inputs(inspections={"monthly_score": 50}, metrics={"performance_base": 2000}))
    assert card.money == 700  # 2000 x 0.5 = 1000, less 30%
    assert [line.reason for line in card.money_breakdown] == ["performance_pay", "performance_pay_cut"]
    at_60 = score(load_scheme("grades_80_60"), inputs(inspections={"monthly_score": 60}, metrics={"performance_base": 2000}))
    assert at_60.money == 1200


def test_5_5_daily_work_70_attendance_30():
    absences = [("absence_day", "2026-10-12", None), ("absence_day", "2026-10-13 (half day)", None)]
    card = score(load_scheme("sales_70_30"), inputs(inspections={"daily_work": 90}, events=absences))
    assert card.components["attendance"].score == 92  # 100 - 4 x 2: half a day counts as a day
    assert card.total == D("90.6")  # 63 + 27.6
    assert score(load_scheme("sales_70_30"), inputs(events=absences)).not_rated


def test_5_5_self_assessment_30_manager_70():
    card = score(load_scheme("ecommerce_30_70"), inputs(inspections={"self_assessment": 90, "manager_assessment": 80}))
    assert card.total == 83
    alone = score(load_scheme("ecommerce_30_70"), inputs(inspections={"manager_assessment": 80}))
    assert alone.total == 80


# ---------------------------------------------------------------- 5.6 twelve-point ledger


def ledger(*events):
    return score(load_scheme("twelve_point_ledger"), inputs(period="2026", events=list(events)))


def test_5_6_starts_the_year_with_12_points():
    card = ledger()
    assert card.total == 12 and card.grade == "A" and card.flags == ()


def test_5_6_violations_deduct_and_merits_add():
    card = ledger(
        Event("violation.forbidden_words", "check 3", at=day(10)),
        Event("violation.chatting_eating", "check 4", at=day(50)),
        Event("merit.commendation", "letter 17", at=day(60)),
        Event("merit.patience", "case C-2026-000321", D(3), at=day(70)),
    )
    assert card.total == 14  # 12 - 1 - 2 + 2 + 3


def test_5_6_the_same_violation_within_30_days_counts_double():
    card = ledger(
        Event("violation.forbidden_words", "check 1", at=day(0)),
        Event("violation.forbidden_words", "check 2", at=day(30)),
    )
    assert card.total == 9  # 12 - 1 - 2
    repeat = card.breakdown[-1]
    assert repeat.points == -2 and repeat.params["repeat"] is True
    assert "repeated within 30 days" in describe(repeat)


def test_5_6_the_same_violation_after_30_days_or_another_violation_is_not_doubled():
    assert ledger(
        Event("violation.forbidden_words", "check 1", at=day(0)),
        Event("violation.forbidden_words", "check 2", at=day(31)),
    ).total == 10
    assert ledger(
        Event("violation.forbidden_words", "check 1", at=day(0)),
        Event("violation.late_or_early", "check 2", at=day(1)),
    ).total == 10


def test_5_6_violations_may_be_recorded_out_of_order():
    card = ledger(
        Event("violation.quarrel", "later", at=day(20)),
        Event("violation.quarrel", "earlier", at=day(5)),
    )
    assert card.total == 3  # 12 - 3 - 6
    assert [line.params.get("ref") for line in card.breakdown[1:3]] == ["earlier", "later"]


def test_5_6_three_violations_within_30_days_mean_suspension():
    card = ledger(*(Event(f"violation.{k}", k, at=day(i * 14)) for i, k in enumerate(["forbidden_words", "queue_order", "rating_device"])))
    assert card.total == 9 and "suspension" in card.flags
    spread = ledger(*(Event(f"violation.{k}", k, at=day(i * 16)) for i, k in enumerate(["forbidden_words", "queue_order", "rating_device"])))
    assert "suspension" not in spread.flags


def test_5_6_points_used_up_mean_suspension_even_if_merits_follow():
    card = ledger(
        *(Event("violation.quarrel", str(i), at=day(i * 40)) for i in range(4)),  # 12 - 4 x 3 = 0
        Event("merit.fraud_stopped", "5", at=day(170)),
    )
    assert card.total == 3 and "suspension" in card.flags


def test_5_6_points_never_run_below_zero():
    card = ledger(
        *(Event("violation.quarrel", str(i), at=day(i * 40)) for i in range(5)),  # the fifth finds 0 left
        Event("merit.service_star", "6", at=day(210)),
    )
    assert card.total == 1
    assert [(line.reason, line.points) for line in card.breakdown[-2:]] == [("floor", 3), ("merit.service_star", 1)]


def complaints(n):
    return [Event("valid_complaint", f"C-{i}", at=day(100 + i * 40)) for i in range(n)]


def violations(points_lost):
    # one-point violations 31 days apart, so none repeats within 30 days
    return [Event("violation.poor_explanation", f"V-{i}", at=day(i * 31)) for i in range(points_lost)]


def year_end(points, complaint_count):
    """A ledger ending the year on `points` with `complaint_count` complaints (2 points each)."""
    lost = 12 - points - 2 * complaint_count
    merits = [Event("merit.service_star", f"M-{i}", at=day(i)) for i in range(-lost)]
    return ledger(*violations(max(lost, 0)), *merits, *complaints(complaint_count))


@pytest.mark.parametrize(
    "points, complaint_count, grade",
    [
        (12, 0, "A"),
        (6, 0, "A"),  # few points but no complaint: no cap
        (11, 1, "A"),
        (10, 1, "B"),  # 10 or fewer and a complaint: not A
        (9, 2, "B"),
        (8, 2, "B"),  # 8 or fewer and 2 complaints: at most B
        (7, 3, "B"),
        (6, 3, "C"),  # 6 or fewer and 3 complaints: at most C
        (5, 3, "C"),  # below 6, but 3 complaints is not more than 3
        (6, 4, "C"),  # more than 3 complaints, but 6 is not below 6
        (5, 4, "D"),  # below 6 and more than 3 complaints: D
    ],
)
def test_5_6_year_end_grade_caps(points, complaint_count, grade):
    card = year_end(points, complaint_count)
    assert card.total == points
    assert card.grade == grade
    assert ("grade_capped" in card.flags) == (grade != "A")


# ---------------------------------------------------------------- 5.7 deduction points


def deductions(*points, subject="carer-1", period="2026-10"):
    events = [(f"deduction.{i}", f"duty log {i}", p) for i, p in enumerate(points)]
    return score(load_scheme("deduction_points"), inputs(subject=subject, period=period, events=events))


def test_5_7_one_point_costs_ten_yuan():
    card = deductions(2, 3, D("0.5"))
    assert card.total == D("5.5") and card.money == -55


def test_5_7_thirty_points_in_a_month_pays_base_salary_only():
    assert "base_salary_only" in deductions(10, 20).flags
    assert "base_salary_only" not in deductions(10, 19).flags


def test_5_7_verified_misconduct_counts_double():
    events = [("deduction.verified_misconduct", "report 2", 5)]
    card = score(load_scheme("deduction_points"), inputs(events=events))
    assert card.total == 10


def test_5_7_two_consecutive_months_at_30_or_more_mean_dismissal():
    rule = load_scheme("deduction_points").series["dismissal"]
    assert dismissal_due([deductions(30), deductions(31)], **rule)
    assert not dismissal_due([deductions(30), deductions(29), deductions(35)], **rule)


# ---------------------------------------------------------------- 5.8 monthly ranking


def month_of(*pairs):
    scheme = load_scheme("monthly_ranking")
    return [
        score(scheme, inputs(subject=who, inspections={"self_assessment": self_, "manager_assessment": manager}))
        for who, self_, manager in pairs
    ]


def test_5_8_first_gets_100_last_loses_100_last_two_submit_a_plan():
    rule = load_scheme("monthly_ranking").series["ranking"]
    outcomes = {o.subject: o for o in ranking_outcomes([month_of(("ann", 90, 90), ("bo", 80, 80), ("cy", 70, 70), ("di", 60, 60))], **rule)}
    assert [outcomes[s].money for s in ("ann", "bo", "cy", "di")] == [100, 0, 0, -100]
    assert [s for s, o in outcomes.items() if "improvement_plan" in o.flags] == ["cy", "di"]


def test_5_8_last_place_three_months_running_means_transfer():
    rule = load_scheme("monthly_ranking").series["ranking"]
    bad = month_of(("ann", 90, 90), ("bo", 80, 80), ("cy", 70, 70))
    better = month_of(("ann", 90, 90), ("bo", 60, 60), ("cy", 70, 70))
    assert "transfer" in {o.subject: o for o in ranking_outcomes([bad, bad, bad], **rule)}["cy"].flags
    assert "transfer" not in {o.subject: o for o in ranking_outcomes([bad, better, bad], **rule)}["cy"].flags
    assert "transfer" not in {o.subject: o for o in ranking_outcomes([bad, bad], **rule)}["cy"].flags


# ---------------------------------------------------------------- hotline three rates


def test_hotline_three_rates_weighted_sum_of_rates():
    metrics = {"response_rate": D("0.95"), "resolution_rate": D("0.80"), "satisfaction_rate": D("0.90")}
    card = score(load_scheme("hotline_three_rates"), inputs(metrics=metrics))
    assert card.total == D("87")  # 95 x 0.2 + 80 x 0.4 + 90 x 0.4


def test_hotline_a_rate_with_nothing_to_measure_shares_its_weight_in_proportion():
    scheme = load_scheme("hotline_three_rates")
    one_missing = score(scheme, inputs(metrics={"response_rate": D("0.95"), "resolution_rate": D("0.80")}))
    assert one_missing.components["response"].weight == D(1) / 3
    assert one_missing.total == D("85")  # 95 / 3 + 80 x 2/3
    two_missing = score(scheme, inputs(metrics={"satisfaction_rate": D("0.91")}))
    assert two_missing.total == 91
    assert score(scheme, inputs()).not_rated


# ---------------------------------------------------------------- every preset: the breakdown explains every point


EXAMPLES = {
    "satisfaction_50_20_30": lambda: satisfaction(problems=3, answers=["very_satisfied", "basically_satisfied", "average"], valid=1, major=1),
    "bank_outlet": lambda: outlet(mystery=D("91.3"), offsite=D("77.7"), complaints=[("C-1", None)]),
    "bank_branch": lambda: inputs(inspections={"outlet_scores": [D("80.33"), D("91.7"), D(77)], "branch_management": D("88.8")}, events=[("external_recognition", "model outlet", D("1.5"))]),
    "quality_department": lambda: department(self_checks=(91, 95, 98), questionnaire=93, complaints=2, callbacks=[D("0.5")]),
    "checklist_100": lambda: checklist(7),
    "grades_80_60": lambda: inputs(inspections={"monthly_score": D("73.5")}, metrics={"performance_base": 3100}),
    "sales_70_30": lambda: inputs(inspections={"daily_work": D("88.3")}, events=[("absence_day", "d1", None)]),
    "ecommerce_30_70": lambda: inputs(inspections={"self_assessment": D("95.5"), "manager_assessment": D("81.3")}),
    "twelve_point_ledger": lambda: inputs(events=[Event("violation.quarrel", "a", at=day(1)), Event("violation.quarrel", "b", at=day(9)), Event("merit.service_star", "c", at=day(12))]),
    "deduction_points": lambda: inputs(events=[("deduction.hygiene", "d1", 3), ("deduction.verified_misconduct", "d2", D("2.5"))]),
    "monthly_ranking": lambda: inputs(inspections={"self_assessment": D("77.7"), "manager_assessment": D("66.6")}),
    "hotline_three_rates": lambda: inputs(metrics={"response_rate": D("0.9333"), "resolution_rate": D("0.7777"), "satisfaction_rate": D("0.8181")}),
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_breakdown_lines_sum_to_the_total_for_every_preset(name):
    card = score(load_scheme(name), EXAMPLES[name]())
    assert not card.not_rated
    assert card.total is not None and card.breakdown
    assert sum(line.points for line in card.breakdown) == card.total
    assert sum(line.points for line in card.money_breakdown) == card.money
    assert all(describe(line) for line in card.breakdown + card.money_breakdown)


def test_every_preset_has_an_example():
    assert set(EXAMPLES) == PRESETS

"""The generic scheme engine, on small made-up schemes: sources, events,
re-weighting, rounding, grades, money, conditions, and the rules across periods."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from scoring.engine.explain import describe
from scoring.engine.inputs import Event, SchemeError, ScoreInputError, ScoreInputs
from scoring.engine.ranking import rank, ranking_outcomes
from scoring.engine.scheme import load_scheme, parse_scheme
from scoring.engine.scorecard import Line, Scorecard, score
from scoring.engine.series import dismissal_due, loses_annual_award

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def inputs(**kw):
    return ScoreInputs(kw.pop("subject", "s1"), "2026-03", **kw)


def three_inspections(reweight):
    return parse_scheme(
        {
            "name": "three",
            "reweight": reweight,
            "components": [
                {"id": "a", "inspection": "a", "weight": 0.5},
                {"id": "b", "inspection": "b", "weight": 0.3},
                {"id": "c", "inspection": "c", "weight": 0.2},
            ],
        }
    )


def total(scheme, **inspections):
    return score(scheme, inputs(inspections=inspections)).total


# ---------------------------------------------------------------- weights and re-weighting


def test_all_present_uses_the_weights_as_written():
    for mode in ("proportional", "equal", "none"):
        assert total(three_inspections(mode), a=100, b=50, c=0) == 65


def test_proportional_one_missing_the_others_share_its_weight_in_their_ratio():
    assert total(three_inspections("proportional"), a=100, b=50) == D("81.25")  # 100 x 5/8 + 50 x 3/8


def test_proportional_two_missing_the_last_weighs_100():
    card = score(three_inspections("proportional"), inputs(inspections={"b": 70}))
    assert card.total == 70 and card.components["b"].weight == 1


def test_equal_one_missing_the_others_split_evenly():
    assert total(three_inspections("equal"), a=100, c=50) == 75


def test_equal_two_missing_the_last_weighs_100():
    assert total(three_inspections("equal"), c=64) == 64


def test_none_leaves_a_missing_weight_lost():
    assert total(three_inspections("none"), a=100, b=50) == 65


def test_nothing_present_is_not_rated():
    card = score(three_inspections("equal"), inputs())
    assert card.not_rated and card.not_rated_reason == "no_data" and card.total is None


def test_adjustments_are_never_reweighted():
    scheme = parse_scheme(
        {
            "name": "adj",
            "components": [{"id": "a", "inspection": "a", "weight": 0.5}, {"id": "b", "inspection": "b", "weight": 0.5}],
            "adjustments": [{"id": "bonus", "per_event": [{"kind": "award", "add": 2}]}],
        }
    )
    card = score(scheme, inputs(inspections={"a": 80}, events=[("award", "A-1", None)]))
    assert card.total == 82
    assert [(line.component, line.points) for line in card.breakdown] == [("a", 80), ("bonus", 2)]


def test_weighted_lines_carry_the_raw_points_and_the_weight():
    card = score(three_inspections("equal"), inputs(inspections={"a": 90, "c": 80}))
    line = card.breakdown[0]
    assert line.points == 45 and line.params["raw"] == 90 and line.params["weight"] == D("0.5")
    assert describe(line) == "a: inspection score 90 (x weight 0.5): +45"


# ---------------------------------------------------------------- rounding


def test_rounding_line_makes_the_lines_sum_to_the_rounded_total():
    scheme = parse_scheme(
        {
            "name": "thirds",
            "round": 1,
            "components": [{"id": x, "inspection": x, "weight": w} for x, w in (("a", 0.3333), ("b", 0.3333), ("c", 0.3334))],
        }
    )
    card = score(scheme, inputs(inspections={"a": D("77.77"), "b": D("77.77"), "c": D("77.78")}))
    assert card.total == D("77.8")
    assert sum(line.points for line in card.breakdown) == card.total
    assert all(line.points == line.points.quantize(D("0.1")) for line in card.breakdown)


def test_rounding_is_half_up():
    scheme = parse_scheme({"name": "r", "round": 0, "components": [{"id": "a", "inspection": "a"}]})
    assert total(scheme, a=D("84.5")) == 85
    assert total(scheme, a=D("84.49")) == 84


# ---------------------------------------------------------------- sources


def test_inspection_values_are_averaged_or_summed():
    mean = parse_scheme({"name": "m", "components": [{"id": "a", "inspection": "a"}]})
    summed = parse_scheme({"name": "s", "components": [{"id": "a", "inspection": "a", "aggregate": "sum"}]})
    assert total(mean, a=[80, 90, 100]) == 90
    assert total(summed, a=[1, 2, 3]) == 6


def test_metric_is_scaled():
    scheme = parse_scheme({"name": "m", "components": [{"id": "sat", "metric": "satisfaction_rate", "scale": 100}]})
    card = score(scheme, inputs(metrics={"satisfaction_rate": D("0.935")}))
    assert card.total == D("93.5")
    assert card.breakdown[0].params == {"metric": "satisfaction_rate", "value": D("0.935")}


def test_unknown_survey_band_is_refused():
    scheme = load_scheme("satisfaction_50_20_30")
    with pytest.raises(ScoreInputError, match="unknown bands"):
        score(scheme, inputs(inspected={"standards"}, responses={"survey": ["delighted"]}))


def test_when_missing_gives_a_stated_value():
    scheme = parse_scheme({"name": "w", "components": [{"id": "a", "metric": "x", "when_missing": 20}]})
    card = score(scheme, inputs())
    assert card.total == 20 and card.breakdown[0].reason == "missing_counts_as"


def test_threshold_counts_a_high_score_as_full_and_leaves_lower_ones():
    scheme = parse_scheme(
        {"name": "t", "components": [{"id": "q", "inspection": "q", "thresholds": [{"at_least": 95, "counts_as": 100}]}]}
    )
    assert total(scheme, q=95) == 100
    assert total(scheme, q=D("94.9")) == D("94.9")
    card = score(scheme, inputs(inspections={"q": 97}))
    assert [(line.reason, line.points) for line in card.breakdown] == [("inspection", 97), ("threshold", 3)]


def test_cap_and_floor_are_explained_by_lines():
    scheme = parse_scheme(
        {
            "name": "cf",
            "components": [
                {"id": "a", "inspection": "a", "cap": 10},
                {"id": "b", "start": 5, "floor": 0, "per_event": [{"kind": "x", "deduct": 2}]},
            ],
        }
    )
    card = score(scheme, inputs(inspections={"a": 12}, events=[("x", str(i), None) for i in range(4)]))
    assert card.total == 10
    assert [(line.component, line.reason, line.points) for line in card.breakdown if line.reason in ("cap", "floor")] == [
        ("a", "cap", -2),
        # 5 - 2 - 2 = 1, then -2 stops at 0 (1 taken back) and the last -2 is taken back whole:
        # one line for the run after the points ran out, after its deductions.
        ("b", "floor", 3),
    ]
    assert [line.reason for line in card.breakdown if line.component == "b"] == ["start", "x", "x", "x", "x", "floor"]


def test_a_merit_after_the_floor_ends_the_run_of_taken_back_points():
    scheme = parse_scheme({"name": "m", "components": [{"id": "b", "start": 2, "floor": 0, "per_event": [
        {"kind": "x", "deduct": 2}, {"kind": "merit", "deduct": -1}]}]})
    card = score(scheme, inputs(events=[("x", "1", None), ("x", "2", None), ("merit", "3", None), ("x", "4", None)]))
    assert [(line.reason, line.points) for line in card.breakdown] == [
        ("start", 2), ("x", -2), ("x", -2), ("floor", 2), ("merit", 1), ("x", -2), ("floor", 1)]
    assert card.total == 0


# ---------------------------------------------------------------- events


def deductions(**rule):
    return parse_scheme({"name": "d", "components": [{"id": "c", "start": 30, "per_event": [{"kind": "complaint", **rule}]}]})


def test_event_tuples_and_events_are_the_same():
    scheme = deductions(deduct=6)
    assert total(scheme) == 30
    as_tuple = score(scheme, inputs(events=[("complaint", "C-2026-000123", None)]))
    as_event = score(scheme, inputs(events=[Event("complaint", "C-2026-000123")]))
    assert as_tuple.total == as_event.total == 24
    assert as_tuple.breakdown[-1] == Line("c", D(-6), "complaint", {"kind": "complaint", "ref": "C-2026-000123"})


def test_recorded_points_replace_the_default_and_the_rule_sets_the_sign():
    scheme = deductions(deduct=3, range=[3, 8])
    assert score(scheme, inputs(events=[("complaint", "C-1", 8)])).total == 22
    assert score(scheme, inputs(events=[("complaint", "C-1", -8)])).total == 22


def test_recorded_points_outside_the_range_are_refused():
    with pytest.raises(ScoreInputError, match="outside 3-8"):
        score(deductions(deduct=3, range=[3, 8]), inputs(events=[("complaint", "C-1", 9)]))


def test_as_recorded_needs_recorded_points():
    with pytest.raises(ScoreInputError, match="points must be recorded"):
        score(deductions(deduct="as_recorded"), inputs(events=[("complaint", "C-1", None)]))


def test_patterns_match_families_of_kinds_and_the_first_rule_wins():
    scheme = parse_scheme(
        {
            "name": "p",
            "components": [
                {
                    "id": "c",
                    "start": 10,
                    "per_event": [{"kind": "violation.quarrel", "deduct": 3}, {"kind": "violation.*", "deduct": 1}],
                }
            ],
        }
    )
    events = [("violation.quarrel", "1", None), ("violation.other", "2", None), ("merit.star", "3", None)]
    assert score(scheme, inputs(events=events)).total == 6


def test_recurrence_needs_the_time_of_the_event():
    with pytest.raises(ScoreInputError, match="needs its time"):
        score(deductions(deduct=1, repeat_within_days=30), inputs(events=[("complaint", "C-1", None)]))


def test_recurrence_is_measured_from_the_previous_occurrence():
    scheme = deductions(deduct=1, repeat_within_days=30)
    events = [Event("complaint", str(i), at=T0 + timedelta(days=d)) for i, d in enumerate((0, 25, 50, 90))]
    # 0: 1; 25: within 30 of 0 -> 2; 50: within 30 of 25 -> 2; 90: 40 after 50 -> 1
    assert score(scheme, inputs(events=events)).total == 24


# ---------------------------------------------------------------- grades, flags, not rated


def test_grades_are_ordered_thresholds_with_strict_above():
    scheme = parse_scheme(
        {
            "name": "g",
            "components": [{"id": "a", "inspection": "a"}],
            "grades": [{"code": "excellent", "above": 95}, {"code": "qualified", "at_least": 95}, {"code": "unqualified"}],
        }
    )
    assert [score(scheme, inputs(inspections={"a": v})).grade for v in (D("95.01"), 95, D("94.99"))] == [
        "excellent",
        "qualified",
        "unqualified",
    ]


def test_flag_from_events_within_days_needs_their_times():
    scheme = parse_scheme(
        {
            "name": "f",
            "components": [{"id": "a", "start": 0}],
            "flags": [{"code": "busy", "when": {"events_within_days": {"kinds": ["x"], "count": 2, "days": 7}}}],
        }
    )
    close = [Event("x", "1", at=T0), Event("x", "2", at=T0 + timedelta(days=7))]
    apart = [Event("x", "1", at=T0), Event("x", "2", at=T0 + timedelta(days=8))]
    assert score(scheme, inputs(events=close)).flags == ("busy",)
    assert score(scheme, inputs(events=apart)).flags == ()
    with pytest.raises(ScoreInputError):
        score(scheme, inputs(events=[("x", "1", None), ("x", "2", None)]))


# ---------------------------------------------------------------- money


def money_of(rule, value, **metrics):
    scheme = parse_scheme({"name": "m", "components": [{"id": "a", "inspection": "a"}], "money": rule})
    return score(scheme, inputs(inspections={"a": value}, metrics=metrics)).money


def test_target_money_without_a_floor_has_no_limit():
    rule = {"rule": "target", "target": 95, "penalty_per_point": 1000, "reward_per_point": 2000}
    assert money_of(rule, 80) == -15000
    assert money_of(rule, D("95.25")) == 500


def test_money_bands_without_a_matching_band_are_zero():
    assert money_of({"rule": "bands", "bands": [{"below": 60, "amount": -50}]}, 70) == 0


def test_performance_pay_without_a_base_pays_nothing_rather_than_guessing():
    rule = {"rule": "performance_pay", "base_metric": "base", "fail_below": 60, "fail_loses": 0.3}
    assert money_of(rule, 90) == 0
    assert money_of(rule, 90, base=D("2345.67")) == D("2111.10")  # rounded to the fen


# ---------------------------------------------------------------- scheme files are checked


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "x", "components": [{"id": "a", "inspection": "a", "wieght": 1}]}, "unknown keys"),
        ({"name": "x", "components": [{"id": "a"}]}, "exactly one of"),
        ({"name": "x", "components": [{"id": "a", "start": 1, "metric": "m"}]}, "exactly one of"),
        ({"name": "x", "components": [{"id": "a", "start": 1}, {"id": "a", "start": 2}]}, "unique"),
        ({"name": "x", "components": [{"id": "a", "start": 1, "per_event": [{"kind": "k"}]}]}, "add / deduct"),
        ({"name": "x", "reweight": "fair", "components": [{"id": "a", "start": 1}]}, "reweight"),
        ({"name": "x", "period": "week", "components": [{"id": "a", "start": 1}]}, "period"),
        ({"name": "x", "components": [{"id": "a", "start": "ten"}]}, "not a number"),
        ({"name": "x", "components": [{"id": "a", "start": 1}], "money": {"rule": "lottery"}}, "money.rule"),
        ({"name": "x", "components": [{"id": "a", "start": 1}], "money": {"rule": "per_point"}}, "missing"),
        (
            {"name": "x", "components": [{"id": "a", "start": 1}], "grade_caps": [{"at_most": "Z", "when": {"total_below": 1}}]},
            "grade scale",
        ),
        (
            {"name": "x", "components": [{"id": "a", "start": 1}], "not_rated": [{"code": "c", "when": {"total_below": 1}}]},
            "cannot depend on the total",
        ),
        ({"name": "x", "components": [{"id": "a", "start": 1}], "flags": [{"code": "c", "when": {"sunny": True}}]}, "unknown condition"),
        ({"name": "x", "components": [{"id": "a", "start": 1}], "series": {"lottery": {}}}, "unknown rule"),
    ],
)
def test_mistakes_in_a_scheme_are_refused(data, message):
    with pytest.raises(SchemeError, match=message):
        parse_scheme(data)


@pytest.mark.parametrize("name", ["no_such_scheme", "../etc/passwd", "Bank"])
def test_unknown_or_unsafe_scheme_names_are_refused(name):
    with pytest.raises(SchemeError):
        load_scheme(name)


# ---------------------------------------------------------------- across periods


def card(subject, value):
    if value is None:
        return Scorecard("s", subject, "2026-03", None, not_rated=True, not_rated_reason="no_data")
    return Scorecard("s", subject, "2026-03", D(value))


def test_rank_ties_share_a_place_and_not_rated_are_left_out():
    placings = rank([card("a", 90), card("b", 95), card("c", 90), card("d", None), card("e", 80)])
    assert [(p.subject, p.place) for p in placings] == [("b", 1), ("a", 2), ("c", 2), ("e", 4)]


def test_rank_lower_is_better_for_deduction_points():
    placings = rank([card("a", 12), card("b", 0), card("c", 30)], higher_is_better=False)
    assert [(p.subject, p.place) for p in placings] == [("b", 1), ("a", 2), ("c", 3)]


def test_ranking_ties_share_the_money_of_their_place():
    month = [card("a", 90), card("b", 90), card("c", 70), card("d", 60), card("e", 60)]
    outcomes = {o.subject: o for o in ranking_outcomes([month])}
    assert {s: o.money for s, o in outcomes.items()} == {"a": 100, "b": 100, "c": 0, "d": -100, "e": -100}
    assert [s for s, o in outcomes.items() if "improvement_plan" in o.flags] == ["d", "e"]
    assert outcomes["d"].money_breakdown[0].reason == "ranking_last"


def test_ranking_a_tie_at_the_second_last_position_brings_all_tied_into_the_plan():
    month = [card("a", 90), card("b", 70), card("c", 70), card("d", 60)]
    outcomes = {o.subject: o for o in ranking_outcomes([month])}
    assert [s for s, o in outcomes.items() if "improvement_plan" in o.flags] == ["b", "c", "d"]


def test_ranking_when_everyone_ties_there_is_no_first_or_last():
    outcomes = ranking_outcomes([[card("a", 80), card("b", 80)]])
    assert all(o.money == 0 and o.flags == () for o in outcomes)


def test_ranking_leaves_out_subjects_not_rated():
    outcomes = ranking_outcomes([[card("a", 80), card("b", 70), card("c", None)]])
    assert [(o.subject, o.money) for o in outcomes] == [("a", 100), ("b", -100)]
    assert ranking_outcomes([]) == [] and ranking_outcomes([[card("a", None)]]) == []


def test_annual_award_counts_months_below_the_line():
    assert loses_annual_award([D(89), D(95), D("89.99")])
    assert not loses_annual_award([D(89), D(90), None])
    assert loses_annual_award([D(85)], below=D(90), times=1)


def test_dismissal_needs_consecutive_months_and_a_gap_breaks_the_run():
    assert dismissal_due([D(30), D(30)])
    assert not dismissal_due([D(30), None, D(40)])
    assert dismissal_due([D(10), D(35), D(31), D(29)])
    assert not dismissal_due([D(35), D(36)], consecutive=3)

"""Trend charts are drawn on the server: a series of monthly values becomes SVG
coordinates, with gaps for months without data and the targets of RULES 5.9
drawn in as lines."""
from decimal import Decimal

import pytest

from scoring.reports.charts import line_chart, nice_step, value_range

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def test_a_step_is_a_round_number():
    assert nice_step(0.2) == 0.05
    assert nice_step(17) == 5
    assert nice_step(100) == 25
    assert nice_step(0) == 1.0


def test_the_value_range_has_round_bounds_that_hold_every_value():
    low, high, step = value_range([0.83, 0.97])
    assert (low, high) == (pytest.approx(0.8), pytest.approx(1.0)) and step == pytest.approx(0.05)
    assert value_range([2.0, 7.0], include_zero=True)[:2] == (0, 8)


def test_a_rate_never_runs_past_100_percent():
    low, high, _ = value_range([0.91, 0.999], clamp=(0.0, 1.0))
    assert high == 1.0 and low >= 0.0


def test_a_flat_series_still_has_a_height():
    low, high, _ = value_range([0.9, 0.9])
    assert low < 0.9 < high


def test_the_first_month_is_at_the_left_edge_and_the_last_at_the_right():
    chart = line_chart([Decimal("0.9")] * 12, MONTHS, width=360, margin=(10, 10, 20, 40))
    assert chart.points[0].x == 40 and chart.points[-1].x == 350
    assert chart.path.startswith("M40 ") and chart.path.count("L") == 11


def test_a_higher_value_is_drawn_higher_up():
    chart = line_chart([Decimal("0.80"), Decimal("0.95")], MONTHS[:2])
    low, high = chart.points
    assert high.y < low.y
    assert chart.top <= high.y and low.y <= chart.bottom


def test_months_without_data_leave_a_gap_in_the_line():
    values = [0.9, 0.92, None, None, 0.95, 0.96] + [None] * 6
    chart = line_chart(values, MONTHS)
    assert [p.index for p in chart.points] == [0, 1, 4, 5]
    assert chart.path.count("M") == 2 and chart.path.count("L") == 2
    assert chart.points[2].value == 0.95


def test_a_series_without_any_data_is_empty_but_still_has_axes():
    chart = line_chart([None] * 12, MONTHS, targets=[Decimal("0.9")])
    assert chart.empty and chart.path == ""
    assert chart.y_ticks and len(chart.x_ticks) == 12


def test_target_lines_sit_at_their_value_even_when_the_data_is_far_above():
    targets = [Decimal("0.90"), Decimal("0.85"), Decimal("0.93")]
    chart = line_chart([Decimal("0.99")] * 12, MONTHS, targets=targets, clamp=(0, 1))
    assert sorted(t.value for t in chart.targets) == sorted(targets)  # top down, for their labels
    by_value = {t.value: t.y for t in chart.targets}
    assert by_value[Decimal("0.85")] > by_value[Decimal("0.90")] > by_value[Decimal("0.93")] > chart.points[0].y
    assert chart.low <= 0.85 and chart.high == 1.0


def test_value_ticks_run_from_the_bottom_to_the_top_in_round_steps():
    chart = line_chart([0.0, 4.2, 7.9], MONTHS[:3], include_zero=True)
    assert [t.value for t in chart.y_ticks] == [0, 2, 4, 6, 8]
    assert chart.y_ticks[0].position == chart.bottom and chart.y_ticks[-1].position == chart.top


def test_labels_may_be_thinned_out_for_a_narrow_chart():
    chart = line_chart([1] * 12, MONTHS, label_every=3)
    assert [t.value for t in chart.x_ticks] == ["2026-01", "2026-04", "2026-07", "2026-10"]


def test_one_label_per_value():
    with pytest.raises(ValueError):
        line_chart([1, 2], MONTHS[:3])


def test_an_all_zero_series_starts_at_zero():
    low, high, _ = value_range([0.0, 0.0, 0.0], include_zero=True)
    assert low == 0 and high > 0


def test_a_rate_wiggling_by_a_point_gets_a_ten_point_axis_whose_ticks_differ():
    chart = line_chart([0.875, 0.88, 0.885], MONTHS[:3], clamp=(0.0, 1.0), min_span=0.1)
    assert chart.high - chart.low >= 0.1 - 1e-9
    shown = [f"{tick.value * 100:.{chart.decimals(100)}f}%" for tick in chart.y_ticks]
    assert len(set(shown)) == len(shown), shown
    narrow = line_chart([0.875, 0.88, 0.885], MONTHS[:3], clamp=(0.0, 1.0))  # without a minimum span
    shown = [f"{tick.value * 100:.{narrow.decimals(100)}f}%" for tick in narrow.y_ticks]
    assert len(set(shown)) == len(shown), shown


def test_each_target_line_keeps_its_own_label():
    chart = line_chart([0.8, 0.95], MONTHS[:2], targets=[0.90, 0.85, 0.93], clamp=(0.0, 1.0), height=190)
    label_ys = [target.label_y for target in chart.targets]
    assert len(chart.targets) == 3 and all(b - a >= 11 for a, b in zip(label_ys, label_ys[1:]))

"""Scoring periods follow the organisation's calendar: in Asia/Shanghai (UTC+8)
a month starts at 16:00 UTC on the day before."""
from datetime import datetime, timedelta, timezone

import pytest

from scoring.engine.periods import Period, PeriodError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "label, start, end",
    [
        ("2026-10", utc(2026, 9, 30, 16), utc(2026, 10, 31, 16)),
        ("2026-Q3", utc(2026, 6, 30, 16), utc(2026, 9, 30, 16)),
        ("2026-H2", utc(2026, 6, 30, 16), utc(2026, 12, 31, 16)),
        ("2026", utc(2025, 12, 31, 16), utc(2026, 12, 31, 16)),
        ("2026-12", utc(2026, 11, 30, 16), utc(2026, 12, 31, 16)),
        ("2026-Q1", utc(2025, 12, 31, 16), utc(2026, 3, 31, 16)),
        ("2026-H1", utc(2025, 12, 31, 16), utc(2026, 6, 30, 16)),
    ],
)
def test_bounds_in_asia_shanghai(label, start, end):
    assert Period.parse(label).bounds() == (start, end)


def test_bounds_are_aware_utc():
    start, end = Period.parse("2026-10").bounds()
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)


def test_bounds_follow_another_time_zone_with_daylight_saving():
    # London: October 2026 starts in summer time (UTC+1) and ends in winter time (UTC+0).
    assert Period.parse("2026-10").bounds("Europe/London") == (utc(2026, 9, 30, 23), utc(2026, 11, 1, 0))


def test_a_moment_belongs_to_its_local_month():
    last_second_of_september_local = utc(2026, 9, 30, 15, 59, 59)
    first_moment_of_october_local = utc(2026, 9, 30, 16)
    october = Period.parse("2026-10")
    assert not october.contains(last_second_of_september_local)
    assert october.contains(first_moment_of_october_local)
    assert not october.contains(utc(2026, 10, 31, 16))
    assert Period.containing(first_moment_of_october_local) == october
    assert Period.containing(first_moment_of_october_local, "quarter") == Period.parse("2026-Q4")
    assert Period.containing(last_second_of_september_local, "half") == Period.parse("2026-H2")


@pytest.mark.parametrize(
    "label, previous, following",
    [
        ("2026-10", "2026-09", "2026-11"),
        ("2026-01", "2025-12", "2026-02"),
        ("2026-12", "2026-11", "2027-01"),
        ("2026-Q1", "2025-Q4", "2026-Q2"),
        ("2026-Q4", "2026-Q3", "2027-Q1"),
        ("2026-H1", "2025-H2", "2026-H2"),
        ("2026", "2025", "2027"),
    ],
)
def test_previous_and_next(label, previous, following):
    period = Period.parse(label)
    assert period.previous().label == previous
    assert period.next().label == following


def test_months_of_a_period():
    assert [m.label for m in Period.parse("2026-Q3").months()] == ["2026-07", "2026-08", "2026-09"]
    assert [m.label for m in Period.parse("2026-H2").months()][::5] == ["2026-07", "2026-12"]
    assert len(Period.parse("2026").months()) == 12
    assert Period.parse("2026-10").months() == [Period.parse("2026-10")]


@pytest.mark.parametrize("label", ["2026-10", "2026-Q3", "2026-H2", "2026"])
def test_label_round_trips(label):
    assert Period.parse(label).label == label == str(Period.parse(label))


def test_lower_case_quarter_and_half_are_read():
    assert Period.parse(" 2026-q3 ").label == "2026-Q3"
    assert Period.parse("2026-h1").label == "2026-H1"


@pytest.mark.parametrize("label", ["2026-13", "2026-00", "2026-Q5", "2026-H3", "26-10", "2026/10", "October", ""])
def test_nonsense_is_refused(label):
    with pytest.raises(PeriodError):
        Period.parse(label)


def test_naive_instant_is_refused():
    with pytest.raises(PeriodError):
        Period.containing(datetime(2026, 10, 1))

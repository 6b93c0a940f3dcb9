"""Deadline arithmetic: clock and working limits, same-day cut-off, pauses,
reopening, appointments, warnings and lateness."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from routing.rules.calendar import Calendar, load_preset_calendars
from routing.rules.timelimits import (
    TimeLimit,
    arrival_due,
    deadlines,
    due_at,
    minutes_late,
    timelimit_from_dict,
    timelimit_to_dict,
    warning_at,
)

SH = ZoneInfo("Asia/Shanghai")
CALENDARS = load_preset_calendars()
BUSINESS, HOTLINE, ALWAYS = CALENDARS["business"], CALENDARS["hotline"], CALENDARS["24x7"]
H = timedelta(hours=1)

THIRTY_MINUTES = TimeLimit(30, "minutes")
ONE_DAY_CLOCK = TimeLimit(24, "hours")
THREE_WORKING_DAYS = TimeLimit(3, "working_days")
FOUR_WORKING_HOURS = TimeLimit(4, "hours", basis="working")
SAME_DAY_BEFORE_21 = TimeLimit(0, "same_day", cutoff=time(21))


def sh(*args):
    return datetime(*args, tzinfo=SH)


MONDAY_10 = sh(2026, 3, 2, 10)  # a plain working Monday


def test_clock_limits_run_through_nights_and_weekends():
    assert due_at(THIRTY_MINUTES, BUSINESS, sh(2026, 3, 6, 23, 45)) == sh(2026, 3, 7, 0, 15)
    assert due_at(TimeLimit(1, "days"), BUSINESS, sh(2026, 3, 6, 10)) == sh(2026, 3, 7, 10)


def test_working_hours_limits_run_on_the_calendar():
    # Rural small fault: 4 working hours on the 8:00-22:00 service day.
    assert due_at(FOUR_WORKING_HOURS, HOTLINE, MONDAY_10) == sh(2026, 3, 2, 14)
    assert due_at(FOUR_WORKING_HOURS, HOTLINE, sh(2026, 3, 2, 20)) == sh(2026, 3, 3, 10)


def test_complaint_solution_within_3_working_days():
    # 002: reported Friday 10:00 -> due Wednesday 10:00, the weekend not counted.
    assert due_at(THREE_WORKING_DAYS, BUSINESS, sh(2026, 3, 6, 10)) == sh(2026, 3, 11, 10)
    assert THREE_WORKING_DAYS.basis == "working"


def test_repair_reported_before_21_is_due_the_same_day():
    assert due_at(SAME_DAY_BEFORE_21, HOTLINE, sh(2026, 3, 2, 20, 59)) == sh(2026, 3, 3)


def test_repair_reported_at_or_after_21_is_due_by_the_end_of_the_next_day():
    assert due_at(SAME_DAY_BEFORE_21, HOTLINE, sh(2026, 3, 2, 21)) == sh(2026, 3, 4)
    assert due_at(SAME_DAY_BEFORE_21, HOTLINE, sh(2026, 3, 2, 23, 30)) == sh(2026, 3, 4)


def test_special_periods_move_the_cutoff_to_midnight():
    special = timelimit_from_dict({"unit": "same_day", "cutoff": "24:00"})
    assert special.cutoff is None
    assert due_at(special, HOTLINE, sh(2026, 3, 2, 23, 30)) == sh(2026, 3, 3)


def test_same_day_is_the_local_day_of_the_calendar():
    # 14:00 UTC is 22:00 in Shanghai: after the cutoff there, before it in UTC.
    start = datetime(2026, 3, 2, 14, tzinfo=timezone.utc)
    assert due_at(SAME_DAY_BEFORE_21, HOTLINE, start) == sh(2026, 3, 4)


def test_a_closed_pause_extends_a_clock_deadline_by_its_length():
    pauses = [(sh(2026, 3, 2, 12), sh(2026, 3, 2, 14))]
    assert due_at(ONE_DAY_CLOCK, ALWAYS, MONDAY_10, pauses) == sh(2026, 3, 3, 12)


def test_a_pause_extends_a_working_deadline_by_the_working_time_paused():
    # Reported Monday 20:00: due Tuesday 10:00 (20-22 and 8-10). Waiting for the
    # customer 21:00 Monday -> 09:00 Tuesday stops 2 working hours, not 12.
    start = sh(2026, 3, 2, 20)
    assert due_at(FOUR_WORKING_HOURS, HOTLINE, start) == sh(2026, 3, 3, 10)
    pauses = [(sh(2026, 3, 2, 21), sh(2026, 3, 3, 9))]
    assert due_at(FOUR_WORKING_HOURS, HOTLINE, start, pauses) == sh(2026, 3, 3, 12)


def test_overlapping_pauses_count_once():
    pauses = [(sh(2026, 3, 2, 12), sh(2026, 3, 2, 14)), (sh(2026, 3, 2, 13), sh(2026, 3, 2, 15))]
    assert due_at(ONE_DAY_CLOCK, ALWAYS, MONDAY_10, pauses) == sh(2026, 3, 3, 13)


def test_a_pause_after_the_deadline_does_not_rescue_a_late_case():
    pauses = [(sh(2026, 3, 2, 11), sh(2026, 3, 2, 12))]
    assert due_at(THIRTY_MINUTES, ALWAYS, MONDAY_10, pauses) == sh(2026, 3, 2, 10, 30)


def test_an_open_pause_stops_the_clock_until_now():
    pauses = [(sh(2026, 3, 2, 10, 10), None)]
    now = sh(2026, 3, 2, 15)
    due = due_at(THIRTY_MINUTES, ALWAYS, MONDAY_10, pauses, now=now)
    assert due == sh(2026, 3, 2, 15, 20)  # the 20 minutes left still lie ahead
    assert minutes_late(due, now) == 0
    with pytest.raises(ValueError):
        due_at(THIRTY_MINUTES, ALWAYS, MONDAY_10, pauses)


def test_limits_that_do_not_pause_ignore_waiting_for_the_customer():
    limit = TimeLimit(30, "minutes", pauses=False)
    assert due_at(limit, ALWAYS, MONDAY_10, [(sh(2026, 3, 2, 10, 10), sh(2026, 3, 2, 11))]) == sh(2026, 3, 2, 10, 30)


def test_a_reopened_case_restarts_its_targets_from_the_reopen_time():
    reopened_at = sh(2026, 3, 9, 10)
    earlier_pause = (sh(2026, 3, 3, 9), sh(2026, 3, 4, 9))  # from before the reopening
    assert due_at(THREE_WORKING_DAYS, BUSINESS, reopened_at, [earlier_pause]) == sh(2026, 3, 12, 10)


def test_an_agreed_appointment_replaces_the_arrival_deadline():
    appointment = sh(2026, 3, 3, 15)
    assert arrival_due(THIRTY_MINUTES, HOTLINE, MONDAY_10) == sh(2026, 3, 2, 10, 30)
    assert arrival_due(THIRTY_MINUTES, HOTLINE, MONDAY_10, appointment=appointment) == appointment
    assert arrival_due(None, HOTLINE, MONDAY_10) is None
    limits = {"arrival": THIRTY_MINUTES, "resolution": TimeLimit(1, "days")}
    assert deadlines(limits, HOTLINE, MONDAY_10, appointment=appointment) == {
        "arrival": appointment, "resolution": sh(2026, 3, 3, 10)}
    assert deadlines(limits, HOTLINE, MONDAY_10)["arrival"] == sh(2026, 3, 2, 10, 30)


def test_warning_at_three_quarters_of_a_clock_limit():
    assert warning_at(MONDAY_10, sh(2026, 3, 3, 10), 0.75) == sh(2026, 3, 3, 4)


def test_warning_at_three_quarters_of_a_working_limit_counts_working_time():
    # Monday 9:00 + 3 working days = Thursday 9:00: 21 working hours; 3/4 of
    # them (15 h 45) end Wednesday 10:45, not at 03:00 as clock time would say.
    start = sh(2026, 3, 2, 9)
    due = due_at(THREE_WORKING_DAYS, BUSINESS, start)
    assert due == sh(2026, 3, 5, 9)
    assert warning_at(start, due, 0.75, BUSINESS, basis="working") == sh(2026, 3, 4, 10, 45)
    with pytest.raises(ValueError):
        warning_at(start, due, 0.75, basis="working")


def test_minutes_late():
    due = sh(2026, 3, 2, 10, 30)
    assert minutes_late(due, sh(2026, 3, 2, 10)) == 0
    assert minutes_late(due, sh(2026, 3, 2, 12, 0, 30)) == 90


def test_clock_days_are_24_hours_even_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    due = due_at(TimeLimit(1, "days"), Calendar.always("Europe/Berlin"), datetime(2026, 3, 28, 12, tzinfo=berlin))
    assert due == datetime(2026, 3, 29, 13, tzinfo=berlin)


@pytest.mark.parametrize("args", [
    (1, "days", "working"),
    (1.5, "working_days"),
    (1, "weeks"),
    (-1, "minutes"),
    (0, "same_day", "working"),
])
def test_invalid_limits_are_refused(args):
    with pytest.raises(ValueError):
        TimeLimit(*args)


def test_cutoff_belongs_to_same_day_limits_only():
    with pytest.raises(ValueError):
        TimeLimit(30, "minutes", cutoff=time(21))


def test_limits_round_trip_through_plain_data():
    for limit in (THIRTY_MINUTES, THREE_WORKING_DAYS, FOUR_WORKING_HOURS, SAME_DAY_BEFORE_21):
        assert timelimit_from_dict(timelimit_to_dict(limit)) == limit
    assert timelimit_to_dict(SAME_DAY_BEFORE_21)["cutoff"] == "21:00"

"""Callbacks (RULES section 4): the next working morning, the customer's own
time, the four-item survey."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from routing.rules.calendar import calendar_from_dict, load_preset_calendars
from routing.rules.callback_rules import (
    items_asked,
    CALLBACK_ITEMS,
    CALLBACK_LEVELS,
    LEVEL_SCORE,
    callback_satisfied,
    callback_scores,
    callback_window,
)
from routing.rules.official_days import fill

SH = ZoneInfo("Asia/Shanghai")
CALENDARS = load_preset_calendars()
BUSINESS = CALENDARS["business"]


def sh(*args):
    return datetime(*args, tzinfo=SH)


def test_a_repair_is_called_back_the_next_working_morning():
    assert callback_window(BUSINESS, sh(2026, 3, 2, 15)) == (sh(2026, 3, 3, 9), sh(2026, 3, 3, 12))


def test_even_a_repair_resolved_before_the_morning_window_waits_for_the_next_day():
    assert callback_window(BUSINESS, sh(2026, 3, 2, 7)) == (sh(2026, 3, 3, 9), sh(2026, 3, 3, 12))


def test_friday_repairs_are_called_back_on_monday_or_saturday_on_the_hotline():
    friday = sh(2026, 3, 6, 16)
    assert callback_window(BUSINESS, friday)[0] == sh(2026, 3, 9, 9)
    assert callback_window(CALENDARS["hotline"], friday)[0] == sh(2026, 3, 7, 9)


def test_holidays_push_the_callback_past_them():
    # Resolved on the eve of National Day: the callback is on Thursday 8 October, not on 1 October.
    official = fill(CALENDARS["cn-business"], [2026])
    assert callback_window(official, sh(2026, 9, 30, 16)) == (sh(2026, 10, 8, 9), sh(2026, 10, 8, 12))


def test_the_window_keeps_inside_the_days_working_hours():
    # A morning off (part-day holiday) moves the call to the afternoon's
    # opening; a day with no hours in the window passes to the next one.
    cal = calendar_from_dict({"days": ["mon", "tue", "wed", "thu", "fri"], "hours": [["09:00", "12:00"]],
                              "holidays": {"2026-03-03": [["09:00", "10:30"]], "2026-03-04": [["09:00", "12:00"]]}})
    assert callback_window(cal, sh(2026, 3, 2, 15)) == (sh(2026, 3, 3, 10, 30), sh(2026, 3, 3, 12))
    assert callback_window(cal, sh(2026, 3, 3, 15)) == (sh(2026, 3, 5, 9), sh(2026, 3, 5, 12))
    lunch = calendar_from_dict({"days": ["mon"], "hours": [["08:00", "10:00"], ["11:00", "17:00"]]})
    assert callback_window(lunch, sh(2026, 3, 1, 15)) == (sh(2026, 3, 2, 9), sh(2026, 3, 2, 10))


def test_the_next_morning_is_the_next_local_day():
    # 17:00 UTC Monday is 01:00 Tuesday in Shanghai: called back Wednesday.
    resolved = datetime(2026, 3, 2, 17, tzinfo=timezone.utc)
    assert callback_window(BUSINESS, resolved) == (sh(2026, 3, 4, 9), sh(2026, 3, 4, 12))


def test_the_window_is_configurable():
    start, end = callback_window(BUSINESS, sh(2026, 3, 2, 15), window=(time(14), time(16)))
    assert (start, end) == (sh(2026, 3, 3, 14), sh(2026, 3, 3, 16))


def test_the_customers_requested_time_wins_for_a_window_of_the_same_length():
    requested = sh(2026, 3, 7, 19)  # a Saturday evening, outside office hours
    assert callback_window(BUSINESS, sh(2026, 3, 2, 15), requested) == (requested, sh(2026, 3, 7, 22))


def test_a_requested_time_before_the_resolution_starts_at_the_resolution():
    resolved = sh(2026, 3, 2, 15)
    assert callback_window(BUSINESS, resolved, sh(2026, 3, 2, 9)) == (resolved, resolved + timedelta(hours=3))


def test_survey_items_and_levels_are_the_seeds_four_by_four():
    assert CALLBACK_ITEMS == ("attitude", "skill", "arrival_time", "keeping_promises")
    assert CALLBACK_LEVELS == ("very_satisfied", "satisfied", "average", "poor")


def test_arrival_time_is_asked_only_about_a_visit():
    assert items_asked("repair") == CALLBACK_ITEMS
    assert items_asked("complaint") == ("attitude", "skill", "keeping_promises")


def test_levels_map_to_rating_scores():
    assert [LEVEL_SCORE[level] for level in CALLBACK_LEVELS] == [5, 4, 3, 2]
    assert callback_scores({"attitude": "very_satisfied", "skill": "poor"}) == {"attitude": 5, "skill": 2}


def test_satisfied_when_every_item_is_satisfied_or_better():
    answers = dict.fromkeys(CALLBACK_ITEMS, "satisfied") | {"attitude": "very_satisfied"}
    assert callback_satisfied(answers)
    assert not callback_satisfied(answers | {"arrival_time": "average"})
    assert not callback_satisfied(answers | {"keeping_promises": "poor"})


def test_skipped_items_do_not_count_against_the_staff_member():
    assert callback_satisfied({"attitude": "satisfied"})


@pytest.mark.parametrize("answers", [{}, {"smile": "satisfied"}, {"attitude": "great"}])
def test_unknown_or_empty_answers_are_refused(answers):
    with pytest.raises(ValueError):
        callback_satisfied(answers)

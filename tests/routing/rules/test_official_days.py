"""China's official working days from python-holidays (RULES 2): the 2026
calendar equals the State Council's notice day by day; a year without its
notice is filled with what is certain and reported as not confirmed; the
administrator's own days win over what was filled and survive a refresh."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.rules.calendar import (
    add_working_days,
    calendar_from_dict,
    calendar_to_dict,
    confirmed_until,
    is_confirmed,
    is_working_day,
    load_preset_calendars,
    next_year_missing,
)
from routing.rules.official_days import fill, has_notice, official_year, years_to_fill
from routing.rules.timelimits import TimeLimit, due_at
from support.official import NOTICE_2026_HOLIDAYS, NOTICE_2026_WORKDAYS

SH = ZoneInfo("Asia/Shanghai")
PRESET = load_preset_calendars()["cn-business"]  # Mon-Fri 9:00-12:00, 13:30-17:30, follows CN
THREE_WORKING_DAYS = TimeLimit(3, "working_days")


def sh(*args):
    return datetime(*args, tzinfo=SH)


def days_of(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def test_2026_from_the_library_is_the_state_council_notice_day_by_day():
    official = official_year("CN", 2026)
    assert official.confirmed and official.source.startswith("python-holidays ")
    assert sorted(official.holidays) == NOTICE_2026_HOLIDAYS and len(official.holidays) == 33
    assert sorted(official.workdays) == NOTICE_2026_WORKDAYS and len(official.workdays) == 6
    calendar = fill(PRESET, [2026])
    for day in days_of(2026):
        worked = day in NOTICE_2026_WORKDAYS or (day.weekday() < 5 and day not in NOTICE_2026_HOLIDAYS)
        assert is_working_day(calendar, day) == worked, day


def test_the_notice_counts_weekends_inside_a_holiday_block_as_holidays():
    # Saturday 21 February 2026 is one of the nine Spring Festival days: a
    # calendar worked on Saturdays does not work it, but works the make-up
    # Saturday 14 February and an ordinary Saturday.
    saturdays = replace(PRESET, weekly={**PRESET.weekly, 5: ((time(9), time(12)),)})
    calendar = fill(saturdays, [2026])
    assert not is_working_day(calendar, date(2026, 2, 21))
    assert is_working_day(calendar, date(2026, 2, 14))
    assert is_working_day(calendar, date(2026, 3, 7))


def test_a_year_without_its_notice_holds_only_what_is_certain_and_is_not_confirmed(before_the_2027_notice):
    assert not has_notice("CN", 2027)
    official = official_year("CN", 2027)
    assert not official.confirmed and not official.workdays
    # The statutory days (全国年节及纪念日放假办法): New Year, the eve and first three
    # days of the Spring Festival, Qingming, two Labour Days, Dragon Boat,
    # Mid-Autumn, three National Days; no guessed substitutions.
    assert sorted(official.holidays) == [
        date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
        date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 6, 9), date(2027, 9, 15),
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]
    calendar = fill(PRESET, [2026, 2027])
    assert not is_working_day(calendar, date(2027, 1, 1))  # not treated as an ordinary Friday
    assert is_confirmed(calendar, sh(2026, 12, 1, 10), sh(2026, 12, 31, 17))
    assert not is_confirmed(calendar, sh(2026, 12, 31, 10), sh(2027, 1, 6, 10))
    assert confirmed_until(calendar, date(2026, 12, 3)) == date(2026, 12, 31)
    assert confirmed_until(calendar, date(2027, 1, 4)) is None


def test_a_year_never_filled_is_not_confirmed_either():
    calendar = fill(PRESET, [2026])
    assert not is_confirmed(calendar, sh(2028, 3, 1, 9), sh(2028, 3, 3, 9))
    assert confirmed_until(calendar, date(2028, 3, 1)) is None


# RULES 2, worked examples: complaint, "solution within 3 working days", Asia/Shanghai.
@pytest.mark.parametrize("received, due, confirmed", [
    (sh(2026, 2, 13, 10), sh(2026, 2, 25, 10), True),     # Sat 14 Feb worked, 15-23 Feb off
    (sh(2026, 9, 18, 15), sh(2026, 9, 22, 15), True),     # Sun 20 Sep worked
    (sh(2026, 12, 31, 10), sh(2027, 1, 6, 10), False),    # 1 Jan off; 2027's notice not out yet
])
def test_rules_2_worked_examples(before_the_2027_notice, received, due, confirmed):
    calendar = fill(PRESET, years_to_fill(date(2026, 12, 3)))
    assert due_at(THREE_WORKING_DAYS, calendar, received) == due
    assert is_confirmed(calendar, received, due) == confirmed


def test_from_november_next_years_missing_arrangement_is_flagged(before_the_2027_notice):
    calendar = fill(PRESET, [2026, 2027])
    assert not next_year_missing(calendar, date(2026, 10, 31))
    assert next_year_missing(calendar, date(2026, 11, 1))
    assert not next_year_missing(replace(calendar, confirmed_years=frozenset({2027})), date(2026, 11, 1))
    assert not next_year_missing(load_preset_calendars()["hotline"], date(2026, 11, 1))


def test_the_administrators_own_days_win_over_the_filled_ones_and_a_refill_keeps_them(before_the_2027_notice):
    # A correction: 2 January 2026 worked after all; a holiday of one's own on
    # 24 December afternoon; 2027 confirmed by hand after typing its notice in.
    own = replace(PRESET, workdays={date(2026, 1, 2): ((time(9), time(12)),)},
                  holidays={date(2026, 12, 24): ((time(13, 30), time(0)),)}, confirmed_years=frozenset({2027}))
    calendar = fill(fill(own, [2026, 2027]), [2026, 2027])
    assert is_working_day(calendar, date(2026, 1, 2)) and not is_working_day(calendar, date(2026, 1, 1))
    assert add_working_days(calendar, sh(2026, 12, 23, 16), 1) == sh(2026, 12, 24, 12)  # clamped to the morning
    assert is_confirmed(calendar, sh(2026, 12, 31, 10), sh(2027, 1, 6, 10))
    assert calendar.workdays == own.workdays and calendar.holidays == own.holidays


def test_an_own_part_day_holiday_on_an_official_day_off_leaves_the_rest_worked():
    # Only the morning of Wednesday 7 October (officially off) is off here.
    calendar = replace(fill(PRESET, [2026]), holidays={date(2026, 10, 7): ((time(9), time(12)),)})
    assert is_working_day(calendar, date(2026, 10, 7)) and not is_working_day(calendar, date(2026, 10, 6))
    assert add_working_days(calendar, sh(2026, 9, 30, 10), 1) == sh(2026, 10, 7, 13, 30)


def test_filled_years_round_trip_through_plain_data():
    calendar = fill(PRESET, [2025, 2026])
    data = calendar_to_dict(calendar)
    assert data["official"] == "CN" and data["filled"]["2026"]["confirmed"] is True
    assert len(data["filled"]["2026"]["holidays"]) == 33
    assert calendar_from_dict(data) == calendar


def test_a_calendar_that_follows_nothing_is_never_filled_and_never_unconfirmed():
    business = load_preset_calendars()["business"]
    assert fill(business, [2026]) == business
    assert is_confirmed(business, sh(2030, 1, 1, 9), sh(2031, 1, 1, 9))
    with pytest.raises(ValueError):
        replace(business, confirmed_years=frozenset({2027}))
    with pytest.raises(ValueError):
        has_notice("XX", 2026)

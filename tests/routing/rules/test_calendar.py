"""Working calendars: intervals, weekends, holidays, make-up days, 24x7, time zones."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from routing.rules.calendar import (
    Calendar,
    add_working_days,
    add_working_time,
    calendar_from_dict,
    calendar_to_dict,
    end_of_local_day,
    is_working_day,
    load_preset_calendars,
    next_working_moment,
    working_time_between,
)
from routing.rules.official_days import fill

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
PRESETS = load_preset_calendars()
BUSINESS = PRESETS["business"]  # Mon-Fri 9:00-12:00, 13:30-17:30
CN2026 = fill(PRESETS["cn-business"], [2026])  # office hours on the official working days of 2026
H = timedelta(hours=1)


def sh(*args):
    return datetime(*args, tzinfo=SH)


# 2026-03-02 is a Monday.

def test_results_are_utc_and_shanghai_has_no_dst():
    due = add_working_time(BUSINESS, sh(2026, 3, 2, 9), H)
    assert due.tzinfo == timezone.utc
    assert due == datetime(2026, 3, 2, 2, tzinfo=timezone.utc)  # 10:00 at UTC+8
    july = add_working_time(BUSINESS, sh(2026, 7, 6, 9), H)
    assert july == datetime(2026, 7, 6, 2, tzinfo=timezone.utc)  # still UTC+8 in summer


def test_working_time_skips_the_lunch_break():
    assert add_working_time(BUSINESS, sh(2026, 3, 2, 11), 2 * H) == sh(2026, 3, 2, 14, 30)


def test_a_limit_ending_at_closing_time_is_due_at_closing_time():
    assert add_working_time(BUSINESS, sh(2026, 3, 2, 16, 30), H) == sh(2026, 3, 2, 17, 30)


def test_time_after_hours_starts_counting_next_morning():
    assert add_working_time(BUSINESS, sh(2026, 3, 2, 18), H) == sh(2026, 3, 3, 10)


def test_weekends_are_not_worked():
    friday_late = sh(2026, 3, 6, 17)
    assert add_working_time(BUSINESS, friday_late, H) == sh(2026, 3, 9, 9, 30)
    assert working_time_between(BUSINESS, friday_late, sh(2026, 3, 9, 9, 30)) == H
    assert working_time_between(BUSINESS, sh(2026, 3, 9, 9, 30), friday_late) == -H


def test_zero_working_time_is_the_start_itself():
    saturday = sh(2026, 3, 7, 10)
    assert add_working_time(BUSINESS, saturday, timedelta(0)) == saturday


def test_a_whole_week_of_business_hours_is_35_hours():
    assert working_time_between(BUSINESS, sh(2026, 3, 2), sh(2026, 3, 9)) == 35 * H


def test_next_working_moment():
    assert next_working_moment(BUSINESS, sh(2026, 3, 2, 10)) == sh(2026, 3, 2, 10)
    assert next_working_moment(BUSINESS, sh(2026, 3, 2, 12, 15)) == sh(2026, 3, 2, 13, 30)
    assert next_working_moment(BUSINESS, sh(2026, 3, 2, 17, 30)) == sh(2026, 3, 3, 9)
    assert next_working_moment(BUSINESS, sh(2026, 3, 7, 10)) == sh(2026, 3, 9, 9)


def test_whole_day_holidays_are_skipped():
    # National Day: 1-7 October 2026 off.
    assert add_working_time(CN2026, sh(2026, 9, 30, 17), H) == sh(2026, 10, 8, 9, 30)
    assert not is_working_day(CN2026, date(2026, 10, 1))


def test_make_up_working_days_are_worked():
    # Saturday 10 October 2026 is worked for National Day; Sunday 4 January for New Year.
    assert is_working_day(CN2026, date(2026, 10, 10))
    assert is_working_day(CN2026, date(2026, 1, 4))
    assert not is_working_day(BUSINESS, date(2026, 10, 10))
    assert add_working_days(CN2026, sh(2026, 9, 30, 16), 3) == sh(2026, 10, 10, 16)


def test_spring_festival_long_holiday_between_two_make_up_saturdays():
    # Friday 13 Feb 17:00 + 1 h -> Saturday 14 Feb (make-up day); from there the
    # nine days 15-23 Feb are off, so the next hour lands on Tuesday 24 Feb.
    assert add_working_time(CN2026, sh(2026, 2, 13, 17), H) == sh(2026, 2, 14, 9, 30)
    assert add_working_time(CN2026, sh(2026, 2, 14, 17), H) == sh(2026, 2, 24, 9, 30)
    assert working_time_between(CN2026, sh(2026, 2, 14, 17, 30), sh(2026, 2, 24, 9)) == timedelta(0)


def test_a_year_long_closure_is_crossed_by_day_not_by_minute():
    closed = {date(2026, 1, 1) + timedelta(days=i): () for i in range(364)}
    cal = replace(BUSINESS, holidays=closed)
    assert add_working_time(cal, sh(2026, 1, 1, 9), timedelta(minutes=1)) == sh(2026, 12, 31, 9, 1)


def test_a_calendar_without_working_time_fails_instead_of_looping():
    with pytest.raises(ValueError):
        add_working_time(Calendar(), sh(2026, 3, 2, 9), H)


def test_part_day_holiday_closes_only_the_listed_hours():
    # Wednesday afternoon off (e.g. a half-day before a festival).
    cal = replace(BUSINESS, holidays={date(2026, 3, 4): ((time(13, 30), time(17, 30)),)})
    assert working_time_between(cal, sh(2026, 3, 4), sh(2026, 3, 5)) == 3 * H
    assert add_working_time(cal, sh(2026, 3, 4, 11), 2 * H) == sh(2026, 3, 5, 10)


def test_working_days_keep_the_local_time_of_day():
    assert add_working_days(BUSINESS, sh(2026, 3, 6, 10), 1) == sh(2026, 3, 9, 10)
    assert add_working_days(BUSINESS, sh(2026, 3, 2, 10), 0) == sh(2026, 3, 2, 10)


def test_working_days_from_outside_hours_count_from_the_next_working_moment():
    assert add_working_days(BUSINESS, sh(2026, 3, 7, 15), 1) == sh(2026, 3, 10, 9)
    assert add_working_days(BUSINESS, sh(2026, 3, 2, 20), 1) == sh(2026, 3, 4, 9)


def test_working_days_landing_on_a_short_day_end_with_that_day():
    cal = replace(BUSINESS, holidays={date(2026, 3, 6): ((time(13, 30), time(17, 30)),)})
    assert add_working_days(cal, sh(2026, 3, 5, 16), 1) == sh(2026, 3, 6, 12)


def test_always_open_counts_every_minute_including_weekends():
    cal = Calendar.always()
    assert add_working_time(cal, sh(2026, 3, 7, 23, 50), timedelta(minutes=30)) == sh(2026, 3, 8, 0, 20)
    assert working_time_between(cal, sh(2026, 3, 7), sh(2026, 3, 9)) == 48 * H
    assert add_working_days(cal, sh(2026, 3, 7, 23, 50), 1) == sh(2026, 3, 8, 23, 50)


def test_hotline_works_every_day_including_holidays():
    hotline = PRESETS["hotline"]
    assert add_working_time(hotline, sh(2026, 10, 1, 21, 30), H) == sh(2026, 10, 2, 8, 30)
    assert working_time_between(hotline, sh(2026, 10, 3), sh(2026, 10, 4)) == 14 * H


def test_end_of_local_day_is_local_midnight():
    assert end_of_local_day(BUSINESS, sh(2026, 3, 2, 23, 30)) == sh(2026, 3, 3)
    # 2026-03-02 17:00 UTC is already Tuesday in Shanghai.
    assert end_of_local_day(BUSINESS, datetime(2026, 3, 2, 17, tzinfo=timezone.utc)) == sh(2026, 3, 4)


# Europe/Berlin springs forward on Sunday 2026-03-29 at 02:00 (UTC+1 -> UTC+2).

def test_dst_business_hours_follow_local_time():
    cal = Calendar.business(((time(9), time(17)),), tz="Europe/Berlin")
    friday = datetime(2026, 3, 27, 16, tzinfo=BERLIN)
    due = add_working_time(cal, friday, 2 * H)
    assert due == datetime(2026, 3, 30, 10, tzinfo=BERLIN)
    assert due == datetime(2026, 3, 30, 8, tzinfo=timezone.utc)
    assert add_working_days(cal, datetime(2026, 3, 27, 10, tzinfo=BERLIN), 1) == datetime(
        2026, 3, 30, 8, tzinfo=timezone.utc)


def test_dst_day_is_23_hours_long():
    saturday, monday = datetime(2026, 3, 28, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN)
    whole_days = Calendar(tz="Europe/Berlin", weekly={d: ((time(0), time(0)),) for d in range(7)})
    assert working_time_between(whole_days, saturday, monday) == 47 * H
    assert working_time_between(Calendar.always("Europe/Berlin"), saturday, monday) == 47 * H
    sunday_morning = datetime(2026, 3, 29, 10, tzinfo=BERLIN)
    assert end_of_local_day(whole_days, sunday_morning) == datetime(2026, 3, 29, 22, tzinfo=timezone.utc)
    # 24 hours from Sunday midnight end at 01:00 on Monday: Sunday had only 23.
    assert add_working_time(whole_days, datetime(2026, 3, 29, tzinfo=BERLIN), 24 * H) == datetime(
        2026, 3, 30, 1, tzinfo=BERLIN)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_working_time(BUSINESS, datetime(2026, 3, 2, 9), H)


@pytest.mark.parametrize("bad", [
    dict(tz="Mars/Olympus"),
    dict(weekly={0: ((time(9), time(12)), (time(11), time(14)))}),
    dict(weekly={0: ((time(12), time(9)),)}),
    dict(weekly={7: ((time(9), time(12)),)}),
    dict(workdays={date(2026, 1, 4): ()}),
])
def test_invalid_calendars_are_refused(bad):
    with pytest.raises(ValueError):
        Calendar(**bad)


def test_always_open_has_no_holidays_to_ignore_silently():
    with pytest.raises(ValueError):
        Calendar(always_open=True, holidays={date(2026, 10, 1): ()})


def test_calendars_round_trip_through_plain_data():
    cal = replace(CN2026, holidays={**CN2026.holidays, date(2026, 12, 24): ((time(13, 30), time(0)),)})
    data = calendar_to_dict(cal)
    assert data["holidays"]["2026-12-24"] == [["13:30", "24:00"]]
    assert data["weekly"]["mon"] == [["09:00", "12:00"], ["13:30", "17:30"]]
    assert calendar_from_dict(data) == cal
    for preset in PRESETS.values():
        assert calendar_from_dict(calendar_to_dict(preset)) == preset


def test_shorthand_lists_give_whole_days_off_and_make_up_days_on_usual_hours():
    cal = calendar_from_dict({"days": ["mon", "tue", "wed", "thu", "fri"], "hours": [["09:00", "17:00"]],
                              "holidays": ["2026-03-02"], "workdays": ["2026-03-07"]})
    assert cal.holidays == {date(2026, 3, 2): ()}
    assert cal.workdays == {date(2026, 3, 7): ((time(9), time(17)),)}
    with pytest.raises(ValueError):
        calendar_from_dict({"workdays": ["2026-03-07"]})  # usual hours unknown


def test_the_presets_and_which_follow_the_official_arrangement():
    assert set(PRESETS) == {"24x7", "business", "hotline", "cn-business"}
    assert PRESETS["cn-business"].official == "CN" and not PRESETS["cn-business"].filled
    assert PRESETS["business"].official is None and PRESETS["hotline"].official is None
    assert PRESETS["24x7"].always_open

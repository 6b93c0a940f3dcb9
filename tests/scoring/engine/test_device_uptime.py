"""RULES 1 (004, item 15): the counter evaluator is on 100% of the time:
measured in working time, from the stretches its heartbeats came in."""
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from routing.rules.calendar import Calendar
from scoring.engine.coverage import DeviceLog, device_on_rate, shortfalls

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 09:00-12:00 and 13:30-17:30, Monday to Friday: seven working hours a day.
OFFICE = Calendar.business([(time(9), time(12)), (time(13, 30), time(17, 30))], tz="Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


MONDAY = (at("2026-11-02 00:00"), at("2026-11-03 00:00"))


def test_a_device_on_through_the_working_day_is_on_100_percent():
    log = DeviceLog(expected=MONDAY, on=[(at("2026-11-02 08:50"), at("2026-11-02 17:40"))])
    assert device_on_rate([log], OFFICE) == Decimal(1)
    assert shortfalls({"device_on_rate": device_on_rate([log], OFFICE)}) == {}


def test_off_at_lunch_and_overnight_is_not_off_in_working_time():
    log = DeviceLog(expected=MONDAY, on=[(at("2026-11-02 09:00"), at("2026-11-02 12:00")),
                                         (at("2026-11-02 13:30"), at("2026-11-02 17:30"))])
    assert device_on_rate([log], OFFICE) == Decimal(1)


def test_half_an_hour_off_in_a_seven_hour_day_is_92_85_percent_and_a_shortfall():
    log = DeviceLog(expected=MONDAY, on=[(at("2026-11-02 08:55"), at("2026-11-02 10:00")),
                                         (at("2026-11-02 10:30"), at("2026-11-02 17:35"))])
    rate = device_on_rate([log], OFFICE)
    assert rate == Decimal("0.9285")  # 6.5 / 7, rounded down: never "100%" when it was off
    assert shortfalls({"device_on_rate": rate}) == {"device_on_rate": (Decimal("0.9285"), Decimal(1))}


def test_a_minute_off_is_not_100_percent():
    log = DeviceLog(expected=MONDAY, on=[(at("2026-11-02 09:01"), at("2026-11-02 17:30"))])
    assert device_on_rate([log], OFFICE) < 1


def test_overlapping_stretches_count_once_and_time_outside_the_window_not_at_all():
    log = DeviceLog(expected=(at("2026-11-02 13:30"), at("2026-11-03 00:00")),  # switched to kiosk mode at 13:30
                    on=[(at("2026-11-02 09:00"), at("2026-11-02 15:30")),
                        (at("2026-11-02 14:00"), at("2026-11-02 15:30"))])
    assert device_on_rate([log], OFFICE) == Decimal("0.5")  # 2 of the 4 afternoon hours


def test_several_devices_add_up_and_no_expected_time_is_not_measured():
    on = DeviceLog(expected=MONDAY, on=[(at("2026-11-02 09:00"), at("2026-11-02 17:30"))])
    off = DeviceLog(expected=MONDAY, on=[])
    assert device_on_rate([on, off], OFFICE) == Decimal("0.5")
    weekend = DeviceLog(expected=(at("2026-11-07 00:00"), at("2026-11-09 00:00")), on=[])
    assert device_on_rate([weekend], OFFICE) is None and device_on_rate([], OFFICE) is None
    assert shortfalls({"device_on_rate": None}) == {}

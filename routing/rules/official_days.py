"""Each year's official holidays and make-up working days, from python-holidays.

python-holidays (the `holidays` package) carries China's statutory holidays
for any year (fixed dates, and the lunar festivals computed) and, for each
year whose State Council notice it has, the notice's substituted days off and
make-up working days, with the notice cited in its source. We read it here,
purely: no database, no clock.

- A year with the notice is confirmed. The notice counts as holidays the
  whole blocks of consecutive days off, weekends inside them included
  ("2月15日至23日放假调休，共9天"); the library lists only the weekdays
  among them, so a block is every run of days off that holds one of them.
  That matters to a calendar worked on Saturdays.
- A year without the notice is not confirmed and holds only what is
  certain: the statutory holidays (observed=False: the library's "observed"
  shifts for such a year are its own estimate of the notice) and no make-up
  day. Weekends come from the calendar's weekly hours.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

import holidays

from routing.rules.calendar import Calendar, OfficialYear

REGIONS = ("CN",)
SOURCE = f"python-holidays {holidays.__version__}"
# The years one may fill or confirm: the library computes the lunar festivals this far.
YEARS = range(2000, 2100)
# Holiday blocks are at most nine days long: this much of the neighbouring
# years is enough to see a block that crosses New Year.
_MARGIN = timedelta(days=10)
ONE_DAY = timedelta(days=1)


def _library(region: str, year: int, observed: bool) -> holidays.HolidayBase:
    return holidays.country_holidays(region, years=year, observed=observed)


def has_notice(region: str, year: int) -> bool:
    """Does the library hold the year's official notice (its substituted
    days off, keyed by year)?"""
    if region not in REGIONS:
        raise ValueError(f"no official arrangement is known for {region!r}")
    return year in getattr(_library(region, year, False), "special_public_holidays", {})


@lru_cache(maxsize=64)
def _days(region: str, year: int) -> tuple[frozenset[date], frozenset[date], bool]:
    """(days off the library lists, make-up working days, confirmed) for one year."""
    confirmed = has_notice(region, year)
    library = _library(region, year, observed=confirmed)
    off = frozenset(d for d in library if d.year == year)
    makeup = frozenset(d for d in library.weekend_workdays if d.year == year) if confirmed else frozenset()
    return off, makeup, confirmed


def _day_off(region: str, day: date) -> bool:
    off, makeup, _confirmed = _days(region, day.year)
    return day in off or (day.weekday() >= 5 and day not in makeup)


@lru_cache(maxsize=64)
def official_year(region: str, year: int) -> OfficialYear:
    """The official arrangement of `year` as far as the library knows it."""
    off, makeup, confirmed = _days(region, year)
    if not confirmed:
        return OfficialYear(holidays=off, confirmed=False, source=SOURCE)
    blocks: set[date] = set()
    day, last = date(year, 1, 1) - _MARGIN, date(year, 12, 31) + _MARGIN
    while day <= last:
        run = []
        while day <= last and _day_off(region, day):
            run.append(day)
            day += ONE_DAY
        if any(d in _days(region, d.year)[0] for d in run):
            blocks.update(d for d in run if d.year == year)
        day += ONE_DAY
    return OfficialYear(holidays=frozenset(blocks), workdays=makeup, confirmed=True, source=SOURCE)


def years_to_fill(today: date) -> range:
    """Last year to two years ahead: a deadline runs at most a year (and a
    year of working days a little more), so it never lands in a year that
    was not filled at all."""
    return range(today.year - 1, today.year + 3)


def fill(cal: Calendar, years: Iterable[int]) -> Calendar:
    """`cal` with these years filled from the source (other years, and the
    administrator's own days, as they were). A calendar that follows no
    official arrangement is returned unchanged."""
    if cal.official is None:
        return cal
    return replace(cal, filled={**cal.filled, **{year: official_year(cal.official, year) for year in years}})


def forget() -> None:
    """Drop what was read from the library (a test that patches its data)."""
    _days.cache_clear()
    official_year.cache_clear()

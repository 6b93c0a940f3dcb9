"""Keeping the calendars that follow an official arrangement filled: a year
imported from the source (routing.official_days) on request, every calendar
refreshed by `feedback calendars refresh` and `feedback db upgrade`, and how
far each is confirmed. Storing a changed calendar recomputes the deadlines
and callbacks that run on it (routing.policies.store_calendar).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy.orm import Session

from routing.errors import NotFound, RoutingError
from routing.models import Staff
from routing.rules.calendar import Calendar, calendar_from_dict, confirmed_until, confirmed_years, next_year_missing
from routing.rules.official_days import YEARS, fill, years_to_fill
from routing.services.policies import calendars, stored_calendars
from routing.services.policy_editing import calendar_row, store_calendar


@dataclass(frozen=True)
class Coverage:
    """What an administrator reads of one calendar that follows an official
    arrangement: each year filled and whether it is confirmed."""

    name: str
    region: str
    years: dict[int, bool]  # year -> confirmed (by the source or by hand)
    confirmed_until: date | None
    next_year_missing: bool


def coverage(cal_name: str, cal: Calendar, today: date) -> Coverage:
    confirmed = confirmed_years(cal)
    years = {year: year in confirmed for year in sorted(set(cal.filled) | confirmed)}
    return Coverage(name=cal_name, region=cal.official, years=years,
                    confirmed_until=confirmed_until(cal, today), next_year_missing=next_year_missing(cal, today))


def official_calendars(session: Session, now: datetime) -> list[Coverage]:
    """Every stored calendar that follows an official arrangement, with its coverage."""
    return [coverage(name, cal, now.astimezone(cal.zone).date())
            for name, cal in sorted(stored_calendars(session).items()) if cal.official is not None]


def missing_next_year(session: Session, now: datetime) -> list[Coverage]:
    """From November: the calendars still without next year's official arrangement."""
    return [c for c in official_calendars(session, now) if c.next_year_missing]


def import_year(session: Session, name: str, year: int, now: datetime, *, by: Staff | None = None) -> Coverage:
    """Fill one year of the calendar `name` from the source and recompute
    what runs on it. Without the year's notice in the source, only what is
    certain is filled and the year stays not confirmed."""
    row = calendar_row(session, name)
    if row is None:
        raise NotFound("calendar_not_found", gettext("There is no calendar named %(name)s.", name=name))
    cal = calendar_from_dict(row.data)
    if cal.official is None:
        raise RoutingError("not_official", gettext(
            "The calendar %(name)s does not follow an official arrangement: there is nothing to import.", name=name))
    if year not in YEARS:
        raise RoutingError("invalid_year", gettext("Choose a year between %(first)s and %(last)s.",
                                                   first=YEARS[0], last=YEARS[-1]))
    cal = fill(cal, [year])
    store_calendar(session, name, cal, now, by=by)
    return coverage(name, cal, now.astimezone(cal.zone).date())


def refresh_calendars(session: Session, now: datetime, years: list[int] | None = None) -> list[Coverage]:
    """Fill every calendar that follows an official arrangement, for `years`
    (default: last year to two years ahead) from the source."""
    refreshed = []
    for row in calendars(session):
        cal = calendar_from_dict(row.data)
        if cal.official is None:
            continue
        today = now.astimezone(cal.zone).date()
        cal = fill(cal, years or years_to_fill(today))
        store_calendar(session, row.name, cal, now)
        refreshed.append(coverage(row.name, cal, today))
    return refreshed

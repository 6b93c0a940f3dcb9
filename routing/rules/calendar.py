"""Working calendars: when the clock of a working-time limit runs.

A calendar lists the worked intervals of each local day in its IANA time zone:
weekly hours, holidays (whole days off, or part-day: the listed intervals are
not worked), make-up working days (China's official calendar moves weekend
days into the working week), or always open (24x7).

A calendar may follow a country's official arrangement (`official`, "CN"):
each year's public holidays and make-up working days are then filled from a
maintained source (routing.official_days) into `filled`, kept apart from the
administrator's own `holidays` and `workdays`, which win over what was filled
(a refresh never erases a hand correction). A filled year is confirmed when
the source has the year's official notice; otherwise it holds only what is
certain (weekends, fixed public holidays) and deadlines reaching into it are
marked "calendar not confirmed". An administrator may confirm a year by hand.

All datetimes in and out are timezone-aware; results are UTC. Local arithmetic
happens in the calendar's zone, day by day, so a nine-day holiday costs nine
steps, not thousands of minutes.

An interval ending at 00:00 ends at midnight (24:00): (time(0), time(0)) is
the whole day. Intervals stay inside one local day; split a night shift in two.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.presets import read_preset

Interval = tuple[time, time]
Hours = tuple[Interval, ...]

DEFAULT_TZ = "Asia/Shanghai"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONE_DAY = timedelta(days=1)
# A calendar without a single working moment for a year is a mistake, not a
# holiday: stop searching instead of looping for ever.
MAX_IDLE_DAYS = 366


@dataclass(frozen=True)
class OfficialYear:
    """One year of an official arrangement as a source gave it: whole days
    off and make-up working days, and whether the source has the year's
    official notice (confirmed) or only what is certain without it."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    confirmed: bool = False
    source: str = ""  # the library and version it came from

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(map(_parse_date, self.holidays)))
        object.__setattr__(self, "workdays", frozenset(map(_parse_date, self.workdays)))
        if self.holidays & self.workdays:
            raise ValueError("a day cannot be both a holiday and a make-up working day")


@dataclass(frozen=True)
class Calendar:
    tz: str = DEFAULT_TZ
    weekly: Mapping[int, Hours] = field(default_factory=dict)  # weekday 0=Mon
    holidays: Mapping[date, Hours] = field(default_factory=dict)  # () = whole day off
    workdays: Mapping[date, Hours] = field(default_factory=dict)  # make-up working days
    always_open: bool = False
    official: str | None = None  # the region whose official arrangement it follows ("CN")
    filled: Mapping[int, OfficialYear] = field(default_factory=dict)  # by year, from the source
    confirmed_years: frozenset[int] = frozenset()  # confirmed by an administrator

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Asia" is a folder of zones
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if self.always_open and (self.weekly or self.holidays or self.workdays or self.official):
            raise ValueError("an always-open calendar has no weekly hours, holidays or make-up days")
        if any(not (isinstance(d, int) and 0 <= d <= 6) for d in self.weekly):
            raise ValueError("weekly keys are weekdays 0 (Monday) to 6 (Sunday)")
        if any(not hours for hours in self.workdays.values()):
            raise ValueError("a make-up working day needs its working hours")
        if self.official is None and (self.filled or self.confirmed_years):
            raise ValueError("only a calendar that follows an official arrangement has filled or confirmed years")
        for year, days in self.filled.items():
            if not isinstance(year, int) or any(d.year != year for d in days.holidays | days.workdays):
                raise ValueError(f"the days filled for {year} must lie in {year}")
        # Normalised copies: sorted, validated tuples, whatever the caller passed.
        object.__setattr__(self, "weekly", {d: _hours(h) for d, h in sorted(self.weekly.items())})
        object.__setattr__(self, "holidays", {d: _hours(h) for d, h in sorted(self.holidays.items())})
        object.__setattr__(self, "workdays", {d: _hours(h) for d, h in sorted(self.workdays.items())})
        object.__setattr__(self, "filled", dict(sorted(self.filled.items())))
        object.__setattr__(self, "confirmed_years", frozenset(int(y) for y in self.confirmed_years))

    @property
    def makeup_hours(self) -> Hours:
        """The hours of an official make-up working day: those of a normal
        working day (the first of Monday to Friday that has hours)."""
        return next((self.weekly[d] for d in range(5) if self.weekly.get(d)), ())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)  # zoneinfo caches instances per key

    @classmethod
    def always(cls, tz: str = DEFAULT_TZ) -> Calendar:
        """24x7: every moment is working time (the tz still defines "today")."""
        return cls(tz=tz, always_open=True)

    @classmethod
    def business(cls, intervals: Hours, days: Any = range(5), tz: str = DEFAULT_TZ) -> Calendar:
        """The same `intervals` on each weekday in `days` (default Mon-Fri)."""
        return cls(tz=tz, weekly={d: tuple(intervals) for d in days})


def _offset(t: time | datetime) -> timedelta:
    """The local wall-clock time of day as an offset from midnight."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _span(interval: Interval) -> tuple[timedelta, timedelta]:
    """An interval as offsets from local midnight; an end of 00:00 is 24:00."""
    start, end = map(_offset, interval)
    return start, end or ONE_DAY


def _hours(hours: Any) -> Hours:
    intervals = [tuple(iv) for iv in hours]
    for iv in intervals:
        if len(iv) != 2 or not all(isinstance(t, time) and t.tzinfo is None for t in iv):
            raise ValueError(f"an interval is two naive local times, not {iv!r}")
    result = tuple(sorted(intervals, key=lambda iv: _span(iv)[0]))
    for iv in result:
        start, end = _span(iv)
        if start >= end:
            raise ValueError(f"interval {iv[0]}-{iv[1]} is empty or crosses midnight")
    for before, after in zip(result, result[1:]):
        if _span(before)[1] > _span(after)[0]:
            raise ValueError(f"intervals {before} and {after} overlap")
    return result


def _day_hours(cal: Calendar, day: date) -> Hours:
    """The hours a day is worked before the administrator's own holidays are
    taken off: their own make-up day, else the official arrangement (a
    make-up day, or a holiday unless they wrote their own entry for the day),
    else the weekly hours."""
    if day in cal.workdays:
        return cal.workdays[day]
    official = cal.filled.get(day.year)
    if official is not None:
        if day in official.workdays:
            return cal.makeup_hours
        if day in official.holidays and day not in cal.holidays:
            return ()
    return cal.weekly.get(day.weekday(), ())


def _spans(cal: Calendar, day: date) -> list[tuple[timedelta, timedelta]]:
    """The worked local spans of one day, in order."""
    if cal.always_open:
        return [(timedelta(0), ONE_DAY)]
    spans = [_span(iv) for iv in _day_hours(cal, day)]
    if day in cal.holidays:
        if not cal.holidays[day]:
            return []
        for off_start, off_end in map(_span, cal.holidays[day]):
            spans = [piece for start, end in spans
                     for piece in ((start, min(end, off_start)), (max(start, off_end), end))
                     if piece[0] < piece[1]]
    return spans


def _at(zone: ZoneInfo, day: date, offset: timedelta) -> datetime:
    # Adding a timedelta to an aware datetime is wall-clock arithmetic, so the
    # offset is applied to the local time and DST is resolved afterwards.
    return (datetime.combine(day, time(0), tzinfo=zone) + offset).astimezone(timezone.utc)


def as_utc(t: datetime) -> datetime:
    """`t` in UTC; refuses naive datetimes, whose zone nobody knows."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}: pass timezone-aware datetimes")
    return t.astimezone(timezone.utc)


def at_local(cal: Calendar, day: date, t: time) -> datetime:
    """The UTC instant of local time `t` on `day` in the calendar's zone."""
    return _at(cal.zone, day, _offset(t))


def is_working_day(cal: Calendar, day: date) -> bool:
    return bool(_spans(cal, day))


def next_working_day(cal: Calendar, day: date) -> date:
    """The first working day strictly after `day`."""
    for _ in range(MAX_IDLE_DAYS):
        day += ONE_DAY
        if is_working_day(cal, day):
            return day
    raise ValueError(f"calendar has no working day within {MAX_IDLE_DAYS} days after {day}")


def _segments(cal: Calendar, t: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working segments in UTC that end after `t`, the first clipped to start at `t`."""
    zone = cal.zone
    day = t.astimezone(zone).date()
    while True:
        for start, end in _spans(cal, day):
            seg_start, seg_end = _at(zone, day, start), _at(zone, day, end)
            if seg_end > t:
                yield max(seg_start, t), seg_end
        day = next_working_day(cal, day)


def next_working_moment(cal: Calendar, t: datetime) -> datetime:
    """`t` itself when it is working time, else the start of the next working interval."""
    return next(_segments(cal, as_utc(t)))[0]


def working_until(cal: Calendar, t: datetime) -> datetime:
    """The end of the working interval that `t` is in (or that comes next)."""
    return next(_segments(cal, as_utc(t)))[1]


def add_working_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest moment by which `duration` of working time has passed since `start`."""
    start = as_utc(start)
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    if not duration:
        return start
    remaining = duration
    for seg_start, seg_end in _segments(cal, start):
        if remaining <= seg_end - seg_start:
            return seg_start + remaining
        remaining -= seg_end - seg_start
    raise AssertionError("unreachable: _segments never ends")


def working_time_between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    """Working time from `a` to `b` (negative when `b` is before `a`)."""
    a, b = as_utc(a), as_utc(b)
    if b < a:
        return -working_time_between(cal, b, a)
    zone, total = cal.zone, timedelta(0)
    day, last = a.astimezone(zone).date(), b.astimezone(zone).date()
    while day <= last:
        for start, end in _spans(cal, day):
            total += max(timedelta(0), min(_at(zone, day, end), b) - max(_at(zone, day, start), a))
        day += ONE_DAY
    return total


def add_working_days(cal: Calendar, start: datetime, n: int) -> datetime:
    """The same local time of day on the `n`-th following working day.

    A start outside working hours counts from the next working moment. When the
    target day's hours are shorter (a part-day holiday, a make-up day with other
    hours) the result is clamped into that day's first start..last end, so a
    deadline never spills onto the day after.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    zone = cal.zone
    local = next_working_moment(cal, start).astimezone(zone)
    day = local.date()
    for _ in range(n):
        day = next_working_day(cal, day)
    spans = _spans(cal, day)
    offset = min(max(_offset(local), spans[0][0]), spans[-1][1])
    return _at(zone, day, offset)


def end_of_local_day(cal: Calendar, t: datetime) -> datetime:
    """Local midnight at the end of `t`'s local day (exclusive: 24:00 of that day)."""
    return _at(cal.zone, as_utc(t).astimezone(cal.zone).date() + ONE_DAY, timedelta(0))


# --- how far the official arrangement is known -----------------------------

def confirmed_years(cal: Calendar) -> frozenset[int]:
    """The years whose official arrangement the calendar holds: confirmed by
    the source, or by an administrator."""
    return frozenset(y for y, days in cal.filled.items() if days.confirmed) | cal.confirmed_years


def is_confirmed(cal: Calendar, start: datetime, end: datetime) -> bool:
    """Is every day from `start` to `end` known for certain? Always, for a
    calendar that follows no official arrangement."""
    if cal.official is None:
        return True
    first, last = (as_utc(t).astimezone(cal.zone).year for t in sorted((start, end)))
    return set(range(first, last + 1)) <= confirmed_years(cal)


def confirmed_until(cal: Calendar, today: date) -> date | None:
    """The last day known for certain, counting on from `today`'s year
    without a gap; None when not even today's year is. A calendar that
    follows no official arrangement never runs out: date.max."""
    if cal.official is None:
        return date.max
    years, year = confirmed_years(cal), today.year
    if year not in years:
        return None
    while year + 1 in years:
        year += 1
    return date(year, 12, 31)


def next_year_missing(cal: Calendar, today: date, from_month: int = 11) -> bool:
    """From November (`from_month`) on, is next year's official arrangement
    still missing? (The State Council publishes it in late autumn.)"""
    return cal.official is not None and today.month >= from_month and today.year + 1 not in confirmed_years(cal)


# --- plain data (JSON in the database, TOML in presets) ---------------------

def parse_time(value: Any) -> time:
    """A time object or "HH:MM[:SS]"; "24:00" is midnight ending a day."""
    if isinstance(value, time):
        return value
    if value == "24:00":
        return time(0)
    return time.fromisoformat(value)


def _parse_hours(value: Any) -> Hours:
    return tuple((parse_time(a), parse_time(b)) for a, b in value)


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"a date, not a datetime: {value!r}")
    return value if isinstance(value, date) else date.fromisoformat(value)


def _parse_weekday(value: Any) -> int:
    return value if isinstance(value, int) else WEEKDAYS.index(value.lower()[:3])


def _parse_dated(value: Any, hours: Hours | None, what: str) -> dict[date, Hours]:
    """A mapping date -> hours, or a list of dates that all get `hours`."""
    if isinstance(value, Mapping):
        return {_parse_date(d): _parse_hours(h) for d, h in value.items()}
    if hours is None:
        raise ValueError(f"a list of {what} needs 'hours'")
    return {_parse_date(d): hours for d in value}


CALENDAR_KEYS = {"tz", "always_open", "weekly", "days", "hours", "holidays", "workdays", "official", "filled",
                 "confirmed_years"}
OFFICIAL_YEAR_KEYS = {"holidays", "workdays", "confirmed", "source"}


def _official_year(value: Mapping[str, Any]) -> OfficialYear:
    unknown = set(value) - OFFICIAL_YEAR_KEYS
    if unknown:
        raise ValueError(f"unknown keys of a filled year: {', '.join(sorted(unknown))}")
    return OfficialYear(holidays=value.get("holidays", ()), workdays=value.get("workdays", ()),
                        confirmed=bool(value.get("confirmed", False)), source=str(value.get("source", "")))


def calendar_from_dict(d: Mapping[str, Any]) -> Calendar:
    """Build a calendar from plain data.

    Canonical form (what calendar_to_dict writes)::

        {"tz": "Asia/Shanghai", "always_open": false,
         "weekly": {"mon": [["09:00", "12:00"], ["13:30", "17:30"]], ...},
         "holidays": {"2026-10-01": [], "2026-12-24": [["13:30", "17:30"]]},
         "workdays": {"2026-10-10": [["09:00", "12:00"], ["13:30", "17:30"]]},
         "official": "CN", "confirmed_years": [2027],
         "filled": {"2026": {"holidays": ["2026-01-01", ...], "workdays": ["2026-01-04", ...],
                             "confirmed": true, "source": "holidays 0.109"}}}

    "holidays", "workdays" and "confirmed_years" are the administrator's own;
    "filled" is what the source gave for each year (routing.official_days).

    Shorthand for hand-written presets: "hours" with "days" (a weekday list)
    fills "weekly"; "holidays" may be a list of whole days off and "workdays" a
    list of make-up days worked on "hours". Times are "HH:MM" ("24:00" ends a
    day) or time objects; dates are ISO strings or date objects.
    """
    unknown = set(d) - CALENDAR_KEYS
    if unknown:
        raise ValueError(f"unknown calendar keys: {', '.join(sorted(unknown))}")
    hours = _parse_hours(d["hours"]) if "hours" in d else None
    weekly = {_parse_weekday(k): _parse_hours(v) for k, v in d.get("weekly", {}).items()}
    if "days" in d:
        if hours is None:
            raise ValueError("'days' needs 'hours'")
        weekly.update({_parse_weekday(k): hours for k in d["days"]})
    return Calendar(
        tz=d.get("tz", DEFAULT_TZ),
        weekly=weekly,
        holidays=_parse_dated(d.get("holidays", {}), (), "holidays"),
        workdays=_parse_dated(d.get("workdays", {}), hours, "make-up working days"),
        always_open=bool(d.get("always_open", False)),
        official=d.get("official") or None,
        filled={int(year): _official_year(days) for year, days in d.get("filled", {}).items()},
        confirmed_years=frozenset(int(y) for y in d.get("confirmed_years", ())),
    )


def _format_hours(hours: Hours) -> list[list[str]]:
    def fmt(t: time) -> str:
        return t.isoformat(timespec="minutes" if not (t.second or t.microsecond) else "auto")
    return [[fmt(start), "24:00" if end == time(0) else fmt(end)] for start, end in hours]


def calendar_to_dict(cal: Calendar) -> dict[str, Any]:
    """The canonical JSON-able form; calendar_from_dict reads it back unchanged."""
    return {
        "tz": cal.tz,
        "always_open": cal.always_open,
        "weekly": {WEEKDAYS[d]: _format_hours(h) for d, h in cal.weekly.items()},
        "holidays": {d.isoformat(): _format_hours(h) for d, h in cal.holidays.items()},
        "workdays": {d.isoformat(): _format_hours(h) for d, h in cal.workdays.items()},
        "official": cal.official,
        "confirmed_years": sorted(cal.confirmed_years),
        "filled": {str(year): {"holidays": sorted(d.isoformat() for d in days.holidays),
                               "workdays": sorted(d.isoformat() for d in days.workdays),
                               "confirmed": days.confirmed, "source": days.source}
                   for year, days in cal.filled.items()},
    }


def load_preset_calendars() -> dict[str, Calendar]:
    """The named calendars shipped in routing/presets/calendars.toml."""
    return {name: calendar_from_dict(d) for name, d in read_preset("calendars.toml")["calendar"].items()}

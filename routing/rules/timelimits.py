"""Deadline arithmetic for a case's targets (RULES section 2).

A time limit is an amount of clock time or of working time on a calendar,
some working days, or "the same day" with a cut-off hour. Pure functions: the
caller passes the calendar, the start, the pauses and `now`.

- A reopened case restarts its targets: pass start=reopened_at (pauses before
  it are ignored).
- "Waiting for the customer" pauses the targets whose limit has pauses=True:
  the deadline moves by the paused time, measured on the limit's basis, but
  only for pauses that begin before the deadline (a late case stays late).
- An open pause (end None) stops the clock: it counts up to `now`, so the
  deadline returned is the one that would hold if the pause ended now. It is
  always still ahead of `now` by the time left, so a paused target never
  breaches; recompute it when the pause ends.
- An agreed appointment replaces the arrival deadline and is itself a deadline.
- A policy's cut-off (004: reports before 21:00 are handled at once) moves
  the start of every target of a report received at or after it to the next
  morning's start of duty (counting_start).
- Weather that prevents outdoor work moves the outdoor targets to the next
  day (postponed), once per day it is recorded, if they are not late yet.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from routing.rules.calendar import (
    ONE_DAY,
    Calendar,
    add_working_days,
    add_working_time,
    as_utc,
    at_local,
    end_of_local_day,
    next_working_moment,
    parse_time,
    working_time_between,
)

TARGETS = ("acknowledge", "first_response", "arrival", "resolution", "closure")
# The targets that need work outdoors, which weather can prevent (004).
OUTDOOR_TARGETS = ("arrival", "resolution")
UNITS = ("minutes", "hours", "days", "working_days", "same_day")
BASES = ("clock", "working")
# The longest limit that can be set: a year (counting a working day as a day).
# A longer one makes no sense, and a huge one overflows the date arithmetic.
LONGEST_DAYS = 366
_DAYS_PER = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "working_days": 1, "same_day": 0}


def too_long(amount: float, unit: str) -> bool:
    """Is `amount` of `unit` more than LONGEST_DAYS (or not a finite number)?"""
    try:
        days = float(amount) * _DAYS_PER.get(unit, 1)
    except (OverflowError, TypeError, ValueError):  # an int too large for a float, or no number
        return True
    return not days <= LONGEST_DAYS  # true for NaN too

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class TimeLimit:
    """amount of unit, measured on basis.

    "days" are 24-hour clock days; "working_days" land on the same local time
    of the n-th following working day; "same_day" ignores amount: a request
    before `cutoff` (local) is due by the end of that local day, one at or
    after it by the end of the next day (no cutoff, or "24:00": always the
    same day; 004's "special periods" move the 21:00 cutoff to 24:00).
    basis defaults to "working" for working_days and "clock" otherwise; only
    minutes and hours may choose (e.g. 4 working hours).
    """

    amount: float
    unit: str
    basis: str | None = None
    cutoff: time | None = None
    pauses: bool = True

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}")
        if self.basis is None:
            object.__setattr__(self, "basis", "working" if self.unit == "working_days" else "clock")
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}")
        fixed = {"working_days": "working", "days": "clock", "same_day": "clock"}.get(self.unit)
        if fixed and self.basis != fixed:
            raise ValueError(f"{self.unit} are measured on {fixed} time")
        if self.amount < 0:
            raise ValueError("amount must not be negative")
        if too_long(self.amount, self.unit):
            raise ValueError(f"a time limit is at most {LONGEST_DAYS} days")
        if self.unit == "working_days" and self.amount != int(self.amount):
            raise ValueError("working_days must be a whole number")
        if self.cutoff == time(0):
            object.__setattr__(self, "cutoff", None)  # 24:00 cuts nothing off
        if self.cutoff is not None and self.unit != "same_day":
            raise ValueError("only a same_day limit has a cutoff")


def timelimit_from_dict(d: Mapping[str, Any]) -> TimeLimit:
    """{"amount": 3, "unit": "working_days", "basis": ..., "cutoff": "21:00", "pauses": true}"""
    unknown = set(d) - {"amount", "unit", "basis", "cutoff", "pauses"}
    if unknown:
        raise ValueError(f"unknown time limit keys: {', '.join(sorted(unknown))}")
    cutoff = d.get("cutoff")
    return TimeLimit(
        amount=d.get("amount", 0),  # same_day needs none
        unit=d["unit"],
        basis=d.get("basis"),
        cutoff=None if cutoff is None else parse_time(cutoff),
        pauses=bool(d.get("pauses", True)),
    )


def format_time(t: time | None) -> str | None:
    """"HH:MM" for plain data; None stays None."""
    return None if t is None else t.isoformat(timespec="minutes")


def timelimit_to_dict(limit: TimeLimit) -> dict[str, Any]:
    return {
        "amount": limit.amount,
        "unit": limit.unit,
        "basis": limit.basis,
        "cutoff": format_time(limit.cutoff),
        "pauses": limit.pauses,
    }


def counting_start(calendar: Calendar, received: datetime, cutoff: time | None) -> datetime:
    """When the limits of a request received at `received` start to run: at
    once before the cut-off (local time of day), else at the next morning's
    start of duty, the first working moment of the following day (004)."""
    received = as_utc(received)
    local = received.astimezone(calendar.zone)
    if cutoff is None or local.time() < cutoff:
        return received
    return next_working_moment(calendar, at_local(calendar, local.date() + ONE_DAY, time(0)))


def postponed(limit: TimeLimit | None, calendar: Calendar, due: datetime, delays: Iterable[datetime]) -> datetime:
    """The deadline moved to the next day (the next working day for a limit
    on working time) for each weather delay recorded before it was due; a
    late target stays late."""
    due = as_utc(due)
    for at in sorted(map(as_utc, delays)):
        if at < due:
            due = add_working_days(calendar, due, 1) if limit is not None and limit.basis == "working" \
                else (due.astimezone(calendar.zone) + ONE_DAY).astimezone(timezone.utc)  # the same wall-clock time
    return due


def _base_due(limit: TimeLimit, calendar: Calendar, start: datetime) -> datetime:
    if limit.unit == "working_days":
        return add_working_days(calendar, start, int(limit.amount))
    if limit.unit == "same_day":
        due = end_of_local_day(calendar, start)
        late = limit.cutoff is not None and start.astimezone(calendar.zone).time() >= limit.cutoff
        return end_of_local_day(calendar, due) if late else due
    duration = timedelta(**{limit.unit: limit.amount})
    return add_working_time(calendar, start, duration) if limit.basis == "working" else start + duration


def _merged_pauses(pauses: Iterable[Pause], start: datetime, now: datetime | None) -> list[tuple[datetime, datetime]]:
    """Pauses as closed UTC intervals after `start`, sorted and merged."""
    closed = []
    for a, b in pauses:
        if b is None:
            if now is None:
                raise ValueError("an open pause needs `now`")
            b = now
        a, b = max(as_utc(a), start), as_utc(b)
        if b > a:
            closed.append((a, b))
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(closed):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def due_at(limit: TimeLimit, calendar: Calendar, start: datetime,
           pauses: Iterable[Pause] = (), now: datetime | None = None) -> datetime:
    """The deadline of `limit` for a target started at `start` (see the module doc for pauses)."""
    start = as_utc(start)
    due = _base_due(limit, calendar, start)
    if not limit.pauses:
        return due
    for a, b in _merged_pauses(pauses, start, now):
        if a >= due:
            break  # pauses are sorted: the rest begin after the deadline too
        if limit.basis == "working":
            due = add_working_time(calendar, due, working_time_between(calendar, a, b))
        else:
            due += b - a
    return due


def arrival_due(limit: TimeLimit | None, calendar: Calendar, start: datetime,
                appointment: datetime | None = None,
                pauses: Iterable[Pause] = (), now: datetime | None = None) -> datetime | None:
    """An agreed appointment replaces the arrival deadline (004); else the limit's deadline."""
    if appointment is not None:
        return as_utc(appointment)
    return None if limit is None else due_at(limit, calendar, start, pauses, now)


def deadlines(limits: Mapping[str, TimeLimit], calendar: Calendar, start: datetime,
              pauses: Iterable[Pause] = (), now: datetime | None = None,
              appointment: datetime | None = None) -> dict[str, datetime]:
    """Every target's deadline, the arrival one replaced by an agreed appointment."""
    pauses = list(pauses)
    due = {target: due_at(limit, calendar, start, pauses, now)
           for target, limit in limits.items() if target != "arrival"}
    arrival = arrival_due(limits.get("arrival"), calendar, start, appointment, pauses, now)
    if arrival is not None:
        due["arrival"] = arrival
    return due


def warning_at(start: datetime, due: datetime, fraction: float,
               calendar: Calendar | None = None, basis: str = "clock") -> datetime:
    """When `fraction` of the time from start to due has elapsed, on the limit's
    basis: pass the calendar and basis="working" for a working-time limit."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    start, due = as_utc(start), as_utc(due)
    if basis == "working":
        if calendar is None:
            raise ValueError("a working-time warning needs the calendar")
        return add_working_time(calendar, start, working_time_between(calendar, start, due) * fraction)
    return start + (due - start) * fraction


def minutes_late(due: datetime, now: datetime) -> int:
    """Whole minutes past the deadline; 0 when not late."""
    return max(0, (as_utc(now) - as_utc(due)) // timedelta(minutes=1))

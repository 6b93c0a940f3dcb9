"""Callbacks (RULES section 4): when to call the customer back, and what they answer.

004: "each morning, call back every repair reported the previous day" - the
default window is the next working morning after the case was resolved.
003: the customer rates the staff member on four items, each on four levels.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from routing.rules.calendar import (
    Calendar,
    as_utc,
    at_local,
    is_working_day,
    next_working_day,
    next_working_moment,
    working_until,
)

CALLBACK_ITEMS = ("attitude", "skill", "arrival_time", "keeping_promises")
VISITED_KINDS = ("repair",)  # cases someone goes out to: only they have an arrival to rate
CALLBACK_LEVELS = ("very_satisfied", "satisfied", "average", "poor")
# A level as a 1-5 rating, so callbacks feed the same metrics as other ratings.
# Each level takes the score of the same band on the five-band scale of RULES
# 5.1 (very satisfied 5, satisfied 4, average 3, not very satisfied 2); the
# survey has no "very dissatisfied" level, so no answer scores 1.
LEVEL_SCORE = {"very_satisfied": 5, "satisfied": 4, "average": 3, "poor": 2}
SATISFIED_LEVELS = ("very_satisfied", "satisfied")
MAX_TRIES = 366  # working days searched for one with hours in the callback window


def callback_window(calendar: Calendar, resolved_at: datetime, requested_at: datetime | None = None,
                    window: tuple[time, time] = (time(9), time(12))) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the callback.

    Default: `window` (local) on the first working day after the local day the
    case was resolved, within that day's working hours: it starts at the
    first working moment after the window opens and ends when the window
    closes or the working interval does, whichever is first; a day whose
    working hours miss the window passes to the next working day. So the
    reminder and the miss fall in working time, never on a holiday.
    When the customer asked for a time, it wins: a window of the same length
    starting then (never before the resolution).
    """
    resolved_at = as_utc(resolved_at)
    opens, closes = window
    if requested_at is not None:
        start = max(as_utc(requested_at), resolved_at)
        return start, start + (datetime.combine(date.min, closes) - datetime.combine(date.min, opens))
    day = resolved_at.astimezone(calendar.zone).date()
    for _ in range(MAX_TRIES):
        day = next_working_day(calendar, day)
        start, closing = next_working_moment(calendar, at_local(calendar, day, opens)), at_local(calendar, day, closes)
        if start < closing:
            return start, min(closing, working_until(calendar, start))
    raise ValueError(f"no working day in {MAX_TRIES} has working hours between {opens} and {closes}")


# The customer's preferred time (the forms' list, routing.vocabulary.CALLBACK_SLOTS):
# local hours, on official working days or on rest days (weekends, holidays).
SLOT_HOURS = {
    "weekday_morning": (time(9), time(12), True),
    "weekday_afternoon": (time(14), time(17, 30), True),
    "weekday_evening": (time(18), time(20, 30), True),
    "weekend": (time(10), time(17), False),
}


def slot_window(official: Calendar, resolved_at: datetime, slot: str) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC of the first window of `slot` after the local day
    the case was resolved, by the official calendar (`official`: working days
    with public holidays and make-up days); None for no slot ("anytime")."""
    if slot not in SLOT_HOURS:
        return None
    opens, closes, working = SLOT_HOURS[slot]
    day = as_utc(resolved_at).astimezone(official.zone).date()
    for _ in range(60):  # a rest day comes within a week, a working day within a holiday
        day = day + timedelta(days=1)
        if is_working_day(official, day) == working:
            return at_local(official, day, opens), at_local(official, day, closes)
    return None


def _checked(answers: Mapping[str, str]) -> Mapping[str, str]:
    for item, level in answers.items():
        if item not in CALLBACK_ITEMS:
            raise ValueError(f"unknown callback item {item!r}")
        if level not in CALLBACK_LEVELS:
            raise ValueError(f"unknown callback level {level!r}")
    if not answers:
        raise ValueError("a callback needs at least one answer")
    return answers


def callback_scores(answers: Mapping[str, str]) -> dict[str, int]:
    """Each answered item's 1-5 score (LEVEL_SCORE)."""
    return {item: LEVEL_SCORE[level] for item, level in _checked(answers).items()}


def callback_satisfied(answers: Mapping[str, str]) -> bool:
    """Satisfied when every answered item is "satisfied" or better.

    Items the customer skipped do not count against the staff member; an
    unknown item or level is an error, not a silent "no".
    """
    return all(level in SATISFIED_LEVELS for level in _checked(answers).values())


def items_asked(case_kind: str) -> tuple[str, ...]:
    """The survey items a callback asks the customer: the arrival time only
    about a visit; a teller's complaint had none."""
    if case_kind in VISITED_KINDS:
        return CALLBACK_ITEMS
    return tuple(item for item in CALLBACK_ITEMS if item != "arrival_time")

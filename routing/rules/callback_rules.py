"""Callbacks (RULES section 4): when to call the customer back, and what they answer.

004: "each morning, call back every repair reported the previous day" - the
default window is the next working morning after the case was resolved.
003: the customer rates the staff member on four items, each on four levels.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

from routing.rules.calendar import Calendar, as_utc, at_local, next_working_day

CALLBACK_ITEMS = ("attitude", "skill", "arrival_time", "keeping_promises")
CALLBACK_LEVELS = ("very_satisfied", "satisfied", "average", "poor")
# A level as a 1-5 rating, so callbacks feed the same metrics as other ratings.
# Each level takes the score of the same band on the five-band scale of RULES
# 5.1 (very satisfied 5, satisfied 4, average 3, not very satisfied 2); the
# survey has no "very dissatisfied" level, so no answer scores 1.
LEVEL_SCORE = {"very_satisfied": 5, "satisfied": 4, "average": 3, "poor": 2}
SATISFIED_LEVELS = ("very_satisfied", "satisfied")


def callback_window(calendar: Calendar, resolved_at: datetime, requested_at: datetime | None = None,
                    window: tuple[time, time] = (time(9), time(12))) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the callback.

    Default: `window` (local) on the first working day after the local day the
    case was resolved. When the customer asked for a time, it wins: a window
    of the same length starting then (never before the resolution).
    """
    resolved_at = as_utc(resolved_at)
    opens, closes = window
    if requested_at is not None:
        start = max(as_utc(requested_at), resolved_at)
        return start, start + (datetime.combine(date.min, closes) - datetime.combine(date.min, opens))
    day = next_working_day(calendar, resolved_at.astimezone(calendar.zone).date())
    return at_local(calendar, day, opens), at_local(calendar, day, closes)


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

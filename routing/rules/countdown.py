"""How a deadline stands at a moment, for the colour of its countdown: met,
met late, paused, overdue, due within the hour, due within the day, or on
time. The colour follows the time left, as a person at a counter reads it
(red under an hour or overdue, amber under a day), not the share of the
limit used: 20 minutes left is urgent whether the limit was 30 minutes or
3 days. Pure: the caller passes `now`."""
from __future__ import annotations

from datetime import datetime, timedelta

# Under this much time left a countdown is red ("urgent"), under the
# second amber ("near").
RED_WITHIN = timedelta(hours=1)
AMBER_WITHIN = timedelta(days=1)
# The states a countdown is still running in (the page shows the time left).
RUNNING = ("ok", "near", "urgent", "over")


def deadline_state(due_at: datetime, now: datetime, *, met_at: datetime | None = None, paused: bool = False,
                   red_within: timedelta = RED_WITHIN, amber_within: timedelta = AMBER_WITHIN) -> str:
    """One of "met", "met_late", "paused", "over", "urgent", "near", "ok"."""
    if met_at is not None:
        return "met" if met_at <= due_at else "met_late"
    if paused:
        return "paused"
    left = due_at - now
    if left <= timedelta(0):
        return "over"
    if left < red_within:
        return "urgent"
    if left < amber_within:
        return "near"
    return "ok"

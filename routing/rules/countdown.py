"""How a deadline stands at a moment, for the colour of its countdown: met,
met late, paused, overdue, due soon or on time. Pure: the caller passes `now`."""
from __future__ import annotations

from datetime import datetime

# Share of a limit left under which a countdown turns amber (RULES 2 warns at
# 75% of a limit by default, which leaves 25%).
NEAR_FRACTION = 0.25


def deadline_state(due_at: datetime, now: datetime, *, start: datetime | None = None,
                   warn_at: datetime | None = None, met_at: datetime | None = None,
                   paused: bool = False) -> str:
    """One of "met", "met_late", "paused", "over", "near", "ok".

    Near: the policy's warning time has passed, or less than NEAR_FRACTION of
    the time from `start` to the due time is left."""
    if met_at is not None:
        return "met" if met_at <= due_at else "met_late"
    if paused:
        return "paused"
    if now >= due_at:
        return "over"
    if warn_at is not None and now >= warn_at:
        return "near"
    if start is not None and due_at - now < (due_at - start) * NEAR_FRACTION:
        return "near"
    return "ok"

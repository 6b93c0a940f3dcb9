"""A deadline's countdown colour: on time, due soon, overdue, met, paused."""
from datetime import datetime, timedelta, timezone

import pytest

from routing.rules.countdown import deadline_state


@pytest.mark.parametrize(("minutes_left", "kwargs", "state"), [
    (60, {}, "ok"),
    (0, {}, "over"),
    (-35, {}, "over"),
    (20, {"limit": 100}, "near"),  # under 25% of a 100-minute limit left
    (30, {"limit": 100}, "ok"),
    (60, {"warn_passed": True}, "near"),  # the policy's warning time has passed
    (-10, {"met": True}, "met"),
    (-10, {"paused": True}, "paused"),
])
def test_a_deadline_is_ok_near_or_over(minutes_left, kwargs, state):
    now = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    due = now + timedelta(minutes=minutes_left)
    start = due - timedelta(minutes=kwargs["limit"]) if "limit" in kwargs else None
    warn_at = now - timedelta(minutes=1) if kwargs.get("warn_passed") else None
    met_at = due - timedelta(minutes=5) if kwargs.get("met") else None
    assert deadline_state(due, now, start=start, warn_at=warn_at, met_at=met_at,
                          paused=kwargs.get("paused", False)) == state

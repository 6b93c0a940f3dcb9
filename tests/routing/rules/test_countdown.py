"""A deadline's countdown colour follows the time left: red under an hour or
overdue, amber under a day, green otherwise; met and paused say so."""
from datetime import datetime, timedelta, timezone

import pytest

from routing.rules.countdown import deadline_state

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("left", "state"), [
    (timedelta(days=2), "ok"),
    (timedelta(days=1), "ok"),
    (timedelta(hours=23, minutes=59), "near"),
    (timedelta(hours=1), "near"),
    (timedelta(minutes=59), "urgent"),
    (timedelta(minutes=5), "urgent"),
    (timedelta(0), "over"),
    (timedelta(minutes=-35), "over"),
])
def test_the_colour_follows_the_time_left(left, state):
    assert deadline_state(NOW + left, NOW) == state


def test_the_share_of_the_limit_used_does_not_matter():
    # 20 minutes left of a 30-minute repair limit and of a 3-day complaint limit alike.
    assert deadline_state(NOW + timedelta(minutes=20), NOW) == "urgent"
    # Most of a 3-day limit used, two days still left: nothing to worry about yet.
    assert deadline_state(NOW + timedelta(days=2), NOW) == "ok"


def test_met_and_paused_deadlines_say_so():
    due = NOW - timedelta(minutes=10)
    assert deadline_state(due, NOW, met_at=due - timedelta(minutes=5)) == "met"
    assert deadline_state(due, NOW, met_at=due + timedelta(minutes=5)) == "met_late"
    assert deadline_state(due, NOW, paused=True) == "paused"


def test_the_thresholds_are_the_callers_to_choose():
    assert deadline_state(NOW + timedelta(hours=2), NOW, red_within=timedelta(hours=4)) == "urgent"
    assert deadline_state(NOW + timedelta(days=2), NOW, amber_within=timedelta(days=3)) == "near"

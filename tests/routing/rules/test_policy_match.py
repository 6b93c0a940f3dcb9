"""Policy matching, and every RULES section 2 preset producing its deadline."""
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.rules.calendar import load_preset_calendars
from routing.rules.official_days import fill
from routing.rules.policy_match import (
    PolicyRule,
    load_preset_policies,
    match_policy,
    policy_from_dict,
    policy_to_dict,
)
from routing.rules.timelimits import TimeLimit, counting_start, due_at, warning_at

SH = ZoneInfo("Asia/Shanghai")
PRESETS = load_preset_policies()
BY_NAME = {rule.name: rule for rule in PRESETS}
CALENDARS = {name: fill(cal, [2026]) for name, cal in load_preset_calendars().items()}


def sh(*args):
    return datetime(*args, tzinfo=SH)


MONDAY_10 = sh(2026, 3, 2, 10)  # a plain working Monday, 2 March 2026


def test_the_most_specific_rule_wins():
    assert match_policy(PRESETS, "repair", area="urban", severity="minor").name == "repair-urban-minor"
    assert match_policy(PRESETS, "repair", area="urban", severity="normal").name == "repair-urban"
    assert match_policy(PRESETS, "consultation", channel="chat").name == "online-chat"
    assert match_policy(PRESETS, "consultation", channel="web").name == "consultation"
    assert match_policy(PRESETS, "complaint", category="product").name == "complaint-case"
    assert match_policy(PRESETS, "complaint", category="attitude").name == "complaint"


def test_a_rule_asking_for_a_criterion_does_not_match_a_case_without_it():
    assert match_policy(PRESETS, "repair").name == "default"


def test_anything_else_falls_to_the_catch_all():
    assert match_policy(PRESETS, None, category="other", severity="normal", area="rural",
                        channel="qr").name == "default"


@pytest.mark.parametrize("kind", ["praise", "suggestion"])
def test_praise_and_suggestions_carry_no_time_limit_unless_a_policy_gives_one(kind):
    rule = match_policy(PRESETS, kind, category="other", severity="normal", area="urban", channel="qr")
    assert (rule.name, dict(rule.limits)) == (kind, {})


def test_no_match_without_a_catch_all():
    rules = [PolicyRule("repairs", kind="repair")]
    assert match_policy(rules, "complaint") is None


def test_ties_go_to_priority_then_name_whatever_the_order():
    rules = [PolicyRule("b-urban", area="urban"), PolicyRule("a-repair", kind="repair"),
             PolicyRule("c-web", channel="web", priority=5), PolicyRule("any")]
    for _ in range(5):
        random.shuffle(rules)
        assert match_policy(rules, "repair", area="urban", channel="web").name == "c-web"
        assert match_policy(rules, "repair", area="urban").name == "a-repair"


def test_invalid_rules_are_refused():
    with pytest.raises(ValueError):
        PolicyRule("x", limits={"lunch": TimeLimit(1, "hours")})
    with pytest.raises(ValueError):
        PolicyRule("x", warn_fraction=0)
    with pytest.raises(ValueError):
        policy_from_dict({"name": "x", "colour": "red"})


def test_policies_round_trip_through_plain_data():
    for rule in PRESETS:
        assert policy_from_dict(policy_to_dict(rule)) == rule


def test_every_preset_names_a_preset_calendar():
    assert {rule.calendar for rule in PRESETS} <= set(CALENDARS)


# (preset, target, start, deadline): RULES section 2, one row each.
PRESET_DEADLINES = [
    # 001 after-sales emergency: respond within 30 minutes.
    ("after-sales-emergency", "first_response", MONDAY_10, sh(2026, 3, 2, 10, 30)),
    # 001 general fault: respond within 2 hours.
    ("after-sales-general", "first_response", MONDAY_10, sh(2026, 3, 2, 12)),
    # 001 consultation: answer within 24 hours (a Saturday counts).
    ("consultation", "first_response", sh(2026, 3, 6, 18), sh(2026, 3, 7, 18)),
    # 003 online chat: within 1 minute.
    ("online-chat", "first_response", MONDAY_10, sh(2026, 3, 2, 10, 1)),
    # 002 service appointment: respond within 24 hours of booking.
    ("service-appointment", "first_response", MONDAY_10, sh(2026, 3, 3, 10)),
    # 002 complaint: reply within 24 hours, solution within 3 working days.
    ("complaint", "first_response", sh(2026, 3, 6, 10), sh(2026, 3, 7, 10)),
    ("complaint", "resolution", sh(2026, 3, 6, 10), sh(2026, 3, 11, 10)),
    # 003 complaint case: report within 3 days, closed within 6 days.
    ("complaint-case", "resolution", MONDAY_10, sh(2026, 3, 5, 10)),
    ("complaint-case", "closure", MONDAY_10, sh(2026, 3, 8, 10)),
    # 004 urban repair: on site in 30 minutes; same day when reported before
    # 21:00; a report after it counts, for every target, from 8:00 next morning.
    ("repair-urban", "arrival", MONDAY_10, sh(2026, 3, 2, 10, 30)),
    ("repair-urban", "arrival", sh(2026, 3, 2, 21, 30), sh(2026, 3, 3, 8, 30)),
    ("repair-urban", "resolution", sh(2026, 3, 2, 20, 50), sh(2026, 3, 3)),
    ("repair-urban", "resolution", sh(2026, 3, 2, 21, 10), sh(2026, 3, 4)),
    # 004 urban small fault within 1 hour, major fault within 1 day.
    ("repair-urban-minor", "arrival", MONDAY_10, sh(2026, 3, 2, 10, 30)),
    ("repair-urban-minor", "resolution", MONDAY_10, sh(2026, 3, 2, 11)),
    ("repair-urban-minor", "resolution", sh(2026, 3, 2, 21, 30), sh(2026, 3, 3, 9)),
    ("repair-urban-major", "arrival", MONDAY_10, sh(2026, 3, 2, 10, 30)),
    ("repair-urban-major", "resolution", MONDAY_10, sh(2026, 3, 3, 10)),
    ("repair-urban-major", "resolution", sh(2026, 3, 2, 21), sh(2026, 3, 4, 8)),
    # Emergency repairs: no cut-off, at any hour taken up in 5 minutes, on site in
    # 30 minutes (rural: 2 hours), fixed within a day.
    ("repair-emergency", "acknowledge", sh(2026, 3, 2, 22, 30), sh(2026, 3, 2, 22, 35)),
    ("repair-emergency", "arrival", sh(2026, 3, 2, 22, 30), sh(2026, 3, 2, 23)),
    ("repair-emergency", "resolution", sh(2026, 3, 2, 22, 30), sh(2026, 3, 3, 22, 30)),
    ("repair-emergency-rural", "acknowledge", sh(2026, 3, 2, 3), sh(2026, 3, 2, 3, 5)),
    ("repair-emergency-rural", "arrival", sh(2026, 3, 2, 3), sh(2026, 3, 2, 5)),
    ("repair-emergency-rural", "resolution", sh(2026, 3, 2, 3), sh(2026, 3, 3, 3)),
    # 004 rural: on site in 2 hours; major fault within 1 day; small fault in
    # 4 working hours of the 8:00-22:00 day.
    ("repair-rural", "arrival", MONDAY_10, sh(2026, 3, 2, 12)),
    ("repair-rural", "resolution", MONDAY_10, sh(2026, 3, 3, 10)),
    ("repair-rural-minor", "arrival", MONDAY_10, sh(2026, 3, 2, 12)),
    ("repair-rural-minor", "resolution", sh(2026, 3, 2, 20), sh(2026, 3, 3, 10)),
    # 004 installation: 1-2 working days; same day when the network is ready.
    ("installation", "resolution", sh(2026, 3, 6, 10), sh(2026, 3, 10, 10)),
    ("installation-network-ready", "resolution", MONDAY_10, sh(2026, 3, 3)),
    # 004 project request / acceptance check: within 3 days.
    ("project-request", "first_response", MONDAY_10, sh(2026, 3, 5, 10)),
    # Catch-all: the 002 complaint rule.
    ("default", "first_response", MONDAY_10, sh(2026, 3, 3, 10)),
    ("default", "resolution", MONDAY_10, sh(2026, 3, 5, 10)),
]


@pytest.mark.parametrize("name, target, start, deadline", PRESET_DEADLINES)
def test_preset_produces_the_rules_deadline(name, target, start, deadline):
    rule = BY_NAME[name]
    calendar = CALENDARS[rule.calendar]
    start = counting_start(calendar, start, rule.cutoff_on(start.date()))
    assert due_at(rule.limits[target], calendar, start) == deadline


def test_every_urban_repair_preset_cuts_off_at_21_and_not_in_special_periods():
    for name in ("repair-urban", "repair-urban-minor", "repair-urban-major"):
        rule = BY_NAME[name]
        assert rule.cutoff == time(21) and rule.special_cutoff is None and rule.special_periods == ()
    special = policy_from_dict({**policy_to_dict(BY_NAME["repair-urban"]),
                                "special_periods": [["2027-02-05", "2027-02-11"]]})
    assert special.cutoff_on(date(2027, 2, 4)) == time(21)
    assert special.cutoff_on(date(2027, 2, 5)) is None and special.cutoff_on(date(2027, 2, 11)) is None
    hotline = CALENDARS["hotline"]
    late = sh(2027, 2, 5, 23, 30)
    assert counting_start(hotline, late, special.cutoff_on(late.date())) == late  # handled at once
    assert counting_start(hotline, sh(2027, 2, 12, 21), special.cutoff_on(date(2027, 2, 12))) == sh(2027, 2, 13, 8)
    with pytest.raises(ValueError):
        policy_from_dict({"name": "x", "special_periods": [["2027-02-11", "2027-02-05"]]})


def test_an_emergency_repair_wins_over_the_ordinary_repair_rules():
    assert match_policy(PRESETS, "repair", "fault", "emergency", "urban").name == "repair-emergency"
    assert match_policy(PRESETS, "repair", "fault", "emergency", "rural").name == "repair-emergency-rural"
    assert match_policy(PRESETS, "repair", "fault", "emergency", None).name == "repair-emergency"
    assert match_policy(PRESETS, "repair", "fault", "normal", "urban").name == "repair-urban"


def test_every_working_day_preset_and_every_complaint_runs_on_the_official_calendar():
    official = {rule.name for rule in PRESETS if rule.calendar == "cn-business"}
    assert official == {"complaint", "complaint-case", "service-appointment", "installation",
                        "installation-network-ready", "default"}
    assert {rule.calendar for rule in PRESETS if rule.kind == "repair"} == {"hotline"}
    assert all(rule.calendar == "cn-business" for rule in PRESETS if rule.kind == "complaint")


def test_every_preset_target_has_a_deadline_example():
    covered = {(name, target) for name, target, _, _ in PRESET_DEADLINES}
    assert covered == {(rule.name, target) for rule in PRESETS for target in rule.limits}


def test_chat_warns_at_30_seconds_and_installation_after_the_first_working_day():
    chat = BY_NAME["online-chat"]
    due = due_at(chat.limits["first_response"], CALENDARS[chat.calendar], MONDAY_10)
    assert warning_at(MONDAY_10, due, chat.warn_fraction) == MONDAY_10 + timedelta(seconds=30)
    install = BY_NAME["installation"]
    start = sh(2026, 3, 6, 10)
    due = due_at(install.limits["resolution"], CALENDARS[install.calendar], start)
    assert warning_at(start, due, install.warn_fraction, CALENDARS[install.calendar], "working") == sh(2026, 3, 9, 10)

"""Escalation ladder (RULES section 3): levels per delay, approval authority,
major complaints, who sits at each level."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from routing.rules.ladder import (
    LEVELS,
    AuthorityBand,
    authority_from_list,
    authority_level,
    escalation_level_due,
    immediate_level,
    ladder_for,
    load_preset_authority,
)

BREACH = datetime(2026, 3, 2, 2, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def test_no_escalation_before_the_breach():
    assert escalation_level_due(BREACH, BREACH - timedelta(seconds=1), HOUR) == 0
    assert escalation_level_due(None, BREACH, HOUR) == 0


def test_the_supervisor_at_the_breach_then_one_level_per_delay():
    assert escalation_level_due(BREACH, BREACH, HOUR) == 1
    assert escalation_level_due(BREACH, BREACH + HOUR - timedelta(seconds=1), HOUR) == 1
    assert escalation_level_due(BREACH, BREACH + HOUR, HOUR) == 2
    assert escalation_level_due(BREACH, BREACH + 2 * HOUR, HOUR) == 3
    assert LEVELS[1] == "supervisor" and LEVELS[3] == "deputy_gm"


def test_escalation_stops_at_the_top_or_at_max_level():
    assert escalation_level_due(BREACH, BREACH + 100 * HOUR, HOUR) == len(LEVELS) - 1
    assert escalation_level_due(BREACH, BREACH + 100 * HOUR, HOUR, max_level=2) == 2


def test_delay_must_be_positive():
    with pytest.raises(ValueError):
        escalation_level_due(BREACH, BREACH, timedelta(0))


# RULES 3: 1000元以下 the department manager, 1000-5000 the deputy GM, 5000元以上
# the GM; 以下 and 以上 include the number itself (Civil Code art. 1259).
@pytest.mark.parametrize("amount, level", [
    (0, "manager"),
    (Decimal("999.99"), "manager"),
    (1000, "manager"),             # 1000元以下 includes 1,000
    (Decimal("1000.01"), "deputy_gm"),
    (Decimal("3000"), "deputy_gm"),
    (Decimal("4999.99"), "deputy_gm"),
    (5000, "gm"),                  # 5000元以上 includes 5,000
    (20000.0, "gm"),
])
def test_approval_authority_by_amount_claimed(amount, level):
    assert authority_level(amount) == level


def test_authority_bounds_and_whether_each_is_included_are_configurable():
    bands = authority_from_list([{"level": "manager", "up_to": 2000, "includes_bound": False},
                                 {"level": "deputy_gm", "up_to": "10000", "includes_bound": True},
                                 {"level": "gm"}])
    assert authority_level(1999, bands) == "manager"
    assert authority_level(2000, bands) == "deputy_gm"
    assert authority_level(10000, bands) == "deputy_gm"
    assert authority_level(Decimal("10000.01"), bands) == "gm"
    assert load_preset_authority() == (AuthorityBand("manager", Decimal(1000), True),
                                       AuthorityBand("deputy_gm", Decimal(5000), False), AuthorityBand("gm"))
    with pytest.raises(ValueError):
        authority_level(-1)


@pytest.mark.parametrize("bands", [
    [],
    [{"level": "manager", "up_to": 1000}],                                  # the last band must be open
    [{"level": "manager", "up_to": 5000}, {"level": "deputy_gm", "up_to": 1000}, {"level": "gm"}],  # falling
    [{"level": "manager", "up_to": 1000}, {"level": "deputy_gm", "up_to": 1000}, {"level": "gm"}],  # twice
    [{"level": "boss", "up_to": 1000}, {"level": "gm"}],
    [{"level": "manager", "up_to": "a lot"}, {"level": "gm"}],
    [{"level": "manager", "up_to": 1000, "inclusive": True}, {"level": "gm"}],
])
def test_authority_bands_that_make_no_sense_are_refused(bands):
    with pytest.raises(ValueError):
        authority_from_list(bands)


def test_a_major_complaint_goes_to_the_deputy_gm_at_once():
    assert immediate_level("major") == "deputy_gm"
    assert immediate_level("normal") == "handler"


def test_the_higher_of_severity_and_claim_authority_wins():
    assert immediate_level("normal", Decimal("300")) == "manager"
    assert immediate_level("major", Decimal("300")) == "deputy_gm"
    assert immediate_level("major", Decimal("8000")) == "gm"


def test_each_level_goes_to_the_nearest_holder_up_the_tree():
    chain = [
        {"handler": 1, "supervisor": 11, "manager": 12},  # the case's department
        {"manager": 21, "deputy_gm": 31},                 # its branch
        {"gm": 41},                                       # the company
    ]
    assert ladder_for(chain) == {"handler": 1, "supervisor": 11, "manager": 12, "deputy_gm": 31, "gm": 41}


def test_a_missing_level_is_skipped_to_the_next_one_up():
    chain = [SimpleNamespace(handler=1, supervisor=None), SimpleNamespace(manager=21), SimpleNamespace(gm=41)]
    assert ladder_for(chain) == {"handler": 1, "supervisor": 21, "manager": 21, "deputy_gm": 41, "gm": 41}


def test_levels_nobody_holds_at_or_above_are_none():
    assert ladder_for([{"supervisor": 11}]) == {
        "handler": 11, "supervisor": 11, "manager": None, "deputy_gm": None, "gm": None}


def test_role_of_adapts_any_unit_shape():
    staff = {("outlet", "supervisor"): 11, ("company", "gm"): 41}
    ladder = ladder_for(["outlet", "company"], lambda unit, level: staff.get((unit, level)))
    assert ladder["handler"] == 11 and ladder["manager"] == 41

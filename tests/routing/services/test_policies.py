"""Time-limit policies in the database (RULES 2): every row ships as a preset
an admin can edit; the most specific policy wins for a case; optional rules
route new cases to a unit's queue."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from routing.errors import RoutingError
from routing.models import CaseEvent, Deadline, Policy
from routing.rules.calendar import load_preset_calendars
from routing.rules.policy_match import load_preset_policies, policy_to_dict
from routing.services.cases import NewCase, open_case
from routing.services.policies import ensure_presets, rule_named
from routing.services.policy_editing import set_policy_active, update_policy
from routing.services.queue_rules import add_rule
from support.ladder import local

MONDAY_9 = local(2026, 11, 2, 9, 0)


def due(session, case, target):
    return session.scalars(select(Deadline.due_at).where(Deadline.case_id == case.id,
                                                         Deadline.target == target)).one()


def test_every_rules_2_row_is_stored_as_a_preset_once(session, clock):
    presets = load_preset_policies()
    assert ensure_presets(session, clock.now()) == len(presets) + len(load_preset_calendars())
    assert ensure_presets(session, clock.now()) == 0
    stored = {p.name: p.data for p in session.scalars(select(Policy))}
    assert stored == {rule.name: policy_to_dict(rule) for rule in presets}
    assert {"after-sales-emergency", "after-sales-general", "consultation", "service-appointment", "complaint",
            "complaint-case", "repair-urban", "repair-rural", "installation", "project-request"} <= set(stored)


def test_an_edited_preset_is_kept_when_presets_are_seeded_again(session, clock):
    ensure_presets(session, clock.now())
    complaint = policy_to_dict(rule_named(session, "complaint"))
    complaint["limits"]["first_response"]["amount"] = 12
    update_policy(session, "complaint", complaint, clock.now())
    assert ensure_presets(session, clock.now()) == 0
    session.expire_all()
    assert rule_named(session, "complaint").limits["first_response"].amount == 12


@pytest.mark.parametrize("fields, rural, policy", [
    ({"kind": "repair"}, False, "repair-urban"),
    ({"kind": "repair", "severity": "minor"}, False, "repair-urban-minor"),
    ({"kind": "repair"}, True, "repair-rural"),
    ({"kind": "complaint", "category": "product"}, False, "complaint-case"),
    ({"kind": "consultation", "channel": "chat"}, False, "online-chat"),
    ({"kind": "consultation"}, False, "consultation"),
    ({"kind": "after_sales", "severity": "emergency"}, False, "after-sales-emergency"),
    ({"kind": "suggestion"}, False, "suggestion"),
    ({"kind": "praise"}, False, "praise"),
])
def test_the_most_specific_policy_governs_a_case(session, make, fields, rural, policy):
    unit = make.unit(area="rural" if rural else "urban")
    assert make.case(unit=unit, **fields).policy_name == policy


def test_urban_repair_limits_come_from_the_preset(session, make):
    case = make.case(unit=make.unit(), kind="repair")
    assert due(session, case, "arrival") == MONDAY_9 + timedelta(minutes=30)
    assert due(session, case, "resolution") == local(2026, 11, 3, 0, 0)  # reported before 21:00: the same day


def test_a_deactivated_policy_hands_its_cases_to_the_next_match(session, make, clock):
    case = make.case(unit=make.unit(), kind="repair", severity="minor")
    assert due(session, case, "resolution") == MONDAY_9 + timedelta(hours=1)
    set_policy_active(session, "repair-urban-minor", False, clock.now())
    assert case.policy_name == "repair-urban"
    assert due(session, case, "resolution") == local(2026, 11, 3, 0, 0)


@pytest.mark.parametrize("change", [
    {"limits": {"reply": {"amount": 1, "unit": "hours"}}},
    {"limits": {"first_response": {"amount": -1, "unit": "hours"}}},
    {"calendar": "mars"},
    {"warn_fraction": 0},
    {"colour": "red"},
])
def test_an_invalid_policy_is_refused(session, clock, change):
    ensure_presets(session, clock.now())
    before = policy_to_dict(rule_named(session, "complaint"))
    with pytest.raises(RoutingError):
        update_policy(session, "complaint", {**before, **change}, clock.now())
    assert policy_to_dict(rule_named(session, "complaint")) == before


def test_a_new_policy_takes_the_cases_it_matches_more_closely(session, make, clock):
    case = make.case(unit=make.unit(), category="billing")
    assert case.policy_name == "complaint"
    update_policy(session, "billing-complaint", {"kind": "complaint", "category": "billing", "calendar": "24x7",
                                                 "limits": {"first_response": {"amount": 4, "unit": "hours"}}},
                  clock.now())
    assert case.policy_name == "billing-complaint"
    assert due(session, case, "first_response") == MONDAY_9 + timedelta(hours=4)
    assert session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                  Deadline.target == "resolution")).first() is None


def test_routing_rules_send_new_cases_to_a_units_queue(session, make, ladder_org, clock):
    billing = make.unit(code="BILL", level="department", parent=ladder_org.branch)
    add_rule(session, category="billing", from_unit=ladder_org.branch, to_unit=billing, now=clock.now())
    add_rule(session, category="billing", to_unit=ladder_org.other_outlet, now=clock.now())  # less specific
    session.commit()

    routed = make.case(unit=ladder_org.outlet, category="billing")
    assert routed.unit_id == billing.id
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == routed.id,
                                                    CaseEvent.kind == "routed")).one()
    assert event.data["from_unit_id"] == ladder_org.outlet.id
    assert make.case(unit=ladder_org.outlet, category="attitude").unit_id == ladder_org.outlet.id
    # A case recorded by staff is theirs: no rule moves it.
    recorded = open_case(session, NewCase(channel="phone", description="Bill too high", category="billing",
                                          unit_id=ladder_org.outlet.id), clock.now(), recorded_by=ladder_org.handler)
    assert recorded.unit_id == ladder_org.outlet.id
    with pytest.raises(RoutingError):
        add_rule(session, to_unit=billing, now=clock.now())

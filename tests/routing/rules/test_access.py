"""The one access policy (RULES 7): who sees and does what, by role and by
place in the unit tree. Plain objects stand in for staff, units and cases."""
from dataclasses import dataclass, field

import pytest

from routing.rules import access


@dataclass
class Unit:
    id: int
    parent: "Unit | None" = None

    def chain(self):
        unit, chain = self, []
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain


@dataclass
class Person:
    id: int
    role: str
    unit_id: int | None
    active: bool = True


@dataclass
class Case:
    unit: Unit | None
    status: str = "new"
    owner_id: int | None = None
    first_responder_id: int | None = None
    subject_staff_id: int | None = None
    unit_id: int | None = field(init=False)

    def __post_init__(self):
        self.unit_id = self.unit.id if self.unit else None


BRANCH = Unit(1)
OUTLET = Unit(2, BRANCH)
COUNTER = Unit(3, OUTLET)
OTHER_OUTLET = Unit(4, BRANCH)


def test_roles_are_ranked_once_from_handler_to_admin():
    assert [access.rank(role) for role in access.ROLES] == [0, 1, 2, 3, 4]
    assert access.at_least("manager", "supervisor") and not access.at_least("handler", "supervisor")
    assert access.rank(None) == access.rank("stranger") == -1
    assert "admin" not in access.HANDLING_ROLES


@pytest.mark.parametrize(("role", "unit", "sees"), [
    ("handler", OUTLET, {OUTLET.id}),  # their unit's cases, not the counter's below it
    ("supervisor", OUTLET, {OUTLET.id, COUNTER.id}),  # their unit tree
    ("manager", BRANCH, {BRANCH.id, OUTLET.id, COUNTER.id, OTHER_OUTLET.id}),
    ("executive", None, {BRANCH.id, OUTLET.id, COUNTER.id, OTHER_OUTLET.id}),
    ("admin", None, {BRANCH.id, OUTLET.id, COUNTER.id, OTHER_OUTLET.id}),
])
def test_a_case_is_seen_by_role_and_place_in_the_tree(role, unit, sees):
    person = Person(10, role, unit.id if unit else None)
    seen = {u.id for u in (BRANCH, OUTLET, COUNTER, OTHER_OUTLET) if access.may_see_case(person, Case(u))}
    assert seen == sees


def test_their_own_cases_are_seen_wherever_they_are():
    handler = Person(10, "handler", OTHER_OUTLET.id)
    assert not access.may_see_case(handler, Case(COUNTER))
    assert access.may_see_case(handler, Case(COUNTER, owner_id=10))
    assert access.may_see_case(handler, Case(COUNTER, first_responder_id=10))


def test_nobody_outside_sight_may_take_a_step_and_an_inactive_member_none():
    case = Case(OUTLET)
    assert access.allowed_actions(Person(10, "handler", OUTLET.id), case) == {"claim", "note"}
    assert access.allowed_actions(Person(11, "handler", OTHER_OUTLET.id), case) == set()
    assert access.allowed_actions(Person(12, "supervisor", OUTLET.id, active=False), case) == set()


def test_a_case_is_handed_only_to_an_active_colleague_in_its_wider_unit():
    case = Case(COUNTER, status="claimed", owner_id=10)
    wider = {OUTLET.id, COUNTER.id}
    assert access.may_take_over(Person(11, "handler", OUTLET.id), case, wider)
    assert not access.may_take_over(Person(10, "handler", OUTLET.id), case, wider)  # already its owner
    assert not access.may_take_over(Person(12, "handler", OTHER_OUTLET.id), case, wider)
    assert not access.may_take_over(Person(13, "admin", OUTLET.id), case, wider)
    assert not access.may_take_over(Person(14, "handler", OUTLET.id, active=False), case, wider)
    assert access.may_take_over(Person(12, "handler", OTHER_OUTLET.id), Case(None), None)


def test_the_person_a_complaint_is_about_neither_handles_nor_by_default_sees_it():
    teller = Person(30, "handler", OUTLET.id)
    supervisor = Person(31, "supervisor", OUTLET.id)
    case = Case(OUTLET, subject_staff_id=teller.id)
    assert access.is_subject(teller, case) and not access.is_subject(supervisor, case)
    assert not access.may_see_case(teller, case)
    assert access.may_see_case(teller, case, subject_sees=True)  # read-only, where the organisation allows
    assert access.allowed_actions(teller, case) == set()
    assert "claim" in access.allowed_actions(supervisor, case)
    assert not access.may_take_over(teller, Case(OUTLET, status="claimed", owner_id=31, subject_staff_id=30),
                                    {OUTLET.id})


def test_scores_are_seen_by_reach_and_entered_never_about_oneself():
    assert access.score_reach("handler") == access.OWN
    assert access.score_reach("supervisor") == access.score_reach("manager") == access.TREE
    assert access.score_reach("executive") == access.ALL
    supervisor = Person(20, "supervisor", OUTLET.id)
    tree = {OUTLET.id, COUNTER.id}
    assert access.may_enter_scores(supervisor, tree, unit_id=COUNTER.id)
    assert not access.may_enter_scores(supervisor, tree, unit_id=OTHER_OUTLET.id)
    assert not access.may_enter_scores(supervisor, tree, about=supervisor)
    assert access.may_enter_scores(supervisor, tree, about=Person(21, "handler", COUNTER.id))
    assert not access.may_enter_scores(Person(22, "handler", OUTLET.id), tree, unit_id=OUTLET.id)
    assert access.may_enter_scores(Person(23, "executive", None), set(), unit_id=OTHER_OUTLET.id)


def test_full_phone_numbers_in_lists_from_supervisor_up():
    assert [access.sees_phone_numbers(role) for role in access.ROLES] == [False, True, True, True, True]

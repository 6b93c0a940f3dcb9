"""Praise and suggestions carry no deadline unless a policy gives them one:
they never count down nor escalate by default."""
import pytest
from sqlalchemy import select

from routing.models import Policy
from routing.services.policies import forget


@pytest.mark.parametrize("kind", ["praise", "suggestion"])
def test_praise_and_suggestions_have_no_deadline(make, ladder_org, kind):
    case = make.case(unit=ladder_org.outlet, kind=kind, description="The teller was very patient.")
    assert case.policy_name == kind and case.deadlines == [] and case.next_due_at is None


def test_a_policy_may_give_suggestions_a_limit(session, make, ladder_org):
    make.case(unit=ladder_org.outlet, kind="suggestion")  # the presets are stored on first use
    rule = session.scalars(select(Policy).where(Policy.name == "suggestion")).one()
    rule.data = {**rule.data, "limits": {"first_response": {"amount": 5, "unit": "days"}}}
    session.commit()
    forget(session)
    case = make.case(unit=ladder_org.outlet, kind="suggestion")
    assert [d.target for d in case.deadlines] == ["first_response"]

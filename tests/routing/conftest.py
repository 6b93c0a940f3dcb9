"""Fixtures of the router's tests: an organisation with its escalation
ladder, and staff signed in without a password."""
import pytest

from support.ladder import LadderOrg, build_ladder_org


@pytest.fixture
def ladder_org(make) -> LadderOrg:
    """A company with its general manager and deputy, a branch with the
    department manager, an outlet with its supervisor and two handlers, and a
    second outlet with a handler of its own."""
    return build_ladder_org(make)


@pytest.fixture
def sign_in(client):
    """sign_in(staff, lang="en"): the test client is logged in as `staff`
    (Flask-Login's session key) and reads pages in `lang` (as ?lang= would
    remember) until a page asks for another language."""

    def sign_in_as(staff, lang: str = "en"):
        with client.session_transaction() as browser_session:
            browser_session.clear()
            browser_session["_user_id"] = str(staff.id)
            browser_session["_fresh"] = True
            browser_session["lang"] = lang
        return staff

    return sign_in_as

"""Fixtures of intake's tests: API clients with and without a token."""
import pytest

from support.api import Api, token_for


@pytest.fixture
def api_as(client, session, clock):
    """api_as(staff) -> an Api client with a new token of that staff member."""
    return lambda staff: Api(client, token_for(session, clock, staff))


@pytest.fixture
def anonymous(client):
    return Api(client, None)

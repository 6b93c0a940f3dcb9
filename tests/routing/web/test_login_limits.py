"""Password guessing is slowed per account from any address, and a username
that exists costs the same work as one that does not. (The limits across
real processes sharing Redis: tests/intake/test_rate_limit_shared.py.)"""
from __future__ import annotations

import itertools
import time

import pytest

from routing.services import org
from routing.web.extensions import limiter
from routing.web.login_throttle import delay_seconds
from support.factories import PASSWORD

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URL": "local://"}


@pytest.fixture
def handler(make):
    return make.staff("handler", unit=make.unit(), locale="en")


def attempt(client, username, password="wrong password"):
    """A login from a new address each time, as from a botnet: the per-address limit never applies."""
    return client.post("/login", data={"username": username, "password": password},
                       environ_overrides={"REMOTE_ADDR": next(_addresses)})


def test_the_wait_doubles_after_the_free_failures_up_to_a_ceiling():
    assert [delay_seconds(n, free=5, ceiling=900) for n in range(1, 15)] == [
        0, 0, 0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900]
    assert delay_seconds(10**6, free=5, ceiling=900) == 900


def outcome(response) -> str:
    if response.status_code == 302:
        return "in"
    if response.status_code == 429:
        return "wait"
    assert response.status_code == 200 and "Wrong username or password." in response.text
    return "wrong"


@pytest.mark.parametrize("known", [True, False])
def test_after_five_failures_on_one_username_from_any_address_each_attempt_waits(app, client, handler, known):
    """The same for a username that exists and one that does not: the
    slowdown does not tell them apart."""
    username = handler.username if known else "nobody-by-this-name"
    seen = [outcome(attempt(client, username)) for _ in range(7)]
    assert seen == ["wrong"] * 6 + ["wait"]
    refused = attempt(client, username, PASSWORD)  # even the right password is not tried while it waits
    assert outcome(refused) == "wait"
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    assert "Too many wrong passwords were tried for this account. Try again in" in refused.text
    limiter.storage.clock = lambda: time.time() + 6  # the 5 seconds are over
    if known:
        assert outcome(attempt(client, username, PASSWORD)) == "in"
        assert outcome(attempt(client, username)) == "wrong"  # a success starts the count again
    else:
        assert [outcome(attempt(client, username)) for _ in range(2)] == ["wrong", "wait"]  # now 10 seconds


def test_another_account_is_not_slowed_by_guesses_at_this_one(app, client, handler, make):
    other = make.staff("handler", unit=make.unit())
    for _ in range(7):
        attempt(client, handler.username)
    assert outcome(attempt(client, other.username, PASSWORD)) == "in"


def test_guessing_ones_own_current_password_on_a_borrowed_session_is_slowed_too(app, client, handler):
    assert outcome(attempt(client, handler.username, PASSWORD)) == "in"
    for _ in range(6):
        client.post("/account/password", data={"current": "a guess", "password": "new password 1",
                                                "repeat": "new password 1"})
    page = client.post("/account/password", data={"current": PASSWORD, "password": "new password 1",
                                                  "repeat": "new password 1"})
    assert page.status_code == 400 and "Too many wrong passwords were tried for this account." in page.text


def test_the_per_address_limit_refuses_the_eleventh_login_in_a_minute(app, client):
    codes = [client.post("/login", data={"username": f"user{n}", "password": "wrong password"}).status_code
             for n in range(11)]
    assert codes == [200] * 10 + [429]


@pytest.fixture
def checks(monkeypatch):
    """Counts the password checks the login makes."""
    made = []
    real = org.check_password_hash

    def counted(stored, password):
        made.append(stored)
        return real(stored, password)

    monkeypatch.setattr(org, "check_password_hash", counted)
    return made


def test_an_unknown_or_inactive_username_costs_a_password_check_like_a_real_one(session, make, checks):
    member = make.staff("handler")
    retired = make.staff("handler")
    retired.active = False
    session.commit()
    for username in (member.username, "nobody-by-this-name", retired.username):
        before = len(checks)
        assert org.authenticate(session, username, "wrong password") is None
        assert len(checks) == before + 1, username
    # The stand-in hash is made as real ones are (same scheme and cost), and matches nothing.
    stand_in, real = checks[1], checks[0]
    assert stand_in != real and stand_in.split("$")[0] == real.split("$")[0]
    assert org.authenticate(session, member.username, PASSWORD) == member

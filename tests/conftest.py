"""Shared fixtures: an app on a file-backed SQLite (and on PostgreSQL when
FEEDBACK_TEST_POSTGRES_URL is set), a fake clock, recording senders."""
from __future__ import annotations

import itertools
import os
import uuid
from datetime import datetime, timezone

import pytest
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.orm import object_session

from intake import create_app
from intake.shell.schema import metadata
from routing.foundation.clock import FakeClock
from routing.foundation.db import Database
from routing.rules.official_days import forget as forget_official_days
from routing.services.customer_messages import render
from support.api import Api, Bank, build_bank, token_for
from support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, playwright
from support.factories import Factory, empty_postgres
from support.fake_twilio import FakeTwilio
from support.ladder import LadderOrg, build_ladder_org
from support.official import publish_2027, without_2027

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL")
# A Monday morning in Shanghai: 2026-11-02 09:00 +08:00.
START = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="FEEDBACK_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")),
]


_provider_ids = itertools.count(1)


class RecordingSender:
    """The network edge in tests: keeps what would have been sent."""

    def __init__(self):
        self.sent = []
        self.fail_with = None

    def send(self, message):
        if self.fail_with is not None:
            raise self.fail_with
        # A notice is rendered as the console would (the dispatcher sends in the app's context).
        text = message.body if message.notice is None else render(message, current_app.config["PUBLIC_URL"]).body
        self.sent.append((message.to, text))
        return f"REC{next(_provider_ids):06d}"  # unique across transports, as a provider's ids are

    def bodies_to(self, address):
        return [body for to, body in self.sent if to == address]


@pytest.fixture(scope="session")
def postgres_server_url():
    """A throwaway database on the test server for this test run (and xdist worker)."""
    if not POSTGRES_URL:
        pytest.skip("FEEDBACK_TEST_POSTGRES_URL is not set")
    name = f"feedback_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_collection_modifyitems(config, items):
    """A browser test runs on SQLite only: the browser adds nothing a
    PostgreSQL run would check (the same rules run on both below it)."""
    on_postgres = [item for item in items if item.get_closest_marker("browser")
                   and getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "postgres"]
    if on_postgres:
        config.hook.pytest_deselected(items=on_postgres)
        items[:] = [item for item in items if item not in on_postgres]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = request.getfixturevalue("postgres_server_url")
    empty_postgres(url)
    return url


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def senders():
    return {"sms": RecordingSender(), "email": RecordingSender()}


@pytest.fixture
def app_config(request, database_url, clock, senders, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "CLOCK": clock,
        "SENDERS": senders,
        # A real browser sends the form's token; the test client does not.
        "WTF_CSRF_ENABLED": request.node.get_closest_marker("browser") is not None,
        "PUBLIC_URL": "https://feedback.example.com",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_FROM": "+15005550006",
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(app_config)
    if app.extensions["db"].engine.dialect.name == "sqlite":
        app.extensions["db"].create_all()
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def client(app):
    """A browser that prefers English unless a test asks otherwise (the
    organisation's default language is Chinese)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def session(app):
    """A session for arranging and checking; commit what the app must see.
    Its transactions do not take SQLite's write lock until they write, so a
    test reading between requests never blocks the app."""
    db = Database(app.config["DATABASE_URL"], immediate=False)
    with db.sessionmaker() as session:
        yield session
    db.dispose()


@pytest.fixture
def make(session, clock):
    return Factory(session, clock)


@pytest.fixture
def login(client):
    def login_as(staff, password="correct horse battery"):
        response = client.post("/login", data={"username": staff.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return staff

    return login_as


@pytest.fixture
def bank(make, session, clock) -> Bank:
    """Example Bank: a branch with outlets A and B, each with a counter; an
    administrator, an executive, and at outlet A its manager, supervisor and
    a teller at its counter; a teller at outlet B's counter."""
    return build_bank(make, session, clock)


@pytest.fixture(scope="module")
def chromium():
    """One chromium per test module."""
    sync_playwright = playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """A factory of fresh pages, each in its own context (own cookies, own
    language), by default a phone held upright; closed after the test."""
    contexts = []

    def new_page(locale: str = "en", viewport: dict | None = None, **context_options):
        context = chromium.new_context(locale=locale, viewport=viewport or PHONE, device_scale_factor=2,
                                       is_mobile=True, has_touch=True, **context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def api_as(client, session, clock):
    """api_as(staff) -> an Api client with a new token of that staff member."""
    return lambda staff: Api(client, token_for(session, clock, staff))


@pytest.fixture
def anonymous(client):
    return Api(client, None)


@pytest.fixture
def before_the_2027_notice(monkeypatch):
    """python-holidays without the State Council's notice for 2027."""
    without_2027(monkeypatch)
    yield
    forget_official_days()


@pytest.fixture
def library_update(monkeypatch):
    """Call it to have python-holidays carry MADE_UP_2027_NOTICE, as its
    next release would (what `pip install -U holidays` brings)."""
    yield lambda: publish_2027(monkeypatch)
    forget_official_days()


@pytest.fixture
def fake_twilio(clock):
    """Twilio's REST API on 127.0.0.1, its messages dated by the fake clock."""
    with FakeTwilio(clock=clock.now) as server:
        yield server


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
        user_id = staff.get_id()  # the id and its session version
        records = object_session(staff)
        if records is not None and not (records.new or records.dirty or records.deleted):
            records.commit()  # end the read that loading them may have begun: SQLite would keep its snapshot
        with client.session_transaction() as browser_session:
            browser_session.clear()
            browser_session["_user_id"] = user_id
            browser_session["_fresh"] = True
            browser_session["lang"] = lang
        return staff

    return sign_in_as

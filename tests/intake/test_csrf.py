"""The one module that runs with CSRF on: a complaint posted from another
site (no token) is refused and records nothing; the real form works."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake import create_app
from routing.models import Case, OutboundMessage, Rating


@pytest.fixture
def csrf_app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "csrf"))
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    if app.extensions["db"].engine.dialect.name == "sqlite":
        app.extensions["db"].create_all()
    yield app
    app.extensions["db"].dispose()


def count(app, model) -> int:
    with app.extensions["db"].sessionmaker() as session:
        return session.scalar(select(func.count(model.id)))


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


FORM = {"kind": "complaint", "category": "attitude", "description": "The teller shouted at me.",
        "unit": "0", "phone": "13800138000", "consent": "y"}


def test_a_complaint_without_a_csrf_token_is_refused_and_nothing_recorded(csrf_app):
    client = csrf_app.test_client()
    client.get("/complain")  # a session exists; the token is still missing
    response = client.post("/complain", data=FORM, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    assert count(csrf_app, Case) == 0 and count(csrf_app, OutboundMessage) == 0


def test_a_complaint_with_the_forms_token_is_registered(csrf_app):
    client = csrf_app.test_client()
    form = client.get("/complain").get_data(as_text=True)
    token = csrf_token(form)
    response = client.post("/complain", data={**FORM, "csrf_token": token})
    assert response.status_code == 303
    assert count(csrf_app, Case) == 1


def test_a_rating_tap_carries_the_token_too(csrf_app):
    from factories import Factory

    with csrf_app.extensions["db"].sessionmaker() as session:
        clock = csrf_app.extensions["clock"]
        touchpoint = Factory(session, clock).touchpoint(Factory(session, clock).unit())
    client = csrf_app.test_client()
    page = client.get(f"/q/{touchpoint.token}").get_data(as_text=True)
    token = csrf_token(page)
    assert client.post(f"/q/{touchpoint.token}", data={"score": 5}).status_code == 400
    assert client.post(f"/q/{touchpoint.token}", data={"score": 5, "csrf_token": token}).status_code == 303


def test_a_tap_leaves_the_customers_session_cookie_alone(csrf_app):
    """The page set the cookie; re-signing it on the tap is work for nothing
    (the tap is the platform's busiest request)."""
    from factories import Factory

    with csrf_app.extensions["db"].sessionmaker() as session:
        clock = csrf_app.extensions["clock"]
        touchpoint = Factory(session, clock).touchpoint(Factory(session, clock).unit())
    client = csrf_app.test_client()
    page = client.get(f"/q/{touchpoint.token}")
    assert [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    tap = client.post(f"/q/{touchpoint.token}", data={"score": 4, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert tap.status_code == 303 and count(csrf_app, Rating) == 1
    assert not [c for c in tap.headers.getlist("Set-Cookie") if c.startswith("session=")]

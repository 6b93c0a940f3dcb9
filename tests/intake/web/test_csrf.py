"""The one module that runs with CSRF on: a complaint posted from another
site (no token) is refused and records nothing; the real form works; a
rating tap, which carries no token, is refused when another site sent it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake import create_app
from routing.models import Case, OutboundMessage, Rating
from support.factories import Factory


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


@pytest.fixture
def touchpoint(csrf_app):
    with csrf_app.extensions["db"].sessionmaker() as session:
        factory = Factory(session, csrf_app.extensions["clock"])
        return factory.touchpoint(factory.unit())


OTHER_SITES = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
               {"Origin": "https://evil.example"}, {"Origin": "null"}]


@pytest.mark.parametrize("sent_by", OTHER_SITES)
def test_a_tap_another_site_sends_is_refused_and_nothing_recorded(csrf_app, touchpoint, sent_by):
    """Another site's page cannot make its visitors' browsers rate a
    counter: the browser says where the POST came from."""
    client = csrf_app.test_client()
    client.get(f"/q/{touchpoint.token}")
    response = client.post(f"/q/{touchpoint.token}", data={"score": 5},
                           headers={**sent_by, "Accept-Language": "en"})
    assert response.status_code == 400
    assert "This was sent from another website" in response.get_data(as_text=True)
    assert count(csrf_app, Rating) == 0


def test_the_refusal_speaks_the_customers_language(csrf_app, touchpoint):
    response = csrf_app.test_client().post(f"/q/{touchpoint.token}", data={"score": 5}, headers={
        "Sec-Fetch-Site": "cross-site", "Accept-Language": "zh-CN"})
    assert response.status_code == 400 and "此次提交来自其他网站" in response.get_data(as_text=True)


@pytest.mark.parametrize("sent_by", [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}, {}])
def test_a_tap_needs_no_token_and_the_page_sets_no_session(csrf_app, touchpoint, sent_by):
    """The rating page carries no token, so a phone that keeps no cookie
    can still rate; the tap comes from the page itself (or from no browser,
    which the address limit and the device check meet)."""
    client = csrf_app.test_client()
    page = client.get(f"/q/{touchpoint.token}")
    assert 'name="csrf_token"' not in page.get_data(as_text=True)
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    tap = client.post(f"/q/{touchpoint.token}", data={"score": 4}, headers=sent_by)
    assert tap.status_code == 303 and count(csrf_app, Rating) == 1
    assert not [c for c in tap.headers.getlist("Set-Cookie") if c.startswith("session=")]


def test_a_tap_leaves_the_customers_session_cookie_alone(csrf_app, touchpoint):
    """A customer who chose a language has a session; re-signing it on the
    tap is work for nothing (the tap is the platform's busiest request)."""
    client = csrf_app.test_client()
    page = client.get(f"/q/{touchpoint.token}?lang=zh")
    assert [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    tap = client.post(f"/q/{touchpoint.token}", data={"score": 4}, headers={"Sec-Fetch-Site": "same-origin"})
    assert tap.status_code == 303 and count(csrf_app, Rating) == 1
    assert not [c for c in tap.headers.getlist("Set-Cookie") if c.startswith("session=")]

"""Helpers for the handler pages' tests: signing staff in without a password
(hashing one costs a quarter second a person), and reading pages."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import object_session


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


def page_of(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def follow(client, response) -> str:
    """The page a step redirected to (303 See Other), with its flash message."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return page_of(client.get(response.headers["Location"]))

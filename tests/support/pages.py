"""Helpers for the handler pages' tests: signing staff in without a password
(hashing one costs a quarter second a person), and reading pages."""
from __future__ import annotations


def page_of(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def follow(client, response) -> str:
    """The page a step redirected to (303 See Other), with its flash message."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return page_of(client.get(response.headers["Location"]))

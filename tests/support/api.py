"""Helpers for the API and page tests: a client that sends a staff member's
bearer token, and a small bank to scope tokens and pages in."""
from __future__ import annotations

from dataclasses import dataclass

from routing.models import Staff, Unit
from routing.services.org import create_api_token, create_staff

PUBLIC_URL = "https://feedback.example.com"  # the conftest app's


class Api:
    """The test client with a bearer token, speaking English (the API's
    messages follow Accept-Language like every page)."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, headers: dict | None) -> dict:
        base = {"Accept-Language": "en"}
        if self.token:
            base["Authorization"] = f"Bearer {self.token}"
        return {**base, **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, json=None, headers: dict | None = None, **kwargs):
        if json is not None:
            kwargs["json"] = json
        return self.client.post("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def all_items(self, path: str, limit: int = 2) -> list[dict]:
        """Every item of a list, page by page, following next_cursor."""
        items, cursor = [], None
        separator = "&" if "?" in path else "?"
        while True:
            query = f"{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            response = self.get(path + query)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            assert len(body["items"]) <= limit
            items += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                return items


def token_for(session, clock, staff: Staff) -> str:
    token, _row = create_api_token(session, staff, clock.now(), name="test")
    session.commit()
    return token


@dataclass
class Bank:
    """A branch with two outlets, each with a counter; staff at outlet A."""

    company: Unit
    branch: Unit
    outlet_a: Unit
    counter_a: Unit
    outlet_b: Unit
    counter_b: Unit
    admin: Staff
    executive: Staff
    manager_a: Staff
    supervisor_a: Staff
    handler_a: Staff
    handler_b: Staff


def build_bank(make, session, clock) -> Bank:
    def staff(role, unit, username):
        # No password: API tests use tokens, and hashing one costs a quarter second.
        member = create_staff(session, username, role, clock.now(), unit=unit)
        session.commit()
        return member

    company = make.unit("CO", "Example Bank", level="company")
    branch = make.unit("BR1", "Riverside Branch", level="branch", parent=company)
    outlet_a = make.unit("OA", "Outlet A", parent=branch)
    counter_a = make.unit("OA-C1", "Counter 1", level="counter", parent=outlet_a)
    outlet_b = make.unit("OB", "Outlet B", parent=branch)
    counter_b = make.unit("OB-C1", "Counter 1", level="counter", parent=outlet_b)
    return Bank(
        company=company, branch=branch, outlet_a=outlet_a, counter_a=counter_a,
        outlet_b=outlet_b, counter_b=counter_b,
        admin=staff("admin", company, "root"),
        executive=staff("executive", company, "exec"),
        manager_a=staff("manager", outlet_a, "mgr-a"),
        supervisor_a=staff("supervisor", outlet_a, "sup-a"),
        handler_a=staff("handler", counter_a, "teller-a"),
        handler_b=staff("handler", counter_b, "teller-b"),
    )

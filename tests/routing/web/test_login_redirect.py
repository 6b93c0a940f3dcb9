"""After login the browser goes where `next` says only when that is a path
on this site: none of the ways to write another site's address gets out
(browsers drop tabs and line breaks and read a backslash as a slash)."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from routing.web.auth import local_target
from support.factories import PASSWORD

EVIL = [
    "/\t/evil.example",  # the issue's /login?next=%2F%09%2Fevil.example
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "\\/evil.example", "/\r\n/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x0b/evil.example",
    " //evil.example", "\t//evil.example", "/ /evil.example", "https://evil.example", "http:evil.example",
    "https:/evil.example", "//evil.example/%2F..", "javascript:alert(1)", "data:text/html,x",
    "evil.example", "/\u3000/evil.example", "/\uff0f/evil.example", "/\u2215evil.example", "",
]
LOCAL = ["/cases?tab=unit", "/scores/drilldown?kind=unit&id=1&back=%2Fscores%3Fperiod%3D2026-10",
         "/cases/C-2026-000001#steps", "/%2F%2Fevil.example"]  # the last is a path of this site, percent and all


@pytest.mark.parametrize("target", EVIL)
def test_a_next_that_could_lead_elsewhere_is_replaced_by_the_staff_home(client, make, target):
    handler = make.staff("handler", unit=make.unit())
    response = client.post("/login?next=" + quote(target, safe=""),
                           data={"username": handler.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"
    assert local_target(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_a_next_on_this_site_is_followed(client, make, target):
    handler = make.staff("handler", unit=make.unit())
    response = client.post("/login?next=" + quote(target, safe=""),
                           data={"username": handler.username, "password": PASSWORD})
    assert response.headers["Location"] == target


def test_the_login_page_a_staff_page_sends_to_comes_back_to_it(client, make):
    handler = make.staff("handler", unit=make.unit())
    to_login = client.get("/cases?tab=unit").headers["Location"]
    assert to_login.startswith("/login?next=")
    response = client.post(to_login, data={"username": handler.username, "password": PASSWORD})
    assert response.headers["Location"] == "/cases?tab=unit"

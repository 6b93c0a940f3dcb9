"""A customer calls the outlet about a case closed last week: the lobby
manager (the outlet's supervisor) finds it in a real browser by the phone
number as the customer says it, in another format than stored, and by its
reference without "C-"; a refused step puts the error at the top with the
focus on it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from routing.services import lifecycle
from support.browser import live_server
from support.factories import PASSWORD

DESKTOP = {"width": 1280, "height": 860}
LAST_WEEK = datetime(2026, 10, 26, 2, 0, tzinfo=timezone.utc)  # Monday 26 October, 10:00 in Shanghai




@pytest.mark.browser
def test_a_lobby_manager_finds_a_closed_case_by_phone_in_another_format_and_by_bare_reference(
        app, make, session, clock, browser):
    branch = make.unit(name="浦东支行 Pudong Branch", level="branch")
    outlet = make.unit(name="陆家嘴营业部 Lujiazui Outlet", parent=branch)
    teller = make.staff("handler", unit=outlet, username="wang.li", display_name="王丽 Wang Li")
    lobby = make.staff("supervisor", unit=outlet, username="chen.gang", display_name="陈刚 Chen Gang", locale="en")
    now = clock.now()
    clock.set(LAST_WEEK)
    case = make.case(outlet, kind="complaint", category="waiting_time", contact_name="李娜 Li Na",
                     contact_phone="+8613812345678", description="Waited an hour for a transfer.")
    lifecycle.claim(session, case, teller, clock.now())
    lifecycle.resolve(session, case, teller, "Apologised; a second counter opens at noon.", clock.now())
    lifecycle.close(session, case, teller, clock.now() + timedelta(days=1))
    other = make.case(outlet, contact_phone="+8613900000000", description="Another customer")
    session.commit()
    clock.set(now)

    with live_server(app) as base_url:
        page = browser(locale="en-US", viewport=DESKTOP)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base_url + "/login?lang=en")
        page.fill("input[name=username]", lobby.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/(cases|overview)"))
        page.goto(base_url + "/cases")

        # The number as the customer says it on the phone, not as stored.
        page.get_by_label("Reference, phone, name or words").fill("+86 138-1234-5678")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 1
        assert rows.nth(0).locator("th").inner_text() == case.reference
        assert "Closed" in rows.nth(0).inner_text()
        assert page.locator("nav [aria-current=page]").inner_text() == "Every case"

        # The reference without its C-.
        search = page.get_by_label("Reference, phone, name or words")
        search.fill(case.reference.removeprefix("C-"))
        page.get_by_role("button", name="Filter").click()
        assert rows.count() == 1 and rows.nth(0).locator("th").inner_text() == case.reference
        assert other.reference not in page.locator("table.queue").inner_text()

        # The case page, with what is known of the customer.
        page.get_by_role("link", name=case.reference).click()
        page.wait_for_url(re.compile(case.reference))
        assert page.locator(".case-head .badge").first.inner_text() == "Closed"
        assert "Other cases of this customer" in page.locator("section[aria-labelledby=customer-h]").inner_text()

        # A note with nothing in it is refused: the summary is at the top and has the focus.
        page.get_by_label("Internal note").check()
        page.locator(".composer").get_by_role("button", name="Send").click()
        summary = page.locator(".error-summary")
        assert summary.is_visible()
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
        assert errors == []

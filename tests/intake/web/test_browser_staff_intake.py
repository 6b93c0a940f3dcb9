"""A call taken by a lobby manager, in a real browser with CSRF on: "New
case" from the staff navigation, the call recorded (received a few minutes
ago), handed over with a reason to the unit whose duty it is; the lobby
manager stays its first responder, is told when it is closed, and opens it
again after it is closed."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from routing.models import Case
from routing.services import lifecycle
from support.browser import live_server
from support.factories import PASSWORD

DESKTOP = {"width": 1280, "height": 900}




@pytest.mark.browser
def test_a_lobby_manager_takes_a_call_hands_it_over_and_finds_it_after_it_is_closed(
        app, make, session, clock, browser):
    outlet = make.unit("LJZ", "陆家嘴营业部 Lujiazui Outlet")
    cards = make.unit("CARD", "银行卡部 Card Department", level="department")
    lobby = make.staff("supervisor", unit=outlet, username="lobby.zhou", display_name="周敏 Zhou Min", locale="en")
    card_desk = make.staff("handler", unit=cards, username="card.wu", display_name="吴涛 Wu Tao", locale="en")

    with live_server(app) as base_url:
        page = browser(locale="en-US", viewport=DESKTOP)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base_url + "/login?lang=en")
        page.fill("input[name=username]", lobby.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)

        page.get_by_role("link", name="New case").click()
        page.wait_for_url(re.compile(r"/cases/new"))
        page.select_option("select[name=channel]", "phone")
        page.fill("input[name=received_at]", "2026-11-02T08:52")
        page.fill("input[name=rings]", "3")
        page.fill("input[name=contact_name]", "李娜 Li Na")
        page.fill("input[name=contact_phone]", "138 1234 5678")
        page.fill("textarea[name=description]", "My card was swallowed by the ATM in the lobby.")
        page.select_option("select[name=category]", "product")
        page.check("input[name=consent]")
        # Not within a lobby manager's duty: the card department's, with the reason.
        page.select_option("select[name=hand_over_to]", str(cards.id))
        page.get_by_role("button", name="Register the case").click()
        assert "Say why you hand the case over." in page.locator(".error").inner_text()
        page.fill("input[name=reason]", "Retained cards are the card department's.")
        page.get_by_role("button", name="Register the case").click()
        page.wait_for_url(re.compile(r"/cases/C-"))
        assert "You stay its first responder" in page.locator(".flash").inner_text()
        reference = page.locator(".case-head .reference").inner_text()

        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert (case.first_responder_id, case.owner_id, case.unit_id) == (lobby.id, None, cards.id)
        # The card department takes it and closes it.
        lifecycle.claim(session, case, card_desk, clock.now())
        lifecycle.resolve(session, case, card_desk, "Card returned at the counter.", clock.now())
        lifecycle.close(session, case, card_desk, clock.now())
        session.commit()

        # Found again after it is closed: the first responder opens it by its reference.
        page.goto(f"{base_url}/cases/{reference}?lang=en")
        assert page.locator(".case-head .badge").first.inner_text() == "Closed"
        summary = page.locator("#summary-h + dl").inner_text()
        assert "周敏 Zhou Min" in summary and "Phone" in summary
        assert "Retained cards are the card department's." in page.content()
        assert errors == []

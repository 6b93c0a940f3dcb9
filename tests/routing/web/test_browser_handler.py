"""A complaint handler's day in a real browser (with CSRF on): log in, claim a
complaint from the unit's queue, answer the customer, resolve it; the next
morning the callback is on the list and recorded, and the customer's answers
are a rating of the handler. The screenshots go into the README."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from routing.models import Callback, Case, OutboundMessage, Rating
from support.browser import live_server, screenshot_dir
from support.factories import PASSWORD
from support.notices import text_of

SCREENSHOTS = screenshot_dir()
DESKTOP = {"width": 1280, "height": 860}
MONDAY_9 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
TUESDAY_9_30 = datetime(2026, 11, 3, 1, 30, tzinfo=timezone.utc)




def open_cases(make, clock, outlet):
    """A morning's queue: cases that came in at different times."""
    cases = {}
    for minutes_ago, key, fields in (
        (40, "overdue", dict(kind="repair", category="fault", description="停电了，整栋楼没有电。 No power in the whole building.",
                             contact_name="赵强 Zhao Qiang", contact_phone="+8613911112222")),
        (25, "near", dict(kind="repair", category="fault", description="ATM吞卡。 The ATM kept my card.",
                          contact_name="孙丽 Sun Li", contact_phone="+8613633334444")),
        (10, "complaint", dict(kind="complaint", category="attitude",
                               description="柜员态度很差，对我大声说话。 The teller was rude and shouted at me.",
                               contact_name="李娜 Li Na", contact_phone="+8613812345678", locale="en")),
        (5, "consultation", dict(kind="consultation", category="billing",
                                 description="想了解手续费标准。 What are the fees for a transfer?",
                                 contact_name="周杰 Zhou Jie", contact_email="zhou@example.com")),
    ):
        clock.set(MONDAY_9 - timedelta(minutes=minutes_ago))
        cases[key] = make.case(outlet, **fields)
    clock.set(MONDAY_9)
    return cases


@pytest.mark.browser
def test_a_handler_claims_answers_and_resolves_and_the_callback_is_recorded_next_morning(
        app, make, session, clock, browser):
    branch = make.unit(name="浦东支行 Pudong Branch", level="branch")
    outlet = make.unit(name="陆家嘴营业部 Lujiazui Outlet", parent=branch)
    handler = make.staff("handler", unit=outlet, username="wang.li", display_name="王丽 Wang Li", locale="en")
    make.staff("supervisor", unit=outlet, username="chen.gang", display_name="陈刚 Chen Gang")
    desk = make.staff("handler", unit=branch, username="qin.yue", display_name="秦月 Qin Yue", locale="en",
                      callback_desk=True)
    cases = open_cases(make, clock, outlet)
    complaint = cases["complaint"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with live_server(app) as base_url:
        page = browser(locale="en-US", viewport=DESKTOP)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base_url + "/login?lang=en")
        page.fill("input[name=username]", handler.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/cases"))

        # The unit's queue: the most urgent first, each with its countdown.
        page.clock.install()  # the browser's own clock, to watch the live countdown
        page.get_by_role("link", name="My unit's").click()
        page.wait_for_url(re.compile(r"tab=unit"))
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 4
        assert rows.nth(0).locator("th").inner_text() == cases["overdue"].reference
        assert "overdue by 10 min" in rows.nth(0).inner_text()
        assert rows.nth(0).locator(".badge.over").count() == 1
        assert rows.nth(1).locator(".badge.urgent").count() == 1  # 5 minutes left: red, under an hour
        page.screenshot(path=SCREENSHOTS / "queue-en.png", full_page=True)
        # Six minutes later, without reloading: static/cases.js counts down from the server's time.
        page.clock.fast_forward("06:00")
        assert rows.nth(1).locator(".badge").inner_text() == "overdue by 1 min"
        assert rows.nth(1).locator(".badge.over").count() == 1

        # Claim the complaint, answer the customer, resolve it.
        page.get_by_role("link", name=complaint.reference).click()
        page.wait_for_url(re.compile(complaint.reference))
        assert "+86 138****5678" in page.locator("#contact-h + dl").inner_text()  # not theirs yet
        page.get_by_role("button", name="Claim this case").click()
        assert "you are its owner now" in page.locator(".flash").inner_text()
        assert page.locator("a[href='tel:+8613812345678']").count() == 1
        page.get_by_label("Reply to the customer").check()
        page.fill("#compose-body", "We are sorry. The branch manager will call you today.")
        page.locator(".composer").get_by_role("button", name="Send").click()
        assert "on its way to the customer" in page.locator(".flash").inner_text()
        page.fill("textarea[name=summary]", "The teller apologised in person; she has been coached.")
        page.get_by_role("button", name="Resolve the case").click()
        assert "the customer will be called back" in page.locator(".flash").inner_text()
        assert page.locator(".case-head .badge").first.inner_text() == "Resolved"

        page.goto(f"{base_url}/cases/{complaint.reference}?lang=zh_Hans_CN")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        page.screenshot(path=SCREENSHOTS / "case-zh.png", full_page=True)
        page.goto(f"{base_url}/cases?lang=en")

        # The next morning: the callback is on the list.
        app.extensions["clock"].set(TUESDAY_9_30)
        with app.extensions["db"].sessionmaker() as tick:
            app.extensions["tick_jobs"]["callbacks"](tick, TUESDAY_9_30)
            tick.commit()
        page.reload()  # yesterday's session has ended: log in again
        assert "You were logged out after 30 minutes without activity." in page.locator(".flash").inner_text()
        page.fill("input[name=username]", handler.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/cases"))
        page.get_by_role("navigation", name="Staff").get_by_role("link", name="Callbacks").click()
        page.wait_for_url(re.compile(r"/callbacks$"))
        row = page.locator("table.queue tbody tr", has_text=complaint.reference)
        assert "2026-11-03 09:00" in row.inner_text()
        assert "You handled this case" in row.inner_text()  # the callback checks Wang Li's work: not hers to make
        # The branch's callback desk makes the call.
        page = browser(locale="en-US", viewport=DESKTOP)
        page.goto(base_url + "/login?lang=en")
        page.fill("input[name=username]", desk.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/cases"))
        page.goto(base_url + "/callbacks?lang=en")
        row = page.locator("table.queue tbody tr", has_text=complaint.reference)
        row.get_by_role("link", name=re.compile("Record the call")).click()
        page.wait_for_url(re.compile(r"/callbacks/\d+$"))
        page.get_by_label("Reached the customer").check()
        # A complaint had no visit: there is no arrival time to rate.
        assert page.get_by_role("group", name="Arrival time", exact=True).count() == 0
        for item, level in (("Attitude", "Very satisfied"), ("Skill", "Satisfied"), ("Keeping promises", "Average")):
            page.get_by_role("group", name=item, exact=True).get_by_label(level, exact=True).check()
        page.fill("textarea[name=comment]", "Satisfied with the apology.")
        page.screenshot(path=SCREENSHOTS / "callback-en.png", full_page=True)
        page.get_by_role("button", name="Save the callback").click()
        page.wait_for_url(re.compile(r"/callbacks$"))
        assert "answers were recorded" in page.locator(".flash").inner_text()
        assert page.locator("table.queue tbody tr", has_text=complaint.reference).count() == 0
        assert errors == []

    session.expire_all()
    rating = session.scalars(select(Rating).where(Rating.case_id == complaint.id)).one()
    assert (rating.channel, rating.staff_id, rating.unit_id) == ("callback", handler.id, outlet.id)
    assert (rating.attitude, rating.skill, rating.timeliness, rating.promises, rating.score) == (5, 4, None, 3, 4)
    callback = session.scalars(select(Callback).where(Callback.case_id == complaint.id)).one()
    assert (callback.status, callback.staff_id, callback.rating_id) == ("done", desk.id, rating.id)
    case = session.get(Case, complaint.id)
    assert (case.status, case.first_responder_id, case.owner_id) == ("resolved", handler.id, handler.id)
    reply = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == complaint.id,
                                                          OutboundMessage.purpose == "reply")).one()
    assert reply.to == "+8613812345678" and "branch manager will call you" in text_of(app, reply)

"""The counter evaluator on a real tablet-sized browser: the counter system
prompts a transaction, the customer taps a face, the kiosk thanks them and
resets; the network drops, the taps wait on the tablet and go out once when
it is back, and a tap sent again is not counted twice."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from routing.models import CounterDevice, Rating
from support.browser import live_server, screenshot_dir
from support.kiosk import counter_evaluator

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 1280, "height": 800}



def ratings(session) -> list[tuple[str, int]]:
    session.rollback()  # a fresh read: SQLite would keep the snapshot of the last one
    return list(session.execute(select(Rating.external_id, Rating.score).order_by(Rating.id)))


def queue(page) -> list[dict]:
    return json.loads(page.evaluate("() => JSON.stringify(Object.keys(localStorage).filter(k => "
                                    "k.startsWith('kiosk-queue:')).flatMap(k => JSON.parse(localStorage[k])))"))


def queue_emptied(page):
    page.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('kiosk-queue:'))"
                           ".every(k => JSON.parse(localStorage[k]).length === 0)")


@pytest.mark.browser
def test_the_kiosk_rates_resets_and_keeps_its_taps_through_a_network_drop(app, make, session, clock, bank, api_as,
                                                                          browser):
    touchpoint, device = counter_evaluator(make, session, clock, bank)
    counter_system = api_as(bank.supervisor_a)
    app.config.update(KIOSK_POLL_SECONDS=1, KIOSK_RESET_SECONDS=1)

    def prompt(number):
        response = counter_system.post(f"/touchpoints/{touchpoint.id}/prompt", json={"transaction_no": number})
        assert response.status_code == 201, response.get_json()

    with live_server(app) as base_url:
        page = browser(locale="zh-CN", viewport=TABLET)
        blocked = []
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(f"{base_url}/kiosk/{device.secret}")
        kiosk = page.locator("#kiosk")
        expect(kiosk).to_have_attribute("data-state", "waiting")
        expect(page.get_by_text("欢迎光临")).to_be_visible()

        # The counter system asks; the faces come up with the transaction's number.
        prompt("BJ-20261102-0001")
        expect(kiosk).to_have_attribute("data-state", "ask")
        expect(page.locator(".kiosk-transaction-no")).to_have_text("BJ-20261102-0001")
        faces = page.locator(".kiosk-face")
        expect(faces).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
        page.screenshot(path=str(SCREENSHOTS / "kiosk-zh.png"))
        page.get_by_role("button", name="非常满意").click()
        expect(kiosk).to_have_attribute("data-state", "thanks")
        expect(page.get_by_text("感谢您的评价！")).to_be_visible()
        expect(kiosk).to_have_attribute("data-state", "waiting")  # reset by itself, ready for the next customer
        queue_emptied(page)
        assert [score for _id, score in ratings(session)] == [5]

        # The network drops after the next prompt reached the tablet: the tap waits on it.
        prompt("BJ-20261102-0002")
        expect(kiosk).to_have_attribute("data-state", "ask")
        page.context.set_offline(True)
        page.get_by_role("button", name="满意", exact=True).click()
        expect(kiosk).to_have_attribute("data-state", "waiting")
        expect(page.locator(".kiosk-offline")).to_be_visible()
        waiting = queue(page)
        assert [(tap["score"], tap["prompt_id"] > 0) for tap in waiting] == [(4, True)]
        prompt("BJ-20261102-0003")  # the counter system goes on; the tablet cannot hear it yet
        assert len(ratings(session)) == 1

        # Back online: the waiting tap goes out once, and the next prompt shows.
        page.context.set_offline(False)
        queue_emptied(page)
        expect(page.locator(".kiosk-offline")).to_be_hidden()
        expect(page.locator(".kiosk-transaction-no")).to_have_text("BJ-20261102-0003")
        expect(kiosk).to_have_attribute("data-state", "ask")
        page.get_by_role("button", name="非常不满意").click()
        expect(kiosk).to_have_attribute("data-state", "waiting")
        queue_emptied(page)

        # A tap whose answer was lost is sent again: it is recorded once.
        page.evaluate("tap => { const key = Object.keys(localStorage).find(k => k.startsWith('kiosk-queue:'));"
                      " localStorage[key] = JSON.stringify([tap]); }", waiting[0])
        queue_emptied(page)

        recorded = ratings(session)
        assert [score for _id, score in recorded] == [5, 4, 1]
        assert len({external_id for external_id, _score in recorded}) == 3
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Rating)) == 3
        assert session.get(CounterDevice, device.id).last_heartbeat_at is not None  # the page's own heartbeat
        assert not blocked, blocked

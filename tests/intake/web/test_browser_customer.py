"""A customer at the counter, on a real phone-sized browser: scan the QR code,
rate in one tap, add details, complain, and get a case number. Once in
Chinese and once in English; the screenshots go into the README."""
from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from intake.services.qr import qr_png
from routing.models import Case, Rating
from support.browser import live_server, screenshot_dir

SCREENSHOTS = screenshot_dir()



def scanned(png: bytes) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


@pytest.mark.browser
@pytest.mark.parametrize("locale,lang,html_lang", [("zh-CN", "zh", "zh-Hans"), ("en-US", "en", "en")])
def test_a_customer_scans_rates_in_one_tap_and_complains_on_a_phone(
        app, make, session, browser, tmp_path, locale, lang, html_lang):
    branch = make.unit(name="浦东支行 Pudong Branch", level="branch")
    outlet = make.unit(name="陆家嘴营业部 Lujiazui Outlet", parent=branch)
    make.unit(name="张江营业部 Zhangjiang Outlet", parent=branch)
    teller = make.staff("handler", unit=outlet, display_name="王丽 Wang Li")
    touchpoint = make.touchpoint(outlet, staff=teller, label="3号柜台 Counter 3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with live_server(app) as base_url:
        url = scanned(qr_png(app.config["PUBLIC_URL"] + "/q/" + touchpoint.token))
        assert url == f"{base_url}/q/{touchpoint.token}"
        page = browser(locale=locale)

        page.goto(url)
        assert page.locator("html").get_attribute("lang") == html_lang
        assert page.locator("button[name=score]").count() == 5
        page.screenshot(path=SCREENSHOTS / f"rating-{lang}.png", full_page=True)

        # Tap one: the rating is recorded at once.
        page.locator("button[name=score][value='2']").click()
        page.wait_for_url(re.compile(r"/q/[^/]+/r/\d+$"))
        assert page.locator(".saved").is_visible()

        # Tap two (optional): the four dimensions and a comment.
        for name, score in (("attitude", 2), ("skill", 3), ("timeliness", 1), ("promises", 3)):
            page.locator(f"label:has(input[name={name}][value='{score}'])").click()
        page.fill("textarea[name=comment]", "排队四十分钟 / forty minutes in the queue")
        page.screenshot(path=tmp_path / f"details-{lang}.png", full_page=True)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/thanks"))

        # "I want to complain": the form knows the counter.
        page.locator("a[href*='/complain']").first.click()
        page.wait_for_url(re.compile(r"/complain\?"))
        assert page.locator("select[name=unit]").input_value() == str(outlet.id)
        page.select_option("select[name=category]", "waiting_time")
        page.fill("textarea[name=description]", "等了四十分钟，只有一个窗口开放。 We waited 40 minutes; one window open.")
        page.fill("input[name=name]", "李娜 Li Na")
        page.fill("input[name=phone]", "138 0013 8000")
        page.fill("input[name=preferred_callback]", "工作日18点后 / weekdays after 18:00")
        page.check("input[name=consent]")
        page.screenshot(path=SCREENSHOTS / f"complaint-{lang}.png", full_page=True)
        page.locator("form button[type=submit].primary").click()  # not "send me a code"
        page.wait_for_url(re.compile(r"/complain/sent/"))
        reference = page.locator("#case-reference").inner_text().strip()
        tracking = page.locator("#tracking-link").get_attribute("href")
        page.screenshot(path=tmp_path / f"sent-{lang}.png", full_page=True)

        # The private link opens the case.
        page.goto(tracking)
        assert page.locator("h1.reference").inner_text().strip() == reference

    rating = session.scalars(select(Rating)).one()
    case = session.scalars(select(Case)).one()
    assert (rating.score, rating.attitude, rating.skill, rating.timeliness, rating.promises) == (2, 2, 3, 1, 3)
    assert rating.locale == ("zh_Hans_CN" if lang == "zh" else "en") and rating.case_id == case.id
    assert (case.reference, case.channel, case.unit_id, case.touchpoint_id) == (reference, "qr", outlet.id, touchpoint.id)
    assert case.contact_phone == "+8613800138000" and case.category == "waiting_time"
    assert tracking == f"{base_url}/track/{case.tracking_token}"


@pytest.mark.browser
def test_a_tap_posted_by_another_sites_page_is_refused_by_what_the_browser_says(app, make, session, browser):
    """The rating page carries no token (intake.same_origin): a real browser
    marks a form another page posts to the counter as cross-site."""
    touchpoint = make.touchpoint(make.unit(name="Lujiazui Outlet"))
    with live_server(app) as base_url:
        page = browser(locale="en")
        page.set_content(f'<form method="post" action="{base_url}/q/{touchpoint.token}">'
                         '<button name="score" value="1">Rate them down</button></form>')
        with page.expect_navigation():
            page.locator("button").click()
        assert "This was sent from another website" in page.content()
        assert session.scalars(select(Rating)).all() == []

        page.goto(f"{base_url}/q/{touchpoint.token}")  # the page itself: its tap counts
        page.locator("button[name=score][value='4']").click()
        page.wait_for_url(re.compile(r"/q/[^/]+/r/\d+$"))
    session.rollback()  # a new read, which sees the tap
    assert [rating.score for rating in session.scalars(select(Rating))] == [4]

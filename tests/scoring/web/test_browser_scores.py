"""A branch manager in a real browser: opens the dashboard, sees the ranking
of the outlets and the twelve-month trends with their targets, clicks a
number and lands on the ratings behind it. The screenshots go into the docs."""
from __future__ import annotations

import random
import re
from datetime import date

import pytest

from scoring.engine.periods import Period
from support.browser import live_server, screenshot_dir
from support.records import Records
from support.score_pages import person

SCREENSHOTS = screenshot_dir()
DESKTOP = {"width": 1280, "height": 900}
# How satisfied each outlet's customers were over the year (share of 4s and 5s).
OUTLETS = {
    "SH-EG": ("东门营业部 East Gate", 0.95),
    "SH-RS": ("滨江营业部 Riverside", 0.91),
    "SH-HR": ("山路营业部 Hill Road", 0.87),
    "SH-SS": ("站前营业部 Station Square", 0.83),
    "SH-OT": ("老城营业部 Old Town", 0.78),
}



def a_year_of_service(session, clock):
    """Twelve months of ratings, services and complaints with their deadlines
    for five outlets, and October's inspections and verdicts."""
    rec, rng = Records(session), random.Random(7)
    company = rec.unit("SH", level="company")
    company.name = "上海分行 Shanghai Branch"
    branch = rec.unit("SH-PD", company, "branch")
    branch.name = "浦东支行 Pudong Sub-branch"
    months = Period(2025, "month", 11), Period(2026, "month", 10)
    outlets = []
    for code, (name, satisfied) in OUTLETS.items():
        outlet = rec.unit(code, branch)
        outlet.name = name
        outlets.append(outlet)
        month = months[0]
        for step in range(12):
            drift = 0.03 * ((step % 5) - 2) / 2  # a little up and down through the year
            day = lambda d, h=10: f"{month.year}-{month.index:02d}-{d:02d} {h:02d}:{rng.randint(0, 59):02d}"  # noqa: E731
            for i in range(24):
                good = rng.random() < satisfied + drift
                rec.rating(outlet, day(1 + i, 9 + i % 8), rng.choice((4, 5)) if good else rng.choice((1, 2, 3)))
            for i in range(60):
                rec.service(outlet, day(1 + i % 27, 9 + i % 8), phone=f"+86138{rng.randint(0, 99999999):08d}")
            for i in range(rng.randint(0, 3) if satisfied > 0.9 else rng.randint(1, 4)):
                case = rec.case(outlet, day(3 + 7 * i, 11), phone=f"+86139{rng.randint(0, 99999999):08d}",
                                resolved=day(5 + 7 * i, 16))
                on_time = rng.random() < satisfied
                rec.deadline(case, "first_response", day(4 + 7 * i, 11), met=day(3 + 7 * i if on_time else 4 + 7 * i,
                                                                                 15 if on_time else 17))
                rec.deadline(case, "resolution", day(6 + 7 * i, 11), met=day(5 + 7 * i if on_time else 6 + 7 * i,
                                                                             16 if on_time else 18))
                if month == months[1]:  # judged, or an unjudged one would count as valid
                    rec.verdict(case, "valid" if satisfied < 0.9 else "invalid")
            month = month.next()
        rec.inspection(outlet, "on_site", "2026-10", problems=int((1 - satisfied) * 20) // 2,
                       held_on=date(2026, 10, 15))
    manager = person(session, clock, "zhou", "manager", branch, "周敏 Zhou Min")
    session.commit()
    return manager.username


@pytest.mark.browser
def test_a_manager_reads_the_ranking_and_trends_and_drills_down_to_the_ratings(app, session, clock, browser):
    username = a_year_of_service(session, clock)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(app) as base_url:
        for locale, lang in (("en-US", "en"), ("zh-CN", "zh_Hans_CN")):
            page = browser(locale=locale, viewport=DESKTOP)
            page.goto(f"{base_url}/login?lang={lang}")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/(cases|staff|scores|overview)"))
            page.goto(f"{base_url}/scores?lang={lang}")

            # The ranking: every outlet with a place, best first.
            rows = page.locator("#scorecards tbody tr")
            assert rows.count() == 5
            assert rows.first.get_attribute("data-subject") == "SH-EG"
            assert rows.first.locator(".place").inner_text() == "1"
            # The trends are drawn, with the three satisfaction targets of RULES 5.9.
            chart = page.locator("#trend-satisfaction_rate svg")
            assert chart.is_visible() and chart.locator("path.line").get_attribute("d").startswith("M")
            assert chart.locator("line.target").count() == 3
            assert chart.locator("circle.dot").count() == 12
            page.screenshot(path=SCREENSHOTS / f"scores-{lang[:2]}.png", full_page=True)

        # A number opens the ratings behind it.
        number = page.locator("#scorecards tbody tr").first.locator("a.value[href*='metric=satisfaction_rate']")
        shown = number.inner_text()
        number.click()
        page.wait_for_url(re.compile(r"/scores/drilldown\?"))
        assert page.locator("#drill-value").inner_text() == shown
        assert page.locator("#drilldown-rows tbody tr").count() == 24

        # So does a point on a trend: the ratings of that month.
        page.go_back()
        page.locator("#trend-complaint_rate circle.dot").last.click()
        page.wait_for_url(re.compile(r"metric=complaint_rate"))
        assert page.locator("#drilldown-rows tbody tr").count() >= 1

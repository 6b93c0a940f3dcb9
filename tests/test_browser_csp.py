"""Under the strict Content-Security-Policy every page renders in a real
browser with its styles and its script working, and the browser reports
no violation: the styles moved out of the templates into static files
apply, the bars and the unit tree are drawn without style attributes, the
countdown script still counts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.services.kiosk import enable_kiosk
from routing.models import Callback, Staff
from routing.services import lifecycle
from support.browser import live_server
from support.factories import PASSWORD
from support.score_pages import build_org, person

DESKTOP = {"width": 1280, "height": 860}
# Every violation the page reports, collected before any script of the page runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));
"""




@pytest.fixture
def world(session, clock, make):
    from routing.models import Unit
    from routing.services import policies

    policies.ensure_presets(session, clock.now())
    org = build_org(session, clock)
    o1 = session.get(Unit, org.o1.id)
    counter = make.unit("O1-C1", "Counter 1", level="counter", parent=o1)  # a third level in the tree
    admin = person(session, clock, "root", "admin", session.get(Unit, org.hq.id), "Admin")
    session.commit()
    case = make.case(unit=o1, contact_phone="+8613812345678", category="attitude",
                     description="First line.\nSecond line: kept as written.")
    bob = session.get(Staff, org.bob.id)
    session.get(Staff, org.ann.id).callback_desk = True  # ann calls back bob's case
    called_back = make.case(unit=o1, recorded_by=bob, contact_phone="+8613812345679", description="Rude.\nAnd slow.")
    lifecycle.resolve(session, called_back, bob, "Apologised.", clock.now())
    session.commit()
    callback = session.scalar(select(Callback.id).where(Callback.case_id == called_back.id))
    kiosk = enable_kiosk(session, make.touchpoint(o1, label="Counter 2"), clock.now())
    session.commit()
    return {"org": org, "admin": admin.username, "case": case.reference, "counter": counter.code,
            "touchpoint": make.touchpoint(o1).token, "callback": callback, "o1": org.o1.id,
            "kiosk": kiosk.secret}


def watched(browser):
    page = browser(locale="en-US", viewport=DESKTOP)
    console = []
    page.on("console", lambda m: console.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.add_init_script(WATCH_VIOLATIONS)
    return page, console


def log_in(page, base_url, username):
    page.goto(f"{base_url}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(cases|admin/)"))  # where each role lands


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"e => getComputedStyle(e).getPropertyValue('{prop}')")


# What shows that each page's own stylesheet applied: (selector, CSS property, value).
PAGES = {
    "/q/{touchpoint}": [(".faces", "display", "grid")],
    "/kiosk/{kiosk}": [(".kiosk-faces", "display", "grid"), ("#kiosk", "display", "flex")],
    "/complain?lang=en": [("main.page", "max-width", "1152px")],
    "/track": [("main.page", "max-width", "1152px")],
    "/login": [(".card.narrow", "max-width", "512px")],
}
STAFF_PAGES = {
    "/cases?tab=unit": [(".tabs", "display", "flex"), ("tr.over, tr.near, tr.ok, table.queue tr", "display", "table-row")],
    "/cases/{case}": [(".summary", "display", "grid"), ("p.pre-line", "white-space", "pre-line")],
    "/escalations": [(".tabs, h1", "display", None)],
    "/callbacks": [("table.queue", "display", "table")],
    "/callbacks/{callback}": [("p.pre-line", "white-space", "pre-line"), ("fieldset.levels", "border-top-width", "0px")],
    "/account/password": [(".card.narrow", "max-width", "512px")],
}
ADMIN_PAGES = {
    "/admin/units": [(".adminnav", "display", "flex"), (".tree-name .indent", "width", "22.4px")],
    "/admin/policies": [(".adminnav", "display", "flex")],
    "/admin/calendars": [(".adminnav", "display", "flex")],
    "/admin/staff": [(".actions", "display", "flex")],
    "/admin/tokens": [(".adminnav a[aria-current=page]", "color", "rgb(255, 255, 255)")],
    "/admin/touchpoints": [(".actions", "display", "flex")],
    "/low-ratings": [("h1", "display", "block")],
    "/scores/unit/{o1}?period=2026-10": [(".score-head", "display", "flex"), (".big-total", "font-weight", "800")],
    "/scores/drilldown?kind=unit&id={o1}&period=2026-10&metric=satisfaction_rate": [(".crumbs", "font-size", None)],
    "/scores/ledger": [(".tabs", "display", "flex")],
    "/scores?period=2026-10": [(".score-head", "display", "flex"), ("svg.bar rect.fill", "fill", "rgb(11, 92, 173)")],
    "/scores/report?period=2026-Q4": [(".score-head", "display", "flex"), ("td.bar-cell", "width", None),
                                      ("svg.bar rect.track", "fill", "rgb(230, 235, 241)")],
    "/scores/verdicts?period=2026-10": [("dd.regular", "font-weight", "400")],
    "/scores/inspections": [(".entry-grid", "display", "grid")],
}


def _close(value: str, expected: str) -> bool:
    """Lengths as the browser computes them (22.4px may come out as 22.3906px)."""
    numbers = [re.fullmatch(r"(-?[\d.]+)px", v) for v in (value, expected)]
    return all(numbers) and abs(float(numbers[0][1]) - float(numbers[1][1])) < 0.1


def visit(page, console, base_url, pages, values):
    problems = []
    for path, checks in pages.items():
        url = base_url + path.format(**values)
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        for selector, prop, expected in checks:
            assert page.locator(selector).count(), f"{path}: nothing matches {selector}"
            value = style(page, selector, prop)
            if expected is not None and value != expected and not _close(value, expected):
                problems.append(f"{path}: {selector} {prop} is {value!r}, not {expected!r}")
        violations = page.evaluate("window.__violations")
        problems += [f"{path}: {v}" for v in violations]
    problems += console
    return problems


@pytest.mark.browser
def test_every_page_renders_with_its_styles_and_scripts_and_no_policy_violation(app, world, browser):
    with live_server(app) as base_url:
        customer, console = watched(browser)
        problems = visit(customer, console, base_url, PAGES, world)

        handler, console = watched(browser)
        log_in(handler, base_url, "ann")
        handler.clock.install()
        problems += visit(handler, console, base_url, STAFF_PAGES, world)
        # The countdown script ran: it rewrites a deadline's words as time passes.
        handler.goto(f"{base_url}/cases/{world['case']}")
        countdown = handler.locator("[data-due]").first
        before = countdown.inner_text()
        handler.clock.fast_forward("03:00:00")
        assert countdown.inner_text() != before

        admin, console = watched(browser)
        log_in(admin, base_url, world["admin"])
        problems += visit(admin, console, base_url, ADMIN_PAGES, world)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_policy_refuses_an_inline_style_and_script_so_the_check_can_fail(app, browser):
    """The watch above sees a violation when there is one: a page with an
    inline style and script, served under the same headers, reports both."""
    @app.route("/inline-test")
    def inline_test():
        return '<!doctype html><style>body{color:red}</style><p style="color:red">x</p><script>1</script>'

    with live_server(app) as base_url:
        page, console = watched(browser)
        page.goto(base_url + "/inline-test")
        directives = {v.split(" ")[0] for v in page.evaluate("window.__violations")}
        assert {"style-src-elem", "style-src-attr", "script-src-elem"} <= directives
        assert style(page, "p", "color") != "rgb(255, 0, 0)"
        assert any("Content Security Policy" in line for line in console)

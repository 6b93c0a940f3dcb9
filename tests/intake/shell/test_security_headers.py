"""Every answer carries the browser's defences: a strict Content-Security-
Policy (no inline script or style, nothing from elsewhere, never in a
frame), X-Frame-Options, nosniff, a Referrer-Policy, and HSTS once the
public URL is https. The templates hold no inline script or style for the
policy to refuse (tests/test_browser_csp.py shows the pages in chromium)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.shell.security_headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def answers(app, client, make, login):
    """One answer of each kind: a customer page, a staff page, a redirect,
    a 404 page, an API problem, a JSON answer, a static file, a 500 page."""
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    unit = make.unit()
    touchpoint = make.touchpoint(unit)
    got = {"rating page": client.get(f"/q/{touchpoint.token}"), "redirect": client.get("/cases"),
           "404": client.get("/nope"), "api problem": client.get("/api/v1/units"),
           "health": client.get("/healthz"), "static": client.get("/static/app.css"),
           "500": client.get("/boom")}
    login(make.staff("admin", unit=unit))
    got["staff page"] = client.get("/admin/units")
    yield got
    for response in got.values():
        response.close()  # the static file's


def test_every_kind_of_answer_carries_the_headers(answers):
    for what, response in answers.items():
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, what
        assert headers["X-Frame-Options"] == "DENY", what
        assert headers["X-Content-Type-Options"] == "nosniff", what
        assert headers["Referrer-Policy"] == "same-origin", what
    assert answers["500"].status_code == 500 and answers["static"].status_code == 200


def test_the_policy_allows_only_this_sites_files_and_no_frame(app):
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("public_url, hsts", [("https://feedback.example.com", True), ("http://10.0.0.5:5000", False)])
def test_hsts_is_sent_when_the_public_url_is_https(app, client, public_url, hsts):
    app.config["PUBLIC_URL"] = public_url
    headers = client.get("/").headers
    assert ("Strict-Transport-Security" in headers) is hsts
    if hsts:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Served over https itself (a proxy that says so), it is sent whatever the public URL.
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


def test_a_page_with_a_private_link_keeps_its_stricter_referrer_policy(client, make):
    case = make.case(unit=make.unit(), contact_phone="+8613812345678")
    response = client.get(f"/track/{case.tracking_token}")
    assert response.headers["Referrer-Policy"] == "no-referrer"


INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=|javascript:", re.I)


def test_no_template_has_inline_script_or_style():
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if INLINE.search(line)]
    assert not found, "\n".join(found)

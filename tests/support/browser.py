"""Real-browser tests: a test app served on a free local port, and Debian's
chromium driven by Playwright (sync API).

Use from a test module (the `browser` fixture is the tests' conftest's):

    @pytest.mark.browser
    def test_something(app, browser):
        with live_server(app) as base_url:
            page = browser(locale="en")
            page.goto(base_url + "/")

Skips with a reason when chromium or Playwright is missing.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from support import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a background thread; yields the base URL.
    The app's PUBLIC_URL is pointed at it, so QR codes and links lead here."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    previous = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.config["PUBLIC_URL"] = previous


def playwright():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install playwright (the test extra)")
    return sync_playwright


def screenshot_dir():
    """Where the browser tests leave their screenshots: docs/screenshots when
    FEEDBACK_SCREENSHOTS=1 (to refresh the README's pictures), else a
    throwaway folder, so a test run leaves the work tree as it was."""
    import tempfile
    from pathlib import Path

    if os.environ.get("FEEDBACK_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    return Path(tempfile.mkdtemp(prefix="feedback-screenshots-"))

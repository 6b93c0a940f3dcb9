"""Which POSTs a tap may trust not to come from another site's page
(intake.same_origin.sent_from_this_site): the browser's Sec-Fetch-Site
first, else its Origin, and a request from no browser at all."""
from __future__ import annotations

import pytest

from intake.web.same_origin import origin_of, sent_from_this_site

HOST, PUBLIC_URL = "feedback.bank.example", "https://feedback.bank.example"


@pytest.mark.parametrize(("headers", "trusted"), [
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "none"}, True),  # typed or bookmarked
    ({"Sec-Fetch-Site": "same-site"}, False),  # a sibling subdomain is another site's page
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": ""}, False),
    # Sec-Fetch-Site cannot be set by a page, so it decides over Origin.
    ({"Sec-Fetch-Site": "cross-site", "Origin": PUBLIC_URL}, False),
    ({"Origin": PUBLIC_URL}, True),
    ({"Origin": "https://FEEDBACK.bank.example"}, True),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "https://feedback.bank.example.evil.example"}, False),
    ({"Origin": "https://feedback.bank.example:8443"}, False),  # another port is another origin
    ({"Origin": "null"}, False),  # a sandboxed frame or a data: page
    ({}, True),  # no browser: the address limit and the device check meet it
])
def test_a_post_is_trusted_by_what_the_browser_says_of_its_origin(headers, trusted):
    assert sent_from_this_site(headers, HOST, PUBLIC_URL) is trusted


def test_the_request_host_is_compared_whatever_the_scheme():
    """TLS may end at a proxy that does not say so: the app then sees http
    while the browser's Origin says https. The host still has to match."""
    assert sent_from_this_site({"Origin": "https://127.0.0.1:8000"}, "127.0.0.1:8000", "")
    assert sent_from_this_site({"Origin": "http://[::1]:8000"}, "[::1]:8000", "")
    assert not sent_from_this_site({"Origin": "http://[::1]:8001"}, "[::1]:8000", "")


def test_behind_a_proxy_the_public_url_names_the_site_with_its_scheme():
    """Without ProxyFix the app may see its own address, not the public one;
    then only the public origin itself is trusted, not its plain-HTTP twin."""
    assert sent_from_this_site({"Origin": PUBLIC_URL}, "127.0.0.1:8000", PUBLIC_URL)
    assert sent_from_this_site({"Origin": PUBLIC_URL}, "127.0.0.1:8000", "https://Feedback.Bank.example:443/")
    assert not sent_from_this_site({"Origin": "http://feedback.bank.example"}, "127.0.0.1:8000", PUBLIC_URL)
    assert not sent_from_this_site({"Origin": "https://evil.example"}, "127.0.0.1:8000", PUBLIC_URL)


def test_no_public_url_trusts_no_origin_that_names_no_host():
    assert not sent_from_this_site({"Origin": "null"}, HOST, "")
    assert not sent_from_this_site({"Origin": "null"}, HOST, "feedback.bank.example")  # no scheme: no host


@pytest.mark.parametrize(("url", "origin"), [
    ("https://Feedback.Bank.example:443/q/abc", "https://feedback.bank.example"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://[::1]:80/", "http://[::1]"),
    ("null", ""),
    ("", ""),
])
def test_an_origin_is_written_as_a_browser_writes_it(url, origin):
    assert origin_of(url) == origin

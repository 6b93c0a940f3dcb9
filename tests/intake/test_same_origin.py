"""Which POSTs a tap may trust not to come from another site's page
(intake.same_origin.sent_from_this_site): the browser's Sec-Fetch-Site
first, else its Origin, and a request from no browser at all."""
from __future__ import annotations

import pytest

from intake.same_origin import sent_from_this_site

HOST, PUBLIC_URL = "feedback.bank.example", "https://feedback.bank.example"


@pytest.mark.parametrize(("headers", "trusted"), [
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "none"}, True),  # typed or bookmarked
    ({"Sec-Fetch-Site": "same-site"}, False),  # a sibling subdomain is another site's page
    ({"Sec-Fetch-Site": "cross-site"}, False),
    # Sec-Fetch-Site cannot be set by a page, so it decides over Origin.
    ({"Sec-Fetch-Site": "cross-site", "Origin": PUBLIC_URL}, False),
    ({"Origin": PUBLIC_URL}, True),
    ({"Origin": "http://feedback.bank.example"}, True),  # TLS ended at a proxy: the host decides
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "https://feedback.bank.example.evil.example"}, False),
    ({"Origin": "null"}, False),  # a sandboxed frame or a data: page
    ({}, True),  # no browser: the address limit and the device check meet it
])
def test_a_post_is_trusted_by_what_the_browser_says_of_its_origin(headers, trusted):
    assert sent_from_this_site(headers, HOST, PUBLIC_URL) is trusted


def test_behind_a_proxy_the_public_url_names_the_site():
    """Without ProxyFix the app may see its own address, not the public one."""
    assert sent_from_this_site({"Origin": PUBLIC_URL}, "127.0.0.1:8000", PUBLIC_URL)
    assert not sent_from_this_site({"Origin": "https://evil.example"}, "127.0.0.1:8000", PUBLIC_URL)

"""Cross-site forgery refused by what the browser says about the request's
origin, for the rating tap, which has no token to carry.

A tap holds nothing but a score, so it needs no session: what must not
happen is another site making its visitors' browsers post ratings. Every
browser in use says where a POST comes from: `Sec-Fetch-Site` (which the
page cannot forge), else `Origin`. A request with neither comes from no
browser, and a script needs no victim's browser to post a rating; the
per-address limit and the device check meet it. This is the rule of Go's
`net/http.CrossOriginProtection` and OWASP's Fetch Metadata defence.

Forms that change a case or an account keep Flask-WTF's session-bound token.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, request
from flask_wtf.csrf import CSRFError

from routing.extensions import csrf

# "none": the person typed the address or followed a bookmark.
_OWN_SITE = frozenset({"same-origin", "none"})


def sent_from_this_site(headers, host: str, public_url: str) -> bool:
    """Whether a POST with these headers, served as host, may be trusted
    not to come from another site's page."""
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in _OWN_SITE
    origin = headers.get("Origin")
    if origin is None:
        return True
    # The public URL too: behind a proxy the request may name another host.
    return urlsplit(origin).netloc in {host, urlsplit(public_url).netloc} - {""}


def from_this_site(view):
    """The view, exempt from the token check, refusing POSTs from other
    sites with the same 400 page as a missing token."""

    @wraps(view)
    def checked(*args, **kwargs):
        if request.method == "POST" and not sent_from_this_site(
                request.headers, request.host, current_app.config["PUBLIC_URL"]):
            raise CSRFError("cross-site request")
        return view(*args, **kwargs)

    return csrf.exempt(checked)

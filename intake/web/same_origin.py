"""Cross-site forgery refused by what the browser says about the request's
origin, for the rating tap, which has no token to carry.

A tap holds nothing but a score, so it needs no session: what must not
happen is another site making its visitors' browsers post ratings. Browsers
say where a POST comes from: `Sec-Fetch-Site` (which no page can set; sent
to HTTPS sites and to localhost), else `Origin` (on every cross-origin POST
since 2019). A request with neither comes from no browser, and a script
needs no victim's browser to post a rating: the per-address limit and the
device check meet it. This is the rule of Go's `net/http.CrossOriginProtection`
and of OWASP's Fetch Metadata defence.

The check is always on, whatever WTF_CSRF_ENABLED says: it asks nothing of
a client that sends neither header (the test client, an integrator).
Forms that change a case or an account keep Flask-WTF's session-bound token.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from intake.errors import render_error
from routing.web.extensions import csrf

# "none": the person typed the address or followed a bookmark.
_OWN_SITE = frozenset({"same-origin", "none"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """scheme://host[:port] as a browser serialises it: lower case, no
    default port; "" when the URL names no host."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def sent_from_this_site(headers, host: str, public_url: str) -> bool:
    """Whether a POST with these headers, served as host, may be trusted
    not to come from another site's page."""
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in _OWN_SITE
    origin = headers.get("Origin")
    if origin is None:
        return True
    # The request's own host, whatever the scheme (TLS may end at a proxy
    # that does not say so); or the public URL's whole origin, since behind
    # a proxy the request may name another host.
    return urlsplit(origin).netloc.lower() == host.lower() or origin_of(origin) == origin_of(public_url) != ""


def from_this_site(view):
    """The view, exempt from the token check, refusing unsafe requests from
    other sites. Apply it under @bp.route: above it, the route would keep
    the unchecked view, exempt all the same."""

    @wraps(view)  # the exemption is by module and name
    def checked(*args, **kwargs):
        if request.method not in _SAFE_METHODS and not sent_from_this_site(
                request.headers, request.host, current_app.config["PUBLIC_URL"]):
            return render_error(400, _l("This was sent from another website, not from our page. Please scan "
                                        "the code at the counter again and tap there."), "cross_site")
        return view(*args, **kwargs)

    return csrf.exempt(checked)

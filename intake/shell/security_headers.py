"""The headers every answer carries so that a browser holds the pages to
what they are: no script, style or frame from elsewhere, no inline script
or style (the pages have none: styles and the countdown script are static
files), never inside another site's frame (one-click staff buttons could be
clickjacked), no guessing of content types, no full URLs leaked to other
sites, and https remembered once the site is public over it."""
from __future__ import annotations

from flask import current_app

from intake.web.session_cookie import served_over_https

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    # Other sites are not told which page a visitor came from; pages with a private
    # link say no-referrer even to this site.
    "Referrer-Policy": "same-origin",
}
STRICT_TRANSPORT = "max-age=31536000; includeSubDomains"  # a year


def add_security_headers(response):
    headers = response.headers
    for name, value in ALWAYS.items():
        if name not in headers:
            headers[name] = value
    if served_over_https(current_app):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT
    return response

"""The session cookie, signed as Flask signs it, with its signer built once;
Secure whenever the site is public over https."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface


def served_over_https(app) -> bool:
    """Whether browsers reach the site over https: its public URL says so (a
    proxy in front may speak plain http to the workers), or this request came so."""
    return app.config["PUBLIC_URL"].startswith("https://") or request.is_secure


class SessionCookie(SecureCookieSessionInterface):
    """Flask builds a new serializer (signer, hash, JSON tagger) for every
    request that opens or saves the session, though the keys it signs with
    stay the same while the app runs: one is kept per set of keys."""

    _serializer: tuple = (None, None)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]

    def get_cookie_secure(self, app) -> bool:
        # A copy of a staff session sent once over plain http could be replayed.
        return bool(app.config["SESSION_COOKIE_SECURE"]) or served_over_https(app)

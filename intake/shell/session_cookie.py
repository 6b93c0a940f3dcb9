"""The session cookie, signed as Flask signs it, with its signer built once."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


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

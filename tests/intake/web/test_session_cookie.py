"""intake.session_cookie: the session's signer is built once per set of
keys, and a cookie is trusted exactly as Flask trusts it: signed with the
key or one of its fallbacks."""
from __future__ import annotations

from flask import session


def read_lang(app, cookie: str) -> str | None:
    """What a request carrying this session cookie finds remembered."""
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        return session.get("lang")


def test_the_signer_is_built_once_and_anew_for_a_new_key(app):
    cookies = app.session_interface
    first = cookies.get_signing_serializer(app)
    assert cookies.get_signing_serializer(app) is first
    app.secret_key = "rotated"
    assert cookies.get_signing_serializer(app) is not first


def test_a_cookie_signed_with_a_retired_key_is_trusted_only_while_it_is_a_fallback(app):
    client = app.test_client()
    client.get("/?lang=en")  # remembered in the session
    old_cookie = client.get_cookie("session").value
    app.secret_key, old_key = "rotated", app.secret_key
    assert read_lang(app, old_cookie) is None
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert read_lang(app, old_cookie) == "en"


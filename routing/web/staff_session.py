"""Staff sessions that end.

The session cookie holds "<staff id>:<session version>" (Staff.get_id) and
when the person was last seen. A cookie is honoured only while its version
is the staff member's current one (logout, a new password and deactivation
raise it, ending every copy of every session of that person) and while the
person was seen within the idle time. Customers' sessions (their language)
never hold a staff id and are left alone.
"""
from __future__ import annotations

from flask import current_app, flash, session
from flask_babel import lazy_gettext as _l

from routing.models import Staff
from routing.web.glue import db_session, now

SEEN = "_seen"  # seconds since the epoch, on the app's clock
# The seen time is rewritten at most this often: not a new cookie on every click.
SEEN_RESOLUTION = 60
LOGIN_KEYS = ("_user_id", "_fresh", "_id", SEEN)

ENDED = _l("Your session has ended. Please log in again.")
IDLE = _l("You were logged out after %(minutes)s minutes without activity. Please log in again.")


def parse_session_id(value: str) -> tuple[int, int] | None:
    """(staff id, session version) from a cookie's user id, None if it is no such pair."""
    staff_id, sep, version = value.partition(":")
    if not (sep and staff_id.isascii() and staff_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    return int(staff_id), int(version)


def load_signed_in(user_id: str) -> Staff | None:
    """Flask-Login's user loader: the staff member this session belongs to,
    or None (the visitor is anonymous) once the session has ended."""
    parsed = parse_session_id(user_id)
    staff = db_session().get(Staff, parsed[0]) if parsed and parsed[0] < 2**31 else None
    if staff is None or not staff.active or staff.session_version != parsed[1]:
        return _forget(ENDED)
    idle = current_app.config["SESSION_IDLE_MINUTES"]
    seen, at = session.get(SEEN), int(now().timestamp())
    if idle and isinstance(seen, int) and at - seen > idle * 60:
        return _forget(IDLE, minutes=idle)
    if not isinstance(seen, int) or at - seen >= SEEN_RESOLUTION:
        session[SEEN] = at
    return staff


def mark_seen() -> None:
    """At login: the idle time starts now."""
    session[SEEN] = int(now().timestamp())


def _forget(message, **params) -> None:
    """The session's sign-in is dropped (its language choice stays) and the
    login page says why, in a language chosen without this person (the
    choice would ask for them again)."""
    for key in LOGIN_KEYS:
        session.pop(key, None)
    flash(message % params if params else str(message), "info")
    return None

"""Flask glue the packages share: the request's database session, the app's
clock and role checks. Rule modules never import this."""
from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, current_app, g, has_app_context
from flask_login import current_user, login_required
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter

from routing.rules import access

# Ids are 32-bit on PostgreSQL; a larger one would be a database error.
MAX_ID = 2**31 - 1


class RecordId(IntegerConverter):
    """<int:...> in every route: a number an id column can hold, so a huge
    one is a 404 (no such record) rather than an overflow in the database."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


def record_id(text: str) -> int:
    """A record's id from a query parameter, as request.args.get(..., type=record_id)
    reads it: a value no id column holds raises ValueError, so the parameter
    counts as absent."""
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(text)
    return value


def db_session() -> Session:
    """One session per request (or app context), closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].sessionmaker()
    return g.db_session


def watch_writes(sessions: sessionmaker) -> None:
    """Note in `g` when a session of the app commits a write, so an error
    page can say truthfully whether a submission was kept. Listens on the
    session factory once, not on each request's session."""
    @event.listens_for(sessions, "after_flush")
    def flushed(session, _context):
        session.info["wrote"] = True

    @event.listens_for(sessions, "do_orm_execute")
    def executed(state):
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["wrote"] = True

    @event.listens_for(sessions, "after_commit")
    def committed(session):
        if session.info.pop("wrote", False) and has_app_context():
            g.db_recorded = True

    @event.listens_for(sessions, "after_rollback")
    def rolled_back(session):
        session.info.pop("wrote", None)


def recorded_in_request() -> bool:
    """Whether this request has committed a write."""
    return g.get("db_recorded", False)


def close_db_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def now() -> datetime:
    return current_app.extensions["clock"].now()


def role_at_least(role: str) -> bool:
    """The signed-in staff member's role is `role` or a higher one (routing.rules.access)."""
    return current_user.is_authenticated and access.at_least(current_user.role, role)


def role_required(role: str):
    """Staff of this role or a higher one."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not role_at_least(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

"""Rarely edited rows kept parsed in memory across requests, as long as
their stamp in the database has not changed.

Every insert, update or delete of a watched row (time-limit policies,
working calendars and case rules under "rules"; units under "units") sets a
new random stamp in the same transaction (the mapper events beside the
tables, routing.models.CACHE_STAMPED), so another process sees at its next
transaction that its copy is stale: an admin's edit is seen at once, and
nothing is read or parsed again while the rows stay as they are. The stamps
are read once per transaction (one statement). A session that wrote watched
rows builds its own copy and shares nothing until it commits. Rows written
by raw SQL bypass the stamp: write them through the ORM, or call
`routing.models.touch_cache_stamp`.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from routing.models import CACHE_STAMPS_EDITED, CACHE_STAMPS_READ, CacheStamp

T = TypeVar("T")

# Per engine (a process may talk to several databases: tests, benches):
# (name, build) -> (stamp, value).
_shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached(session: Session, name: str, build: Callable[[Session], T]) -> T:
    """`build(session)`, or its copy built earlier under the same stamp of
    `name`. What `build` returns is shared: never change it."""
    current = stamp(session, name)  # first: its autoflush stamps pending writes
    if current is None:
        return build(session)
    engine = session.get_bind()
    copies = _shared.get(engine)
    if copies is None:
        copies = _shared[engine] = {}
    entry = copies.get((name, build))
    if entry is not None and entry[0] == current:
        return entry[1]
    value = build(session)
    copies[name, build] = (current, value)
    return value


def stamp(session: Session, name: str) -> int | None:
    """The current stamp of `name`, for a copy kept elsewhere; None when no
    copy may be kept (no stamp row, or this transaction wrote the rows)."""
    value = _stamps(session).get(name)
    return None if name in session.info.get(CACHE_STAMPS_EDITED, ()) else value


def _stamps(session: Session) -> dict[str, int]:
    stamps = session.info.get(CACHE_STAMPS_READ)
    if stamps is None:
        stamps = session.info[CACHE_STAMPS_READ] = dict(
            session.execute(select(CacheStamp.name, CacheStamp.stamp)).all())
    return stamps


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Stamps are read again in the next transaction."""
    session.info.pop(CACHE_STAMPS_READ, None)
    session.info.pop(CACHE_STAMPS_EDITED, None)

"""Test data in a few words: an organisation, staff, touchpoints, cases."""
from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import bindparam, create_engine, insert, text
from werkzeug.security import generate_password_hash

from intake.models import Touchpoint
from routing.foundation.db import Base, Database, DriverStatement
from routing.models import Rating
from routing.services.cases import NewCase, open_case
from routing.services.org import create_staff, create_unit

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """PASSWORD hashed once: scrypt for every person of every test would take seconds."""
    return generate_password_hash(PASSWORD)

_seq = itertools.count(1)


def empty_postgres(url: str) -> None:
    """Every table emptied, the schema kept: a clean PostgreSQL for the next test."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


# A rating of unit, score and time, run straight on the driver as the QR tap's is.
ADD_RATING = DriverStatement(insert(Rating.__table__).values(
    channel="qr", unit_id=bindparam("unit"), score=bindparam("score"), created_at=bindparam("now"),
    suspect=False).returning(Rating.__table__.c.id))


@contextmanager
def database_with_an_outlet(url: str, **engine_kwargs) -> Iterator[Database]:
    """A Database on the test's backend, its schema in place (on PostgreSQL
    the session's, emptied for each test), holding one outlet, OUT-1."""
    db = Database(url, **engine_kwargs)
    if not db.is_postgres:
        db.create_all()
    with db.sessionmaker() as session:
        create_unit(session, "OUT-1", "Riverside outlet")
        session.commit()
    try:
        yield db
    finally:
        db.dispose()


class Factory:
    def __init__(self, session, clock):
        self.session = session
        self.clock = clock

    def unit(self, code=None, name=None, level="outlet", parent=None, area="urban"):
        code = code or f"U{next(_seq)}"
        unit = create_unit(self.session, code, name or f"Outlet {code}", level=level, parent=parent, area=area)
        self.session.commit()
        return unit

    def staff(self, role="handler", unit=None, username=None, **kwargs):
        username = username or f"{role}{next(_seq)}"
        staff = create_staff(self.session, username, role, self.clock.now(), unit=unit, **kwargs)
        staff.password_hash = password_hash()  # PASSWORD, hashed once for the whole run
        self.session.commit()
        return staff

    def touchpoint(self, unit, staff=None, label="Counter 1"):
        touchpoint = Touchpoint(unit_id=unit.id, staff_id=staff.id if staff else None, label=label,
                                token=secrets.token_urlsafe(16), active=True, created_at=self.clock.now())
        self.session.add(touchpoint)
        self.session.commit()
        return touchpoint

    def case(self, unit=None, recorded_by=None, **fields):
        fields.setdefault("channel", "web")
        fields.setdefault("description", "The teller was rude.")
        case = open_case(self.session, NewCase(unit_id=unit.id if unit else None, **fields),
                         self.clock.now(), recorded_by=recorded_by)
        self.session.commit()
        return case

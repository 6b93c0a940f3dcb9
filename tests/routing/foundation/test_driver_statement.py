"""routing.db.write_on_driver: the QR tap's one statement, compiled once and
run on the driver, stores what SQLAlchemy would store and leaves nothing
behind when it fails, on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select

from routing.foundation import writer_queue
from routing.foundation.db import Database, DriverStatement, read_transaction, write_on_driver
from routing.models import Rating, Unit
from support.factories import ADD_RATING, database_with_an_outlet

RATINGS = Rating.__table__.c
# Not UTC on purpose: the column's type must turn it into UTC, as the ORM does.
AT_NOON_IN_SHANGHAI = datetime(2026, 11, 22, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def db(database_url, monkeypatch):
    monkeypatch.setattr(writer_queue, "BUSY_TIMEOUT_SECONDS", 2)  # a turn never given back fails fast
    with database_with_an_outlet(database_url, pool_size=1, max_overflow=0) as db:  # one connection for all
        yield db


def unit_id(db: Database) -> int:
    with db.sessionmaker() as session, read_transaction(session):
        return session.scalars(select(Unit.id)).one()


def stored(db: Database) -> list[tuple[int, int, datetime]]:
    with db.sessionmaker() as session, read_transaction(session):
        return [tuple(row) for row in session.execute(select(RATINGS.id, RATINGS.score, RATINGS.created_at))]


def test_a_row_written_on_the_driver_is_stored_as_sqlalchemy_would_store_it(db):
    (rating_id,) = write_on_driver(db.engine, ADD_RATING, {"unit": unit_id(db), "score": 4,
                                                           "now": AT_NOON_IN_SHANGHAI})
    assert stored(db) == [(rating_id, 4, AT_NOON_IN_SHANGHAI)]
    # Found by time in SQL, as the repeat-device rule looks: stored as 04:00 UTC.
    with db.sessionmaker() as session, read_transaction(session):
        found = session.scalars(select(RATINGS.id).where(RATINGS.created_at == AT_NOON_IN_SHANGHAI)).all()
        earlier = session.scalars(select(RATINGS.id).where(
            RATINGS.created_at < AT_NOON_IN_SHANGHAI + timedelta(microseconds=1))).all()
    assert found == earlier == [rating_id]


def test_a_write_after_a_read_on_the_same_connection_is_allowed(db):
    stored(db)  # leaves the pooled connection refusing writes, on SQLite
    write_on_driver(db.engine, ADD_RATING, {"unit": unit_id(db), "score": 5, "now": AT_NOON_IN_SHANGHAI})
    assert [score for _, score, _ in stored(db)] == [5]


def test_a_refused_write_leaves_nothing_and_the_next_one_goes_through(db):
    with pytest.raises(Exception, match="(?i)check") as refused:  # the driver's own error: score is 1 to 5
        write_on_driver(db.engine, ADD_RATING, {"unit": unit_id(db), "score": 9, "now": AT_NOON_IN_SHANGHAI})
    assert refused.value and db.engine.pool.checkedout() == 0  # given back at once, not when collected
    assert stored(db) == []
    write_on_driver(db.engine, ADD_RATING, {"unit": unit_id(db), "score": 3, "now": AT_NOON_IN_SHANGHAI})
    assert [score for _, score, _ in stored(db)] == [3]


def test_a_statement_that_needs_sqlalchemy_when_it_runs_is_refused(db):
    # `suspect` left out: its default is filled in by SQLAlchemy, not by the database.
    no_default = DriverStatement(insert(Rating.__table__).values(
        channel="qr", unit_id=bindparam("unit"), score=bindparam("score"), created_at=bindparam("now")))
    with pytest.raises(ValueError, match="SQLAlchemy at execution time"):
        write_on_driver(db.engine, no_default, {"unit": unit_id(db), "score": 4, "now": AT_NOON_IN_SHANGHAI})
    assert stored(db) == []

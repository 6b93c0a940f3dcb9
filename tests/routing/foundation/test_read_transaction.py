"""routing.db.read_transaction: a request looks things up without taking
SQLite's single write lock, and a write slipped into a read fails at once,
on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from routing.foundation import writer_queue
from routing.foundation.db import Database, read_transaction
from routing.models import Unit
from routing.services.org import create_unit
from support.factories import database_with_an_outlet


@pytest.fixture
def db(database_url):
    with database_with_an_outlet(database_url) as db:
        yield db


def units(db: Database) -> list[str]:
    with db.sessionmaker() as session, read_transaction(session):
        return list(session.scalars(select(Unit.code).order_by(Unit.code)))


def test_what_was_read_stays_usable_and_the_next_transaction_may_write(db):
    with db.sessionmaker() as session:
        with read_transaction(session):
            unit = session.scalars(select(Unit)).one()
        assert not session.in_transaction()
        assert unit.name == "Riverside outlet"  # not expired by the end of the read
        unit.name = "Riverside branch office"
        session.commit()  # the same pooled connection, writable again
    assert units(db) == ["OUT-1"]
    with db.sessionmaker() as session:
        assert session.scalars(select(Unit.name)).one() == "Riverside branch office"


def test_a_write_inside_a_read_fails_and_leaves_nothing(db):
    with db.sessionmaker() as session:
        with pytest.raises(DBAPIError, match="(?i)read-?only"):
            with read_transaction(session):
                create_unit(session, "OUT-2", "Written by mistake")
                session.flush()
        assert not session.in_transaction()
    assert units(db) == ["OUT-1"]


def test_inside_a_transaction_already_begun_it_reads_in_that_one(db):
    with db.sessionmaker() as session:
        create_unit(session, "OUT-2", "Hillside outlet")
        session.flush()
        with read_transaction(session):
            assert session.scalar(select(func.count(Unit.id))) == 2  # sees its own write
        assert session.in_transaction()  # not ended by the read
        session.rollback()
    assert units(db) == ["OUT-1"]


def test_on_sqlite_a_read_neither_takes_nor_waits_for_the_write_lock(db, monkeypatch):
    if db.is_postgres:
        pytest.skip("SQLite's single write lock only")
    monkeypatch.setattr(writer_queue, "BUSY_TIMEOUT_SECONDS", 0.1)  # the writers' turn, too, fails fast
    quick = Database(db.url, connect_args={"timeout": 0.1})  # fail fast instead of waiting
    try:
        with db.sessionmaker() as reader, read_transaction(reader):
            assert reader.scalar(select(func.count(Unit.id))) == 1
            with quick.sessionmaker() as writer:  # BEGIN IMMEDIATE while the read is open
                create_unit(writer, "OUT-2", "Hillside outlet")
                writer.commit()
        with quick.sessionmaker() as writer:
            create_unit(writer, "OUT-3", "Lakeside outlet")
            writer.flush()  # holds the write lock
            assert units(db) == ["OUT-1", "OUT-2"]  # read meanwhile, without waiting
            writer.commit()
    finally:
        quick.dispose()

"""Database foundation: the declarative base, engines and sessions.

Flask-free on purpose: the CLI, the worker and the benchmarks use it as they
are; the web app keeps one session per request (see routing.web).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from functools import partial

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from routing.foundation.writer_queue import BUSY_TIMEOUT_SECONDS, QueuedConnection

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database.

    SQLite stores no time zone: without this a value read back would be
    naive and compare wrongly with the clock's aware `now`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Execution option of a read transaction on SQLite (see read_transaction);
# PostgreSQL has its own.
READ_ONLY = "feedback_read_only"
_READ_ONLY_OPTIONS = {READ_ONLY: True, "postgresql_readonly": True}


def make_engine(url: str, immediate: bool = True, **kwargs) -> Engine:
    """`immediate` (SQLite): every transaction takes the write lock at BEGIN,
    so concurrent writers wait their turn (in a file's own database, in
    routing.writer_queue) instead of failing when a read transaction tries
    to become a write one. Read-only tools may turn it off; a request keeps
    it and marks its reads with read_transaction."""
    if url.startswith("sqlite"):
        connect_args = {"timeout": BUSY_TIMEOUT_SECONDS}  # SQLite's busy timeout; a caller may set its own
        if _is_file(url):
            connect_args["factory"] = QueuedConnection
        kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", partial(_sqlite_begin, immediate=immediate))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_begin(conn: Connection, *, immediate: bool) -> None:
    _begin_on_driver(conn.connection, read_only=bool(conn.get_execution_options().get(READ_ONLY)),
                     immediate=immediate)


def _begin_on_driver(pooled: PoolProxiedConnection, *, read_only: bool, immediate: bool) -> None:
    """A read transaction is a plain BEGIN on a connection that refuses
    writes (PRAGMA query_only): a write slipped into it fails at once, every
    time, instead of now and then under load with SQLITE_BUSY_SNAPSHOT."""
    # Straight to the driver: every transaction runs this, and BEGIN needs
    # none of SQLAlchemy's statement machinery.
    driver = pooled.driver_connection
    if pooled.info.get(READ_ONLY, False) != read_only:  # info lives as long as the DBAPI connection
        driver.execute(f"PRAGMA query_only = {int(read_only)}")
        pooled.info[READ_ONLY] = read_only
    if not immediate or read_only:
        driver.execute("BEGIN")
    elif isinstance(driver, QueuedConnection):
        driver.begin_write()
    else:
        driver.execute("BEGIN IMMEDIATE")


def _is_file(url: str) -> bool:
    """A database in a file of its own name: not in memory, not a URI."""
    parsed = make_url(url)
    return parsed.database not in (None, "", ":memory:") and not parsed.query.get("uri")


@contextmanager
def read_transaction(session: Session) -> Iterator[Session]:
    """A transaction for reading only, ended with the block.

    On SQLite it takes no write lock, so a request that looks things up and
    then writes holds the database's single write lock only while it writes
    (its next transaction, BEGIN IMMEDIATE as always). Writing inside the
    block fails on both databases ("attempt to write a readonly database",
    "read-only transaction"). Objects loaded in it stay usable: the sessions
    of Database do not expire on commit. In a session that is already in a
    transaction the block just reads in that one.
    """
    if session.in_transaction():
        yield session
        return
    session.connection(execution_options=_READ_ONLY_OPTIONS)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()  # nothing to write: ends the read, keeps the objects


def insert_of(bind: Session | Connection, table):
    """The INSERT of the bind's database, the one that says ON CONFLICT
    (PostgreSQL, SQLite >= 3.35)."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    return (pg_insert if dialect.name == "postgresql" else sqlite_insert)(table)


def insert_new(bind: Session | Connection, table, key: list[str]):
    """INSERT ... ON CONFLICT (key) DO NOTHING: a row whose key is taken is
    left out by the key's unique index, without the error that would end the
    caller's transaction; a key held by a transaction still open is waited
    for (PostgreSQL) and left out if that one commits."""
    return insert_of(bind, table).on_conflict_do_nothing(index_elements=key)


class DriverStatement:
    """A Core statement compiled once per dialect and run on the driver's
    own cursor, its values bound through the column types' processors. For
    the hottest write alone (a QR tap), where SQLAlchemy's work on each
    execution costs more than the database's. Only plain statements: every
    column given, no Python-side defaults, no expanding IN parameters."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: dict[tuple[str, str], tuple] = {}

    def bound(self, dialect: Dialect, values: Mapping) -> tuple[str, Mapping | list]:
        """The SQL and its parameters, in the driver's parameter style."""
        key = (dialect.name, dialect.driver)
        if key not in self._compiled:
            compiled = self.statement.compile(dialect=dialect)
            if (compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params
                    or compiled.literal_execute_params or compiled.escaped_bind_names):
                raise ValueError("a statement that needs SQLAlchemy at execution time")
            processors = {name: process for bind, name in compiled.bind_names.items()
                          if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))}
            self._compiled[key] = compiled, processors
        compiled, processors = self._compiled[key]
        params = compiled.construct_params(values)
        for name, process in processors.items():
            params[name] = process(params[name])
        if compiled.positional:
            return compiled.string, [params[name] for name in compiled.positiontup]
        return compiled.string, params


def write_on_driver(engine: Engine, statement: DriverStatement, values: Mapping) -> tuple | None:
    """Run one write statement in a transaction of its own, committed, and
    return its first row (from RETURNING). On SQLite it begins as every
    write does, in its turn and with the write lock taken at BEGIN."""
    sql, parameters = statement.bound(engine.dialect, values)  # before the write lock is taken
    pooled = engine.raw_connection()
    try:
        with closing(pooled.driver_connection.cursor()) as cursor:
            if engine.dialect.name == "sqlite":
                _begin_on_driver(pooled, read_only=False, immediate=True)
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
        pooled.commit()
        return row
    finally:
        pooled.close()  # back to the pool, which rolls back what was not committed


def _sqlite_pragmas(dbapi_connection, _record):
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_outage(error: BaseException) -> bool:
    """Whether an error says the database cannot be reached or cannot write
    now (refused or lost connection, full disk, read-only, locked too long,
    no connection free), rather than that a statement or a value was wrong."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class Database:
    """An engine and its session factory: one per app or process."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def create_all(self) -> None:
        """Every table registered on Base.metadata (the app factory registers all)."""
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


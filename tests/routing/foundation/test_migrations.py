"""`feedback db upgrade` builds exactly the schema the models describe."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from intake.shell.schema import metadata, upgrade
from routing.foundation.db import make_engine

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")


def schema_differences(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    assert schema_differences(url) == []
    upgrade(url)  # running it again is harmless


@pytest.mark.skipif(not POSTGRES_URL, reason="FEEDBACK_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
def test_migrations_build_the_models_schema_on_postgres():
    name = f"feedback_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        assert schema_differences(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_messages_an_earlier_version_left_in_sending_are_asked_about_after_the_upgrade(tmp_path):
    """Before leases, a crash left messages in "sending" for good; the
    upgrade makes them unconfirmed, so the next tick asks the provider."""
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url, "5b1e0c7a9d42")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO outbound_message (transport, \"to\", body, purpose, status, attempts, not_before, created_at) "
            "VALUES ('sms', '+8613812345678', 'Hello', 'survey', 'sending', 1, '2026-11-02 01:00:00.000000', "
            "'2026-11-02 01:00:00.000000')"))
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, lease_owner, lease_until, attempted_at, possibly_doubled "
                                "FROM outbound_message")).one()
    engine.dispose()
    assert tuple(row) == ("unconfirmed", None, "2026-11-02 01:00:00.000000", "2026-11-02 01:00:00.000000", 0)

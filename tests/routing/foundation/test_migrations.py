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

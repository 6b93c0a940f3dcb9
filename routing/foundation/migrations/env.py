"""Alembic environment: the URL comes from `feedback db upgrade` (the app's
FEEDBACK_DATABASE_URL), the tables from the metadata its caller hands in
(routing.foundation.migrate)."""
from alembic import context

from routing.foundation.db import make_engine

config = context.config
target_metadata = config.attributes["target_metadata"]


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # SQLite changes a table by building a new one and dropping the old, which
    # live foreign keys would refuse (or follow) while rows point at it:
    # SQLite's own advice is to switch them off for the change and check them
    # all before it is committed.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `feedback db upgrade`")
run_migrations()

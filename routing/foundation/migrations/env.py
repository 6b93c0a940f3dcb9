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
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `feedback db upgrade`")
run_migrations()

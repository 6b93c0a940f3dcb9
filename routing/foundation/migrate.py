"""Schema migrations with Alembic, configured in code so an installed wheel
needs no alembic.ini. The caller hands in the metadata of every package's
tables (the app factory's schema), so routing need not know the others."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData


def alembic_config(url: str, metadata: MetaData) -> Config:
    config = Config()
    config.set_main_option("script_location", "routing.foundation:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["target_metadata"] = metadata
    return config


def upgrade(url: str, metadata: MetaData, revision: str = "head") -> None:
    command.upgrade(alembic_config(url, metadata), revision)


def revision(url: str, metadata: MetaData, message: str) -> None:
    command.revision(alembic_config(url, metadata), message=message, autogenerate=True)

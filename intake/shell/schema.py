"""The whole schema: every package's tables on one metadata. Only the
application shell knows every package, so migrations and tests ask it."""
from __future__ import annotations

from sqlalchemy import MetaData

import intake.models  # noqa: F401  (each import registers its package's tables)
import routing.models  # noqa: F401
import scoring.models  # noqa: F401
from routing.foundation import migrate
from routing.foundation.db import Base

metadata: MetaData = Base.metadata


def upgrade(url: str, revision: str = "head") -> None:
    """`feedback db upgrade`: apply every migration up to `revision`."""
    migrate.upgrade(url, metadata, revision)


def new_revision(url: str, message: str) -> None:
    """`feedback db revision`: write a migration from the models' changes."""
    migrate.revision(url, metadata, message)

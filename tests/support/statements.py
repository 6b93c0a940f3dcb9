"""The SQL a piece of work sends, for tests that say what is read and what is not."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session


def statements_during(session: Session, run: Callable[[], object]) -> list[str]:
    statements: list[str] = []
    engine = session.get_bind()

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return statements


def reading(statements: list[str], *tables: str) -> list[str]:
    """The statements that read any of these tables."""
    return [s for s in statements if any(f"FROM {t}" in s or f"JOIN {t}" in s for t in tables)]

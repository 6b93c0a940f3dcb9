"""Keyset paging: a list answers {"items": [...], "next_cursor": ...}; pass
cursor=<next_cursor> for the next page until it is null. Pages run on id,
oldest first, so a new row never shifts a page."""
from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import Field
from sqlalchemy import Select

from intake.api.schemas import Answer, Cursor, Query, Whole
from routing.web.glue import db_session

DEFAULT_LIMIT, MAX_LIMIT = 50, 200

Item = TypeVar("Item", bound=Answer)


class Paged(Query):
    """The query of a list; a list's own filters extend it."""

    limit: Annotated[Whole(1, MAX_LIMIT) | None,
                     Field(description=f"Items per page, at most {MAX_LIMIT}; {DEFAULT_LIMIT} if not given.")] = None
    cursor: Annotated[Cursor | None, Field(description="The next_cursor of the previous page.")] = None


class Page(Answer, Generic[Item]):
    items: list[Item]
    next_cursor: Annotated[str | None, Field(description="Pass as cursor for the next page; null on the last.")]

    @classmethod
    def model_parametrized_name(cls, params: tuple[type, ...]) -> str:
        return f"{params[0].__name__}Page"


def page(stmt: Select, id_column, query: Paged) -> dict:
    """One page of stmt's rows, for a Page[...] answer."""
    limit = query.limit or DEFAULT_LIMIT
    if query.cursor is not None:
        stmt = stmt.where(id_column > query.cursor)
    rows = db_session().scalars(stmt.order_by(id_column).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": str(rows[-1].id) if more else None}

"""Counting recorded rows: one GROUP BY per data source (ratings, services,
cases, callbacks) covering every subject and every period asked for; rows
are counted in the database, never loaded into Python. Periods are calendar
periods of the organisation's time zone (scoring.engine.periods); several
periods become one CASE bucket over the timestamp, so a twelve-month trend is
still one query per source.

Units roll up their tree: a branch counts what its outlets recorded. The tree
is small, so its closure (unit -> each ancestor) is computed once in Python and
joined as a VALUES table to the per-unit sums, one query for every unit.

Attribution: a rating, service or case counts in the period of its own time
(rating created, service occurred, case received); a complaint's verdict
counts in the period the complaint was received. A case counts for staff
scorecards against its first responder and its owner (once if the same).
Suspect ratings (RULES 1: likely ballot stuffing) are kept but not counted.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, column, exists, func, or_, select, text, union
from sqlalchemy.orm import Session, aliased

from routing.models import Callback, Case, Deadline, Rating, ServiceEvent, Unit
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.engine.tallies import DIMENSIONS, SATISFIED_AT_LEAST, SOURCE_TALLIES
from scoring.models import ComplaintVerdict


class MetricError(ValueError):
    """A metric or subject kind that does not exist."""

# --------------------------------------------------------------------------- periods as buckets


@dataclass(frozen=True)
class Buckets:
    """Periods (in order, not overlapping) as SQL: a range filter and the
    index of the period each timestamp falls in. `within`: only these spans
    of them are counted (the days a roll-up holds, or those it does not)."""
    periods: tuple[Period, ...]
    bounds: tuple[tuple[datetime, datetime], ...]
    within: tuple[tuple[datetime, datetime], ...] | None = None

    @classmethod
    def of(cls, periods: Iterable[Period], tz: str = DEFAULT_TIMEZONE) -> Buckets:
        ordered = tuple(sorted(set(periods), key=lambda p: p.bounds(tz)[0]))
        if not ordered:
            raise MetricError("no period given")
        bounds = tuple(p.bounds(tz) for p in ordered)
        if any(bounds[i][1] > bounds[i + 1][0] for i in range(len(bounds) - 1)):
            raise MetricError("periods overlap")
        return cls(ordered, bounds)

    @property
    def single(self) -> bool:
        return len(self.periods) == 1

    def where(self, column):
        return or_(*(and_(column >= start, column < end) for start, end in joined(self.bounds if self.within is None else self.within)))

    def index(self, column):
        """Which period a timestamp is in (only meaningful inside where())."""
        return case(*((column < end, i) for i, (_start, end) in enumerate(self.bounds[:-1])),
                    else_=len(self.bounds) - 1)


def joined(spans: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Ordered spans with the adjacent ones made one: a year of months is one range to the database."""
    out: list[tuple[Any, Any]] = []
    for start, end in spans:
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


# --------------------------------------------------------------------------- the unit tree


def unit_closure(session: Session, unit_ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """(unit, ancestor) pairs, each unit its own ancestor too; only ancestors in
    `unit_ids` when given. The tree is read once: it is small."""
    parents = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    wanted = None if unit_ids is None else set(unit_ids)
    pairs = []
    for unit in parents:
        ancestor, seen = unit, set()
        while ancestor is not None and ancestor not in seen:  # a cycle in bad data must not hang
            seen.add(ancestor)
            if wanted is None or ancestor in wanted:
                pairs.append((unit, ancestor))
            ancestor = parents.get(ancestor)
    return pairs


def _closure_table(pairs: Sequence[tuple[int, int]]):
    """The pairs as a VALUES table. Written out as integers: bound parameters
    would exceed the drivers' limits on a large tree, and SQLAlchemy's own
    literal rendering of thousands of rows costs more than the query."""
    rows = ", ".join(f"({int(unit)}, {int(ancestor)})" for unit, ancestor in pairs) or "(-1, -1)"
    # Both SQLite and PostgreSQL name the columns of a VALUES list column1, column2.
    return (text(f"SELECT column1 AS unit_id, column2 AS ancestor_id FROM (VALUES {rows}) AS closure_pairs")
            .columns(column("unit_id", Integer), column("ancestor_id", Integer)).cte("unit_closure"))


# --------------------------------------------------------------------------- per-source tallies


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _rating_tallies(rating) -> dict[str, Any]:
    tallies = {
        "rated": func.count(),
        "satisfied": _count_if(rating.c.score >= SATISFIED_AT_LEAST),
        "score_sum": func.sum(rating.c.score),
        **{f"score_{n}": _count_if(rating.c.score == n) for n in range(1, 6)},
    }
    for dim in DIMENSIONS:
        tallies[f"{dim}_sum"] = func.sum(rating.c[dim])
        tallies[f"{dim}_n"] = func.count(rating.c[dim])
    return tallies


def _case_tallies(case_table) -> dict[str, Any]:
    c = case_table.c
    verdict = select(ComplaintVerdict.verdict).where(
        ComplaintVerdict.case_id == c.id, ComplaintVerdict.superseded_at.is_(None)).scalar_subquery()
    # A customer who rejects the outcome gets a follow-up case (RULES 4).
    later = aliased(Case)
    reopened = exists().where(later.reopened_from_id == c.id)
    earlier = aliased(Case)
    repeat = and_(c.kind == "complaint", c.contact_phone.is_not(None), exists().where(
        earlier.contact_phone == c.contact_phone, earlier.kind == "complaint", earlier.created_at < c.created_at))
    resolved = or_(c.resolved_at.is_not(None), c.status.in_(("resolved", "closed")))

    def has(target: str | None, *conditions):
        where = [Deadline.case_id == c.id, *conditions]
        if target is not None:
            where.append(Deadline.target == target)
        return exists().where(*where)

    on_time = and_(Deadline.met_at.is_not(None), Deadline.met_at <= Deadline.due_at)
    return {
        "cases": func.count(),
        "complaints": _count_if(c.kind == "complaint"),
        "valid_complaints": _count_if(and_(c.kind == "complaint", verdict.in_(("valid", "major")))),
        "major_complaints": _count_if(and_(c.kind == "complaint", verdict == "major")),
        "resolved": _count_if(resolved),
        "reopened": _count_if(and_(resolved, reopened)),
        "repeat_complaints": _count_if(repeat),
        "first_response_due": _count_if(has("first_response")),
        "first_response_on_time": _count_if(has("first_response", on_time)),
        "resolution_due": _count_if(has("resolution")),
        "resolution_on_time": _count_if(has("resolution", on_time)),
        "overdue": _count_if(has(None, Deadline.breached_at.is_not(None))),
    }


@dataclass(frozen=True)
class Source:
    """Rows to count: what to select from, their time, unit and staff, extra
    filters, and the tallies to compute."""
    from_: Any
    time: Any
    unit: Any
    staff: Any  # None: cases, counted for first responder and owner
    tallies: Mapping[str, Any]
    where: tuple = ()


def sources(names: Iterable[str]) -> list[Source]:
    """The sources to query, each computing only the tallies in `names`."""
    names = set(names)
    rating, service, case_table = Rating.__table__, ServiceEvent.__table__, Case.__table__
    callback = Callback.__table__
    built = {
        "ratings": lambda: Source(rating, rating.c.created_at, rating.c.unit_id, rating.c.staff_id,
                                   _rating_tallies(rating), (rating.c.suspect.is_(False),)),
        "services": lambda: Source(service, service.c.occurred_at, service.c.unit_id, service.c.staff_id,
                                    {"services": func.count()}),
        "cases": lambda: Source(case_table, case_table.c.created_at, case_table.c.unit_id, None,
                                 _case_tallies(case_table)),
        # A callback is due in the period its window opens; it counts for the
        # unit assigned to make it (else the case's unit) and for whoever made
        # it (else the case's owner).
        "callbacks": lambda: Source(
            callback.join(case_table, case_table.c.id == callback.c.case_id), callback.c.due_start,
            func.coalesce(callback.c.assigned_unit_id, case_table.c.unit_id),
            func.coalesce(callback.c.staff_id, case_table.c.owner_id),
            {"callbacks_due": func.count(), "callbacks_done": _count_if(callback.c.status == "done"),
             "callbacks_missed": _count_if(callback.c.status == "missed")}),
    }
    out = []
    for source, tallies_ in SOURCE_TALLIES.items():
        wanted = names.intersection(tallies_)
        if wanted:
            full = built[source]()
            out.append(dataclasses.replace(full, tallies={k: v for k, v in full.tallies.items() if k in wanted}))
    return out


def _case_staff_pairs(buckets: Buckets):
    """(case id, staff id): each case once for its first responder and once for
    its owner, if another person."""
    c = Case.__table__.c
    window = buckets.where(c.created_at)
    return union(
        select(c.id.label("case_id"), c.first_responder_id.label("staff_id"))
        .where(window, c.first_responder_id.is_not(None)),
        select(c.id.label("case_id"), c.owner_id.label("staff_id")).where(window, c.owner_id.is_not(None)),
    ).subquery("case_staff")


def grouped(session: Session, source: Source, buckets: Buckets, subject_kind: str,
             subject_ids: Sequence[int] | None, closure: Sequence[tuple[int, int]] | None,
             ) -> dict[tuple[int, int], dict[str, int]]:
    """One query: the source's tallies by (subject id, period index)."""
    from_ = source.from_
    if subject_kind == "unit":
        subject = source.unit
    elif source.staff is not None:
        subject = source.staff
    else:
        pairs = _case_staff_pairs(buckets)
        from_ = pairs.join(Case.__table__, Case.__table__.c.id == pairs.c.case_id)
        subject = pairs.c.staff_id

    keys = [subject.label("subject_id")] + ([] if buckets.single else [buckets.index(source.time).label("bucket")])
    where = [buckets.where(source.time), *source.where]
    if closure is not None:
        if subject_ids is not None and len(closure) <= 1000:
            where.append(subject.in_(sorted({u for u, _a in closure})))
        closure = _closure_table(closure)
    elif subject_ids is not None:
        where.append(subject.in_(list(subject_ids)))
    names = list(source.tallies)
    own = (select(*keys, *(expr.label(n) for n, expr in source.tallies.items()))
           .select_from(from_).where(*where).group_by(*keys))
    if closure is not None:
        own = own.subquery("own")
        bucket = [] if buckets.single else [own.c.bucket]
        stmt = (select(closure.c.ancestor_id, *bucket, *(func.sum(own.c[n]).label(n) for n in names))
                .select_from(own.join(closure, closure.c.unit_id == own.c.subject_id))
                .group_by(closure.c.ancestor_id, *bucket))
    else:
        stmt = own
    result = {}
    for row in session.execute(stmt):
        index = 0 if buckets.single else row[1]
        values_ = row[1 if buckets.single else 2:]
        result[(row[0], int(index))] = {n: int(v or 0) for n, v in zip(names, values_)}
    return result


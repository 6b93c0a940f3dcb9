"""The metrics of RULES 6 and the hotline three rates, as SQL aggregates.

Every number comes from one GROUP BY per data source (ratings, services,
cases, callbacks) covering every subject and every period asked for: rows are
counted in the database, never loaded into Python. Periods are calendar
periods of the organisation's time zone (scoring.periods); several periods
become one CASE bucket over the timestamp, so a twelve-month trend is still
one query per source.

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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    column,
    exists,
    func,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, aliased

from routing.models import Callback, Case, Deadline, Rating, ServiceEvent, Staff, Unit
from routing.rules.privacy import mask_phone
from routing.services.org import subtree_ids
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.models import ComplaintVerdict

SATISFIED_AT_LEAST = 4  # a rating of 4 or 5 counts as satisfied
DIMENSIONS = ("attitude", "skill", "timeliness", "promises")  # RULES 4

METRICS = (
    "satisfaction_rate", "mean_score", "mean_attitude", "mean_skill", "mean_timeliness", "mean_promises",
    "ratings", "services", "evaluation_rate", "complaints", "valid_complaints", "major_complaints",
    "complaint_rate", "on_time_first_response", "on_time_resolution", "overdue", "callbacks_due",
    "callbacks_done", "callback_completion", "callbacks_missed", "reopen_rate", "repeat_complaint_rate",
    "response_rate", "resolution_rate",
)
# Fractions (0.93), shown as percentages; complaint_rate is per 1,000 services.
RATES = {
    "satisfaction_rate", "evaluation_rate", "on_time_first_response", "on_time_resolution",
    "callback_completion", "reopen_rate", "repeat_complaint_rate", "response_rate", "resolution_rate",
}
SUBJECT_KINDS = ("unit", "staff")

# The counts and sums each source yields, by name ("tallies").
SOURCE_TALLIES: dict[str, tuple[str, ...]] = {
    "ratings": ("rated", "satisfied", "score_sum", *(f"score_{n}" for n in range(1, 6)),
                *(f"{d}_{part}" for d in DIMENSIONS for part in ("sum", "n"))),
    "services": ("services",),
    "cases": ("cases", "complaints", "valid_complaints", "major_complaints", "resolved", "reopened",
              "repeat_complaints", "first_response_due", "first_response_on_time", "resolution_due",
              "resolution_on_time", "overdue"),
    "callbacks": ("callbacks_due", "callbacks_done", "callbacks_missed"),
}
TALLY_SOURCE = {tally: source for source, names in SOURCE_TALLIES.items() for tally in names}


def _count(name: str):
    return (name,), lambda g: g(name, 0)


def _rate(part: str, whole: str, per: int = 1):
    return (part, whole), lambda g: _ratio(g(part, 0), g(whole), per)


# Each metric: the tallies it needs and how it follows from them.
FORMULAS = {
    "satisfaction_rate": _rate("satisfied", "rated"),
    "mean_score": _rate("score_sum", "rated"),
    **{f"mean_{d}": _rate(f"{d}_sum", f"{d}_n") for d in DIMENSIONS},
    "ratings": _count("rated"),
    "services": _count("services"),
    "evaluation_rate": _rate("rated", "services"),
    "complaints": _count("complaints"),
    # valid ones include the major ones: a major complaint is a valid one that did serious harm
    "valid_complaints": _count("valid_complaints"),
    "major_complaints": _count("major_complaints"),
    "complaint_rate": _rate("complaints", "services", per=1000),
    "on_time_first_response": _rate("first_response_on_time", "first_response_due"),
    "on_time_resolution": _rate("resolution_on_time", "resolution_due"),
    "overdue": _count("overdue"),
    "callbacks_due": _count("callbacks_due"),
    "callbacks_done": _count("callbacks_done"),
    "callback_completion": _rate("callbacks_done", "callbacks_due"),
    "callbacks_missed": _count("callbacks_missed"),
    "reopen_rate": _rate("reopened", "resolved"),
    "repeat_complaint_rate": _rate("repeat_complaints", "complaints"),
    # the hotline's three rates: of every case received
    "response_rate": _rate("first_response_on_time", "cases"),
    "resolution_rate": _rate("resolved", "cases"),
}
# Which data sources each metric is computed from.
METRIC_SOURCES: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(TALLY_SOURCE[t] for t in needs)) for name, (needs, _f) in FORMULAS.items()
}


class MetricError(ValueError):
    """A metric or subject kind that does not exist."""

# --------------------------------------------------------------------------- periods as buckets


@dataclass(frozen=True)
class Buckets:
    """Periods (in order, not overlapping) as SQL: a range filter and the
    index of the period each timestamp falls in."""
    periods: tuple[Period, ...]
    bounds: tuple[tuple[datetime, datetime], ...]

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
        return or_(*(and_(column >= start, column < end) for start, end in self.bounds))

    def index(self, column):
        """Which period a timestamp is in (only meaningful inside where())."""
        return case(*((column < end, i) for i, (_start, end) in enumerate(self.bounds[:-1])),
                    else_=len(self.bounds) - 1)


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
class _Source:
    """Rows to count: what to select from, their time, unit and staff, extra
    filters, and the tallies to compute."""
    from_: Any
    time: Any
    unit: Any
    staff: Any  # None: cases, counted for first responder and owner
    tallies: Mapping[str, Any]
    where: tuple = ()


def _sources(names: Iterable[str]) -> list[_Source]:
    """The sources to query, each computing only the tallies in `names`."""
    names = set(names)
    rating, service, case_table = Rating.__table__, ServiceEvent.__table__, Case.__table__
    callback = Callback.__table__
    built = {
        "ratings": lambda: _Source(rating, rating.c.created_at, rating.c.unit_id, rating.c.staff_id,
                                   _rating_tallies(rating), (rating.c.suspect.is_(False),)),
        "services": lambda: _Source(service, service.c.occurred_at, service.c.unit_id, service.c.staff_id,
                                    {"services": func.count()}),
        "cases": lambda: _Source(case_table, case_table.c.created_at, case_table.c.unit_id, None,
                                 _case_tallies(case_table)),
        # A callback is due in the period its window opens; it counts for the
        # unit assigned to make it (else the case's unit) and for whoever made
        # it (else the case's owner).
        "callbacks": lambda: _Source(
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


def _grouped(session: Session, source: _Source, buckets: Buckets, subject_kind: str,
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


def tallies(session: Session, periods: Iterable[Period], tz: str = DEFAULT_TIMEZONE, *,
            subject_kind: str = "unit", subject_ids: Sequence[int] | None = None, rollup: bool = True,
            names: Iterable[str] | None = None) -> dict[tuple[int, Period], dict[str, int]]:
    """Raw counts and sums by (subject id, period): the input of metrics and
    scorecards (e.g. the survey's answers per band: score_1..score_5).
    `names`: the tallies wanted (see SOURCE_TALLIES; None: all of them)."""
    if subject_kind not in SUBJECT_KINDS:
        raise MetricError(f"subject kind must be one of {SUBJECT_KINDS}")
    buckets = Buckets.of(periods, tz)
    closure = unit_closure(session, subject_ids) if subject_kind == "unit" and rollup else None
    merged: dict[tuple[int, Period], dict[str, int]] = defaultdict(dict)
    for source in _sources(TALLY_SOURCE if names is None else names):
        for (subject_id, index), counts in _grouped(session, source, buckets, subject_kind, subject_ids,
                                                    closure).items():
            merged[(subject_id, buckets.periods[index])].update(counts)
    return dict(merged)


# --------------------------------------------------------------------------- metrics from tallies


def _ratio(part: int | None, whole: int | None, per: int = 1) -> Decimal | None:
    if part is None or not whole:
        return None
    return Decimal(part) * per / Decimal(whole)


def metrics_from(t: Mapping[str, int], metric_names: Iterable[str] | None = None) -> dict[str, Decimal | int | None]:
    """Every metric name, computed from one subject's tallies for those asked
    (None: all); None where there is nothing to measure or it was not asked."""
    wanted = set(METRICS if metric_names is None else metric_names)
    return {name: FORMULAS[name][1](t.get) if name in wanted else None for name in METRICS}


def tallies_for(metric_names: Iterable[str] | None) -> set[str]:
    """The tallies the metrics need."""
    names = METRICS if metric_names is None else list(metric_names)
    unknown = [n for n in names if n not in FORMULAS]
    if unknown:
        raise MetricError(f"unknown metric {unknown[0]!r}")
    return {tally for name in names for tally in FORMULAS[name][0]}


def _all_ids(session: Session, subject_kind: str) -> list[int]:
    model = Unit if subject_kind == "unit" else Staff
    return list(session.scalars(select(model.id).order_by(model.id)))


def _by_subject(session: Session, subject_kind: str, period: Period, tz: str, ids: Sequence[int] | None,
                rollup: bool, metric_names: Iterable[str] | None):
    metric_names = None if metric_names is None else list(metric_names)
    names = tallies_for(metric_names)
    counted = tallies(session, [period], tz, subject_kind=subject_kind, subject_ids=ids, rollup=rollup, names=names)
    ids = list(ids) if ids is not None else _all_ids(session, subject_kind)
    return {i: metrics_from(counted.get((i, period), {}), metric_names) for i in ids}


def unit_metrics(session: Session, period: Period, tz: str = DEFAULT_TIMEZONE, unit_ids: Sequence[int] | None = None,
                 rollup: bool = True, *, metrics: Iterable[str] | None = None) -> dict[int, dict]:
    """Every metric of each unit (all units when unit_ids is None) for one
    period; with rollup a unit counts everything recorded below it too."""
    return _by_subject(session, "unit", period, tz, unit_ids, rollup, metrics)


def staff_metrics(session: Session, period: Period, tz: str = DEFAULT_TIMEZONE,
                  staff_ids: Sequence[int] | None = None, *, metrics: Iterable[str] | None = None) -> dict[int, dict]:
    return _by_subject(session, "staff", period, tz, staff_ids, False, metrics)


def monthly_series(session: Session, subject_kind: str, subject_id: int, months: Sequence[Period],
                   tz: str = DEFAULT_TIMEZONE, *, metrics: Iterable[str] | None = None) -> list[dict]:
    """The metrics of one subject for each of `months` (e.g. the last twelve),
    oldest first, each with its "period" label: one grouped query per source.
    `metrics`: only those (the others None), counting only the tallies they
    need and reading only their sources (None: all)."""
    metric_names = None if metrics is None else list(metrics)
    counted = tallies(session, months, tz, subject_kind=subject_kind, subject_ids=[subject_id],
                      names=None if metric_names is None else tallies_for(metric_names))
    ordered = sorted(months, key=lambda p: p.bounds(tz)[0])
    return [{"period": m.label, **metrics_from(counted.get((subject_id, m), {}), metric_names)} for m in ordered]


def last_months(period: Period, count: int = 12) -> list[Period]:
    """The `count` months up to the end of `period`, oldest first."""
    month = period.months()[-1]
    out = [month]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


# --------------------------------------------------------------------------- drill-down


def _subject_filter(session: Session, subject_kind: str, subject_id: int, unit_column, staff_columns):
    if subject_kind == "unit":

        return unit_column.in_(subtree_ids(session, subject_id))
    return or_(*(col == subject_id for col in staff_columns))


def drilldown(session: Session, subject_kind: str, subject_id: int, period: Period, metric: str,
              tz: str = DEFAULT_TIMEZONE, limit: int = 200) -> list[dict]:
    """The ratings, services, cases or callbacks behind one number, newest
    first. Phone numbers are always masked: scores need no one's number."""
    if metric not in METRIC_SOURCES:
        raise MetricError(f"unknown metric {metric!r}")
    if subject_kind not in SUBJECT_KINDS:
        raise MetricError(f"subject kind must be one of {SUBJECT_KINDS}")
    start, end = period.bounds(tz)
    source = METRIC_SOURCES[metric][0]
    if source == "ratings":
        return _rating_rows(session, subject_kind, subject_id, start, end, metric, limit)
    if source == "services":
        return _service_rows(session, subject_kind, subject_id, start, end, limit)
    if source == "cases":
        return _case_rows(session, subject_kind, subject_id, start, end, metric, limit)
    return _callback_rows(session, subject_kind, subject_id, start, end, metric, limit)


def _rating_rows(session, subject_kind, subject_id, start, end, metric, limit):
    stmt = (select(Rating, Unit.code, Staff.username).join(Unit, Unit.id == Rating.unit_id)
            .outerjoin(Staff, Staff.id == Rating.staff_id)
            .where(Rating.created_at >= start, Rating.created_at < end, Rating.suspect.is_(False),
                   _subject_filter(session, subject_kind, subject_id, Rating.unit_id, [Rating.staff_id])))
    dimension = metric.removeprefix("mean_")
    if dimension in DIMENSIONS:
        stmt = stmt.where(getattr(Rating, dimension).is_not(None))
    rows = session.execute(stmt.order_by(Rating.created_at.desc(), Rating.id.desc()).limit(limit)).all()
    return [{"type": "rating", "id": r.id, "at": r.created_at, "unit": code, "staff": username,
             "channel": r.channel, "score": r.score, "satisfied": r.score >= SATISFIED_AT_LEAST,
             **{d: getattr(r, d) for d in DIMENSIONS}, "comment": r.comment, "case_id": r.case_id}
            for r, code, username in rows]


def _service_rows(session, subject_kind, subject_id, start, end, limit):
    stmt = (select(ServiceEvent, Unit.code, Staff.username).join(Unit, Unit.id == ServiceEvent.unit_id)
            .outerjoin(Staff, Staff.id == ServiceEvent.staff_id)
            .where(ServiceEvent.occurred_at >= start, ServiceEvent.occurred_at < end,
                   _subject_filter(session, subject_kind, subject_id, ServiceEvent.unit_id, [ServiceEvent.staff_id]))
            .order_by(ServiceEvent.occurred_at.desc(), ServiceEvent.id.desc()).limit(limit))
    return [{"type": "service", "id": s.id, "at": s.occurred_at, "unit": code, "staff": username,
             "service_type": s.service_type, "external_id": s.external_id,
             "customer_phone": mask_phone(s.customer_phone) if s.customer_phone else None}
            for s, code, username in session.execute(stmt).all()]


def _case_rows(session, subject_kind, subject_id, start, end, metric, limit):
    verdict = (select(ComplaintVerdict.verdict)
               .where(ComplaintVerdict.case_id == Case.id, ComplaintVerdict.superseded_at.is_(None))
               .scalar_subquery())
    stmt = (select(Case, Unit.code, verdict.label("verdict")).outerjoin(Unit, Unit.id == Case.unit_id)
            .where(Case.created_at >= start, Case.created_at < end,
                   _subject_filter(session, subject_kind, subject_id, Case.unit_id,
                                   [Case.first_responder_id, Case.owner_id])))
    if metric in ("complaints", "complaint_rate", "repeat_complaint_rate"):
        stmt = stmt.where(Case.kind == "complaint")
    elif metric == "valid_complaints":
        stmt = stmt.where(Case.kind == "complaint", verdict.in_(("valid", "major")))
    elif metric == "major_complaints":
        stmt = stmt.where(Case.kind == "complaint", verdict == "major")
    elif metric == "overdue":
        stmt = stmt.where(exists().where(Deadline.case_id == Case.id, Deadline.breached_at.is_not(None)))
    elif metric in ("on_time_first_response", "on_time_resolution"):
        target = "first_response" if metric == "on_time_first_response" else "resolution"
        stmt = stmt.where(exists().where(Deadline.case_id == Case.id, Deadline.target == target))
    rows = session.execute(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)).all()
    return [{"type": "case", "id": c.id, "reference": c.reference, "at": c.created_at, "unit": code,
             "kind": c.kind, "category": c.category, "severity": c.severity, "status": c.status,
             "verdict": v, "resolved_at": c.resolved_at, "reopened_from_id": c.reopened_from_id,
             "contact_phone": mask_phone(c.contact_phone) if c.contact_phone else None}
            for c, code, v in rows]


def _callback_rows(session, subject_kind, subject_id, start, end, metric, limit):
    unit = func.coalesce(Callback.assigned_unit_id, Case.unit_id)
    staff = func.coalesce(Callback.staff_id, Case.owner_id)
    stmt = (select(Callback, Case.reference).join(Case, Case.id == Callback.case_id)
            .where(Callback.due_start >= start, Callback.due_start < end,
                   _subject_filter(session, subject_kind, subject_id, unit, [staff])))
    if metric == "callbacks_done":
        stmt = stmt.where(Callback.status == "done")
    elif metric == "callbacks_missed":
        stmt = stmt.where(Callback.status == "missed")
    rows = session.execute(stmt.order_by(Callback.due_start.desc(), Callback.id.desc()).limit(limit)).all()
    return [{"type": "callback", "id": cb.id, "at": cb.due_start, "reference": reference, "status": cb.status,
             "attempts": cb.attempts, "outcome_at": cb.outcome_at} for cb, reference in rows]

"""The metrics of RULES 6 and the hotline three rates, from tallies: the
counts and sums of recorded rows (scoring.services.counting), read from the
daily roll-ups for the days they hold and counted from the rows for the
rest (scoring.services.daily_tallies); and the rows behind any number
(drill-down).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from routing.models import Callback, Case, Deadline, Rating, ServiceEvent, Staff, Unit
from routing.rules.privacy import mask_phone
from routing.services.org import subtree_ids
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.engine.tallies import DIMENSIONS, SATISFIED_AT_LEAST, SUBJECT_KINDS, TALLY_SOURCE
from scoring.models import ComplaintVerdict
from scoring.services import daily_tallies
from scoring.services.counting import Buckets, MetricError, grouped, sources, unit_closure
from scoring.services.kept import Kept, settled_keys

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



# The tallies of settled periods for subjects named (scoring.services.kept):
# trends, key figures, a scheme's subjects.
_kept: Kept[dict[int, dict[str, int]]] = Kept(budget=20_000)  # subjects' tallies, about 40 MB at most


def tallies(session: Session, periods: Iterable[Period], tz: str = DEFAULT_TIMEZONE, *,
            subject_kind: str = "unit", subject_ids: Sequence[int] | None = None, rollup: bool = True,
            names: Iterable[str] | None = None) -> dict[tuple[int, Period], dict[str, int]]:
    """Raw counts and sums by (subject id, period): the input of metrics and
    scorecards (e.g. the survey's answers per band: score_1..score_5).
    `names`: the tallies wanted (see SOURCE_TALLIES; None: all of them).
    What is returned may be shared: never change it."""
    if subject_kind not in SUBJECT_KINDS:
        raise MetricError(f"subject kind must be one of {SUBJECT_KINDS}")
    periods = Buckets.of(periods, tz).periods
    names = frozenset(TALLY_SOURCE if names is None else names)
    ids = None if subject_ids is None else tuple(sorted(set(subject_ids)))
    keys = (settled_keys(session, {p: p.bounds(tz) for p in periods}, tz, subject_kind, ids, rollup, names)
            if ids is not None else dict.fromkeys(periods))
    by_period = {p: _kept.get(keys[p]) for p in periods}
    missing = [p for p in periods if by_period[p] is None]
    if missing:
        by_period.update(_count(session, Buckets.of(missing, tz), tz, subject_kind, ids, rollup, names))
        for period in missing:
            _kept.put(keys[period], by_period[period])
    return {(subject_id, p): counts for p in periods for subject_id, counts in by_period[p].items()}


def _count(session: Session, buckets: Buckets, tz: str, subject_kind: str, subject_ids: Sequence[int] | None,
           rollup: bool, names: frozenset[str]) -> dict[Period, dict[int, dict[str, int]]]:
    """Each period's tallies by subject: days with a current roll-up read
    from it, the others counted from the rows."""
    closure = unit_closure(session, subject_ids) if subject_kind == "unit" and rollup else None
    rolled, raw = daily_tallies.split(session, buckets, tz)
    parts = [(daily_tallies.source(subject_kind, tz, names), rolled)] if rolled else []
    if raw is not None:
        parts += [(source, raw) for source in sources(names)]
    out: dict[Period, dict[int, dict[str, int]]] = {p: defaultdict(dict) for p in buckets.periods}
    for source, part in parts:
        for (subject_id, index), counts in grouped(session, source, part, subject_kind, subject_ids,
                                                   closure).items():
            into = out[buckets.periods[index]][subject_id]
            for name, value in counts.items():
                into[name] = into.get(name, 0) + value
    return {p: dict(subjects) for p, subjects in out.items()}


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

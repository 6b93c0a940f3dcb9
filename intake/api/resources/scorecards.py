"""Scores over the JSON API: GET /api/v1/scorecards and /api/v1/metrics.

Scores are confidential (RULES 7): a token sees what its staff member may
see (scoring.services.sight: a handler their own scores, a manager their
unit tree, executives everything), and every answer is audited.
"""
from __future__ import annotations

from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field, StringConstraints
from sqlalchemy import select

from intake.api.operations import operation
from intake.api.schemas import Answer, Query, UnitCode, choice, says
from intake.api.scope import api_staff, find_unit
from routing.models import Staff
from routing.services.org import subtree_ids
from routing.web.glue import db_session, now
from scoring.engine.periods import Period
from scoring.engine.scheme import available_schemes, load_scheme
from scoring.reports.exports import metric_value, scorecard_dict
from scoring.services import sight
from scoring.services.metrics import METRICS, staff_metrics, unit_metrics
from scoring.services.scorecards import places, scorecards, subjects

SubjectKind = choice(("unit", "staff"))


class Line(Answer):
    component: str
    points: float
    reason: str
    ref: str | None
    explanation: Annotated[str, Field(description='In English, e.g. "complaints: valid complaint '
                                                  'C-2026-000123: -6".')]


class Component(Answer):
    id: str
    present: bool
    score: float | None
    weight: float | None


class Scorecard(Answer):
    """One subject's score under a scheme for a period; the breakdown lines add up to the total."""

    subject: Annotated[str, Field(description="The unit's code or the staff member's username.")]
    name: str
    place: int | None
    scheme: str
    period: str
    total: float | None
    grade: str | None
    money: Annotated[float, Field(description="Yuan: reward positive, penalty negative.")]
    not_rated: bool
    not_rated_reason: str | None
    flags: list[str]
    components: list[Component]
    breakdown: list[Line]
    money_breakdown: list[Line]


class Scorecards(Answer):
    """Every visible subject's scorecard, best first (not rated last)."""

    scheme: str
    title: str
    period: str
    subject_kind: SubjectKind
    items: list[Scorecard]


MetricValues = Annotated[dict[choice(METRICS), float | None], Field(
    description="Rates are fractions (0.93); complaint_rate is per 1,000 services.")]


class SubjectMetrics(Answer):
    """The metrics of one unit (with everything below it) or one staff member."""

    id: int
    subject: str
    name: str
    metrics: MetricValues


class Metrics(Answer):
    """Metrics of every visible subject for a period."""

    period: str
    subject_kind: SubjectKind
    items: list[SubjectMetrics]


# A month, quarter, half-year or year from 1900 to 2999.
PERIOD = r"^(19|2[0-9])[0-9]{2}(-(0[1-9]|1[0-2]|[Qq][1-4]|[Hh][12]))?$"
PeriodLabel = Annotated[str, StringConstraints(pattern=PERIOD),
                        says(_l("not a period such as 2026-10, 2026-Q3, 2026-H2 or 2026")),
                        AfterValidator(Period.parse)]


class MetricsQuery(Query):
    period: Annotated[PeriodLabel, Field(description="A month, quarter, half-year or year.",
                                         examples=["2026-10", "2026-Q3"])]
    subject: Annotated[SubjectKind | None, Field(description="unit if not given.")] = None
    unit: Annotated[UnitCode | None, Field(description="A unit's code: that unit and the units below it "
                                                       "(or, for staff, the people in them).")] = None


class ScorecardsQuery(MetricsQuery):
    scheme: choice(tuple(available_schemes()))


def _scope(query: MetricsQuery) -> tuple[str, list[int] | None]:
    """The kind of subject asked for, and the ids of those the token may see
    narrowed to ?unit= (None: all)."""
    subject_kind = query.subject or "unit"
    return subject_kind, _visible(query, subject_kind)


def _visible(query: MetricsQuery, subject_kind: str) -> list[int] | None:
    session = db_session()
    units, people = sight.visible_subjects(session, api_staff())
    visible = units if subject_kind == "unit" else people
    if query.unit is None:
        return visible
    tree = subtree_ids(session, find_unit(session, query.unit).id)
    wanted = tree if subject_kind == "unit" else list(session.scalars(select(Staff.id).where(Staff.unit_id.in_(tree))))
    return sight.only_visible(wanted, visible)


def _audit(what: str, query: MetricsQuery, subject_kind: str) -> None:
    """Every answer about scores is audited (RULES 7)."""
    sight.audit(db_session(), api_staff(), "view", f"api {what} {query.period.label} {subject_kind} "
                f"{query.unit or 'all'}", now())


@operation("GET", "/scorecards", summary="Scorecards of a scheme for a period", tag="scores",
           responses={200: Scorecards},
           description="Each breakdown line explains a point. A handler's token sees only its own scorecard, "
                       "a supervisor's or manager's its unit tree and the people in it.")
def list_scorecards(query: ScorecardsQuery):
    session = db_session()
    subject_kind, ids = _scope(query)
    scheme = load_scheme(query.scheme)
    tz = current_app.config["TIMEZONE"]
    cards = scorecards(session, scheme.name, query.period, subject_kind, ids, tz) if ids != [] else []
    names = {s.key: s.name for s in subjects(session, subject_kind, ids)} if cards else {}
    placed = places(cards, scheme.higher_is_better)
    _audit(f"scorecards {scheme.name}", query, subject_kind)
    return {"scheme": scheme.name, "title": scheme.title, "period": query.period.label, "subject_kind": subject_kind,
            "items": [scorecard_dict(c, name=names.get(c.subject), place=placed.get(c.subject)) for c in cards]}


@operation("GET", "/metrics", summary="Metrics for a period", tag="scores", responses={200: Metrics},
           description="RULES 6 metrics and the hotline three rates, per unit (rolled up its tree) or per staff "
                       "member, in the organisation's time zone.")
def list_metrics(query: MetricsQuery):
    session = db_session()
    subject_kind, ids = _scope(query)
    tz = current_app.config["TIMEZONE"]
    items = []
    if ids != []:
        found = subjects(session, subject_kind, ids)
        compute = unit_metrics if subject_kind == "unit" else staff_metrics
        values = compute(session, query.period, tz, [s.id for s in found])
        items = [{"id": s.id, "subject": s.key, "name": s.name,
                  "metrics": {k: metric_value(k, v) for k, v in values[s.id].items()}} for s in found]
    _audit("metrics", query, subject_kind)
    return {"period": query.period.label, "subject_kind": subject_kind, "items": items}

"""Scores over the JSON API: GET /api/v1/scorecards and /api/v1/metrics.

Declared with intake.api's operation(), so they are routed and documented
like every other resource. Scores are confidential (RULES 7): a
token sees what its staff member may see (scoring.access: a handler their
own scores, a manager their unit tree, executives everything), and every
answer is audited.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.base import (
    BOOL,
    INT,
    STR,
    STR_OR_NULL,
    Prop,
    Shape,
    answer,
    api_staff,
    find_unit,
    operation,
)
from intake.api.fields import Choice, Field, Invalid, Text
from routing.models import Staff
from routing.services.org import subtree_ids
from routing.web.glue import db_session, now
from scoring.engine.periods import Period, PeriodError
from scoring.engine.scheme import available_schemes, load_scheme
from scoring.reports.exports import metric_value, scorecard_dict
from scoring.services import sight as access
from scoring.services.metrics import METRICS, staff_metrics, unit_metrics
from scoring.services.scorecards import places, scorecards, subjects

NUMBER_OR_NULL = {"type": ["number", "null"]}
LINE = {"type": "object", "properties": {
    "component": STR, "points": {"type": "number"}, "reason": STR, "ref": STR_OR_NULL,
    "explanation": {"type": "string", "description": "In English, e.g. \"complaints: valid complaint "
                                                     "C-2026-000123: -6\"."}},
    "required": ["component", "points", "reason", "ref", "explanation"]}


def _key(name: str, schema: dict) -> Prop:
    return Prop(schema, lambda d, name=name: d[name])


SCORECARD = Shape(
    "Scorecard", "One subject's score under a scheme for a period; the breakdown lines add up to the total.",
    subject=_key("subject", {"type": "string", "description": "The unit's code or the staff member's username."}),
    name=_key("name", STR), place=_key("place", {"type": ["integer", "null"]}),
    scheme=_key("scheme", STR), period=_key("period", STR), total=_key("total", NUMBER_OR_NULL),
    grade=_key("grade", STR_OR_NULL),
    money=_key("money", {"type": "number", "description": "Yuan: reward positive, penalty negative."}),
    not_rated=_key("not_rated", BOOL), not_rated_reason=_key("not_rated_reason", STR_OR_NULL),
    flags=_key("flags", {"type": "array", "items": STR}),
    components=_key("components", {"type": "array", "items": {"type": "object", "properties": {
        "id": STR, "present": BOOL, "score": NUMBER_OR_NULL, "weight": NUMBER_OR_NULL}}}),
    breakdown=_key("breakdown", {"type": "array", "items": LINE}),
    money_breakdown=_key("money_breakdown", {"type": "array", "items": LINE}),
)
SCORECARDS = Shape(
    "Scorecards", "Every visible subject's scorecard, best first (not rated last).",
    scheme=_key("scheme", STR), title=_key("title", STR), period=_key("period", STR),
    subject_kind=_key("subject_kind", {"type": "string", "enum": ["unit", "staff"]}),
    items=_key("items", {"type": "array", "items": SCORECARD.ref}),
)
METRIC_VALUES = {"type": "object", "properties": {name: NUMBER_OR_NULL for name in METRICS},
                 "description": "Rates are fractions (0.93); complaint_rate is per 1,000 services."}
SUBJECT_METRICS = Shape(
    "SubjectMetrics", "The metrics of one unit (with everything below it) or one staff member.",
    id=_key("id", INT), subject=_key("subject", STR), name=_key("name", STR),
    metrics=_key("metrics", METRIC_VALUES),
)
METRICS_ANSWER = Shape(
    "Metrics", "Metrics of every visible subject for a period.",
    period=_key("period", STR), subject_kind=_key("subject_kind", {"type": "string", "enum": ["unit", "staff"]}),
    items=_key("items", {"type": "array", "items": SUBJECT_METRICS.ref}),
)


@dataclass(frozen=True)
class PeriodField(Field):
    def schema(self) -> dict:
        return {"type": "string", "pattern": r"^\d{4}(-(\d{2}|Q[1-4]|H[12]))?$", "examples": ["2026-10", "2026-Q3"]}

    def parse(self, value):
        try:
            return Period.parse(value)
        except (PeriodError, TypeError):
            raise Invalid(_l("not a period such as 2026-10, 2026-Q3, 2026-H2 or 2026")) from None


PERIOD = PeriodField("period", required=True, description="A month, quarter, half-year or year.")
SUBJECT = Choice("subject", choices=("unit", "staff"), description="unit if not given.")
UNIT = Text("unit", max_length=40, description="A unit's code: that unit and the units below it "
                                               "(or, for staff, the people in them).")


def _scope(query: dict, subject_kind: str) -> list[int] | None:
    """The subject ids the token may see, narrowed to ?unit= (None: all)."""
    session = db_session()
    units, people = access.visible_subjects(session, api_staff())
    visible = units if subject_kind == "unit" else people
    if query["unit"] is None:
        return visible
    tree = subtree_ids(session, find_unit(session, query["unit"]).id)
    wanted = tree if subject_kind == "unit" else list(session.scalars(select(Staff.id).where(Staff.unit_id.in_(tree))))
    return access.only_visible(wanted, visible)


@operation("GET", "/scorecards", summary="Scorecards of a scheme for a period", tag="scores",
           query=(Choice("scheme", required=True, choices=tuple(available_schemes())), PERIOD, SUBJECT, UNIT),
           responses={200: SCORECARDS},
           description="Each breakdown line explains a point. A handler's token sees only its own scorecard, "
                       "a supervisor's or manager's its unit tree and the people in it.")
def list_scorecards(query):
    session = db_session()
    subject_kind = query["subject"] or "unit"
    ids = _scope(query, subject_kind)
    scheme = load_scheme(query["scheme"])
    tz = current_app.config["TIMEZONE"]
    cards = scorecards(session, scheme.name, query["period"], subject_kind, ids, tz) if ids != [] else []
    names = {s.key: s.name for s in subjects(session, subject_kind, ids)} if cards else {}
    placed = places(cards, scheme.higher_is_better)
    access.audit(session, api_staff(), "view", f"api scorecards {scheme.name} {query['period'].label} "
                 f"{subject_kind} {query['unit'] or 'all'}", now())
    return answer(SCORECARDS, {
        "scheme": scheme.name, "title": scheme.title, "period": query["period"].label, "subject_kind": subject_kind,
        "items": [scorecard_dict(c, name=names.get(c.subject), place=placed.get(c.subject)) for c in cards],
    })


@operation("GET", "/metrics", summary="Metrics for a period", tag="scores", query=(PERIOD, SUBJECT, UNIT),
           responses={200: METRICS_ANSWER},
           description="RULES 6 metrics and the hotline three rates, per unit (rolled up its tree) or per staff "
                       "member, in the organisation's time zone.")
def list_metrics(query):
    session = db_session()
    subject_kind = query["subject"] or "unit"
    ids = _scope(query, subject_kind)
    tz = current_app.config["TIMEZONE"]
    items = []
    if ids != []:
        found = subjects(session, subject_kind, ids)
        compute = unit_metrics if subject_kind == "unit" else staff_metrics
        values = compute(session, query["period"], tz, [s.id for s in found])
        items = [{"id": s.id, "subject": s.key, "name": s.name,
                  "metrics": {k: metric_value(k, v) for k, v in values[s.id].items()}} for s in found]
    access.audit(session, api_staff(), "view", f"api metrics {query['period'].label} {subject_kind} "
                 f"{query['unit'] or 'all'}", now())
    return answer(METRICS_ANSWER, {"period": query["period"].label, "subject_kind": subject_kind, "items": items})


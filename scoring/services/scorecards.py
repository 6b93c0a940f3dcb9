"""Scorecards: a scheme computed from what was recorded.

Each subject (a unit or a staff member) and period gets the engine's
ScoreInputs, built from:
- metrics (scoring.metrics), e.g. the hotline's three rates;
- the survey answers: every rating as a band (5 very satisfied ... 1 very
  dissatisfied) for schemes that score a satisfaction survey (RULES 5.1);
- inspections entered for the subject (not rolled up: an inspection is of
  the unit it names); a score under its kind and the names schemes give it,
  its problems as one event each ("standards_problem", RULES 5.1), an
  attendance check's problems as days absent, a spot check's score as the
  penalty where it disagrees with the self-check (RULES 5.3);
- complaint verdicts, one event per complaint naming its case ("-6: valid
  complaint C-2026-000123"); for units they roll up the tree like metrics;
- ledger entries (violations, merits; a unit's awards) with their points and
  time; missed callbacks as incomplete callback records (RULES 5.3).
An event is only given the kind a scheme counts (a major complaint is a
"major_complaint" where the scheme has that rule, an "escalated_complaint"
for the twelve-point ledger, else a valid one), so nothing counts twice.

Rules across periods come from the monthly scorecards: two months under 90
in a year (annual award), two months in a row at 30 deduction points
(dismissal), and the monthly ranking with last place three months running.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fnmatch import fnmatchcase
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from routing.models import Callback, Case, Staff, Unit
from scoring.engine.branch import branch_score
from scoring.engine.inputs import Event, ScoreInputError, ScoreInputs
from scoring.engine.periods import DEFAULT_TIMEZONE, MONTHS_IN, Period
from scoring.engine.ranking import rank, ranking_outcomes
from scoring.engine.scheme import Scheme, available_schemes, load_scheme
from scoring.engine.scorecard import Line, Scorecard, score
from scoring.engine.series import dismissal_due, loses_annual_award
from scoring.models import ComplaintVerdict, Inspection, LedgerEntry
from scoring.services.kept import Kept, settled_keys
from scoring.services.metrics import METRICS, metrics_from, tallies, tallies_for, unit_closure

# The survey's answer bands (RULES 5.1) for a rating's 1-5 score.
SURVEY_BANDS = {5: "very_satisfied", 4: "basically_satisfied", 3: "average", 2: "not_very_satisfied",
                1: "very_dissatisfied"}
# Other names schemes give an inspection kind (scheme files name their inputs
# after the seed's words).
INSPECTION_ALIASES = {
    "off_site": ("offsite_monitoring",),
    "on_site": ("onsite_inspection",),
    "management": ("branch_management",),
    "manager_assessment": ("monthly_score",),
}
# Checks by the service management office whose problems count against the
# standards (RULES 5.1); a unit's own self-check and staff assessments do not.
STANDARDS_KINDS = ("mystery_shopper", "off_site", "on_site", "spot_check", "checklist")
# The questionnaire of RULES 5.3, out of 100: as entered, or else the
# customers' satisfaction rate from their ratings.
QUESTIONNAIRE = "questionnaire"
SURVEY = "survey"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Subject:
    kind: str  # "unit" | "staff"
    id: int
    key: str  # a unit's code or a staff member's username: Scorecard.subject
    name: str
    unit_id: int | None = None
    level: str | None = None


def scheme_titles() -> list[tuple[str, str]]:
    """(name, title) of every preset scheme."""
    return [(name, load_scheme(name).title) for name in available_schemes()]


def subjects(session: Session, subject_kind: str, subject_ids: Iterable[int] | None = None) -> list[Subject]:
    """Units or staff by id (all active ones when ids is None), in code/username order."""
    model = {"unit": Unit, "staff": Staff}.get(subject_kind)
    if model is None:
        raise ValueError(f"subject kind must be unit or staff, not {subject_kind!r}")
    stmt = select(model).order_by(model.code if model is Unit else model.username)
    stmt = stmt.where(model.active.is_(True)) if subject_ids is None else stmt.where(model.id.in_(list(subject_ids)))
    if model is Unit:
        return [Subject("unit", u.id, u.code, u.name, u.id, u.level) for u in session.scalars(stmt)]
    return [Subject("staff", s.id, s.username, s.display_name, s.unit_id) for s in session.scalars(stmt)]


def fitting_subjects(session: Session, scheme: Scheme, subject_ids: Iterable[int] | None = None) -> list[Subject]:
    """The active subjects a scheme fits (its [fits]: unit levels, staff roles),
    so a ranking compares like with like; every subject of the scheme's kind
    when it says nothing."""
    kind = scheme.fits.subject if scheme.fits else "unit"
    found = subjects(session, kind, subject_ids)
    if scheme.fits is None:
        return found
    if kind == "unit":
        return [s for s in found if scheme.fits.admits("unit", s.level)]
    staff = {m.id: m for m in session.scalars(select(Staff).where(Staff.id.in_([s.id for s in found])))}
    levels = dict(session.execute(select(Unit.id, Unit.level)).all())
    return [s for s in found if scheme.fits.admits("staff", levels.get(s.unit_id), staff[s.id].role)]


def schemes_fitting(subject_kind: str, level: str | None, role: str | None = None) -> list[str]:
    """Names of the preset schemes offered for a unit of `level` (or a staff member of `role` in one)."""
    return [name for name in available_schemes()
            if (fit := load_scheme(name).fits) is None or fit.admits(subject_kind, level, role)]


# --------------------------------------------------------------------------- what a scheme reads


@dataclass(frozen=True)
class Needs:
    """What a scheme's components read, so only those sources are queried."""

    metrics: frozenset[str]
    survey: bool
    questionnaire: bool
    event_rules: tuple[str, ...]  # every per_event kind pattern

    @classmethod
    def of(cls, scheme: Scheme) -> Needs:
        parts = scheme.components + scheme.adjustments
        return cls(
            metrics=frozenset(c.metric for c in parts if c.metric and c.metric in METRICS),
            survey=any(c.responses == SURVEY for c in parts),
            questionnaire=any(c.inspection == QUESTIONNAIRE for c in parts),
            event_rules=tuple(rule.kind for c in parts for rule in c.per_event),
        )

    def counts(self, kind: str) -> bool:
        return any(fnmatchcase(kind, pattern) for pattern in self.event_rules)

    def first_counted(self, *kinds: str) -> str | None:
        return next((k for k in kinds if self.counts(k)), None)


def _complaint_kind(needs: Needs, verdict: str) -> str | None:
    if verdict == "major":
        return needs.first_counted("major_complaint", "escalated_complaint", "valid_complaint", "complaint")
    return needs.first_counted("valid_complaint", "complaint")


# --------------------------------------------------------------------------- inputs


@dataclass
class _Gathered:
    metrics: dict = field(default_factory=dict)
    inspections: dict = field(default_factory=lambda: defaultdict(list))
    inspected: set = field(default_factory=set)
    responses: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    rated_satisfaction: Decimal | None = None
    unjudged: int = 0


def _labels_within(period: Period) -> list[str]:
    """Labels of every period inside `period`, itself included: a quarter's
    scorecard reads inspections entered for the quarter or any of its months."""
    size = MONTHS_IN[period.kind]
    labels = []
    for kind, months in MONTHS_IN.items():
        if months <= size:
            first = (period.first_month - 1) // months + 1
            labels.extend(Period(period.year, kind, i).label for i in range(first, first + size // months))
    return labels


def _local_date(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).date().isoformat()


def build_inputs(session: Session, scheme: Scheme, subject_kind: str, subject_list: Sequence[Subject],
                 periods: Sequence[Period], tz: str = DEFAULT_TIMEZONE) -> dict[tuple[int, Period], ScoreInputs]:
    """The engine's inputs for each subject and period, from what was recorded."""
    needs = Needs.of(scheme)
    ids = [s.id for s in subject_list]
    gathered: dict[tuple[int, Period], _Gathered] = defaultdict(_Gathered)
    periods = list(periods)

    names = tallies_for(needs.metrics) if needs.metrics else set()
    if needs.survey:
        names.update(["rated", *(f"score_{n}" for n in SURVEY_BANDS)])
    if needs.questionnaire:
        names.update(["rated", "satisfied"])
    if names and ids:
        counted = tallies(session, periods, tz, subject_kind=subject_kind, subject_ids=ids, names=names)
        for (subject_id, period), counts in counted.items():
            g = gathered[(subject_id, period)]
            g.metrics = {k: v for k, v in metrics_from(counts, needs.metrics).items() if k in needs.metrics}
            if needs.survey and counts.get("rated"):
                g.responses[SURVEY] = {band: counts.get(f"score_{n}", 0) for n, band in SURVEY_BANDS.items()}
            if needs.questionnaire and counts.get("rated"):
                g.rated_satisfaction = Decimal(counts["satisfied"]) * HUNDRED / counts["rated"]

    if ids:
        _gather_inspections(session, subject_kind, ids, periods, needs, gathered)
        _gather_verdicts(session, subject_kind, ids, periods, scheme, needs, tz, gathered)
        _gather_ledger(session, subject_kind, ids, periods, scheme, needs, tz, gathered)
        if needs.counts("callback_record_problem"):
            _gather_missed_callbacks(session, subject_kind, ids, periods, tz, gathered)

    out = {}
    for subject in subject_list:
        for period in periods:
            g = gathered.get((subject.id, period), _Gathered())
            if g.rated_satisfaction is not None and not g.inspections.get(QUESTIONNAIRE):
                # No questionnaire entered: the customers' ratings stand in for it.
                g.inspections[QUESTIONNAIRE].append(g.rated_satisfaction)
            out[(subject.id, period)] = ScoreInputs(
                subject.key, period.label, metrics=g.metrics, inspections=dict(g.inspections),
                inspected=frozenset(g.inspected), responses=g.responses, events=tuple(g.events),
                unjudged=g.unjudged)
    return out


def _period_of_label(label: str, periods: Sequence[Period]) -> Period | None:
    for period in periods:
        if label in _labels_within(period):
            return period
    return None


def _gather_inspections(session, subject_kind, ids, periods, needs, gathered) -> None:
    labels = {label for p in periods for label in _labels_within(p)}
    subject_column = Inspection.unit_id if subject_kind == "unit" else Inspection.staff_id
    where = [subject_column.in_(ids), Inspection.period_label.in_(sorted(labels)),
             Inspection.superseded_at.is_(None)]
    if subject_kind == "unit":
        where.append(Inspection.staff_id.is_(None))  # one person's result is not the unit's
    rows = session.scalars(select(Inspection).where(*where).order_by(Inspection.held_on, Inspection.id))
    for row in rows:
        period = _period_of_label(row.period_label, periods)
        if period is None:
            continue
        g = gathered[(getattr(row, "unit_id" if subject_kind == "unit" else "staff_id"), period)]
        ref = f"{row.kind} {row.held_on.isoformat()}"
        names = [f"checklist.{row.item}"] if row.kind == "checklist" and row.item else \
            [row.kind, *INSPECTION_ALIASES.get(row.kind, ())]
        if row.score is not None and not (row.kind == "spot_check" and needs.counts("spot_check_mismatch")):
            for name in names:
                g.inspections[name].append(row.score)
        g.inspected.update(names)
        if row.kind in STANDARDS_KINDS:
            g.inspected.add("standards")
        if row.kind == "spot_check" and row.score and needs.counts("spot_check_mismatch"):
            g.events.append(Event("spot_check_mismatch", ref, row.score))
        if row.problems and row.kind == "attendance":  # its problems are the days absent
            g.events.extend(Event("absence_day", ref) for _ in range(row.problems))
        elif row.problems and row.kind in STANDARDS_KINDS:
            g.events.extend(Event("standards_problem", ref) for _ in range(row.problems))


def _window(periods: Sequence[Period], tz: str, scheme: Scheme) -> tuple[datetime, datetime]:
    start = min(p.bounds(tz)[0] for p in periods)
    end = max(p.bounds(tz)[1] for p in periods)
    if scheme.period == "year":  # an annual ledger counts from 1 January (RULES 5.6)
        start = min(start, min(Period(p.year, "year").bounds(tz)[0] for p in periods))
    return start, end


def _periods_holding(moment: datetime, periods: Sequence[Period], tz: str, scheme: Scheme) -> list[Period]:
    """The periods an event counts in: the one it falls in, and for an annual
    scheme every later period of the same year (year to date)."""
    year_to_date = scheme.period == "year"
    return [p for p, (start, end) in zip(periods, _counting_windows(tuple(periods), tz, year_to_date))
            if start <= moment < end]


@lru_cache(maxsize=256)
def _counting_windows(periods: tuple[Period, ...], tz: str, year_to_date: bool) -> tuple[tuple[datetime, datetime], ...]:
    """Each period's bounds, from the start of its year for an annual scheme;
    worked out once (a month's complaints ask for them row by row)."""
    return tuple((Period(p.year, "year").bounds(tz)[0] if year_to_date else p.bounds(tz)[0], p.bounds(tz)[1])
                 for p in periods)


def _ancestors(session: Session, ids: Sequence[int]) -> dict[int, list[int]]:
    """unit -> the requested units it counts for (itself and its ancestors)."""
    out: dict[int, list[int]] = defaultdict(list)
    for unit, ancestor in unit_closure(session, ids):
        out[unit].append(ancestor)
    return out


def _gather_verdicts(session, subject_kind, ids, periods, scheme, needs, tz, gathered) -> None:
    """Judged complaints as their verdict says; a complaint nobody has judged
    yet counts as the scheme says (preset: valid) and is counted as unjudged,
    so a unit never scores well on complaints it has not looked at."""
    start, end = _window(periods, tz, scheme)
    current = (select(ComplaintVerdict).where(ComplaintVerdict.superseded_at.is_(None))).subquery()
    stmt = (select(current.c.verdict, current.c.points, Case.reference, Case.created_at, Case.unit_id,
                   Case.first_responder_id, Case.owner_id, Case.subject_staff_id)
            .outerjoin(current, current.c.case_id == Case.id)
            .where(Case.kind == "complaint", Case.created_at >= start, Case.created_at < end,
                   or_(current.c.verdict.is_(None), current.c.verdict.in_(("valid", "major")))))
    ancestors = _ancestors(session, ids) if subject_kind == "unit" else None
    wanted = set(ids)
    kinds = {v: _complaint_kind(needs, v) for v in ("valid", "major", scheme.unjudged) if v != "ignore"}
    for verdict, points, reference, created_at, unit_id, first_responder_id, owner_id, subject_id in \
            session.execute(stmt.order_by(Case.created_at, Case.id)):
        if subject_kind == "unit":
            targets = ancestors.get(unit_id, [])
        else:  # who received it, who handled it, and whom it is about
            targets = [s for s in {first_responder_id, owner_id, subject_id} if s in wanted]
        kind = kinds.get(verdict or scheme.unjudged)
        holding = _periods_holding(created_at, periods, tz, scheme) if targets else ()
        for target in targets:
            for period in holding:
                g = gathered[(target, period)]
                g.unjudged += verdict is None
                if kind is not None:
                    g.events.append(Event(kind, reference, points, created_at, unjudged=verdict is None))


def _gather_ledger(session, subject_kind, ids, periods, scheme, needs, tz, gathered) -> None:
    start, end = _window(periods, tz, scheme)
    column = LedgerEntry.staff_id if subject_kind == "staff" else LedgerEntry.unit_id
    rows = session.scalars(select(LedgerEntry).where(
        column.in_(ids), LedgerEntry.superseded_at.is_(None),
        LedgerEntry.occurred_at >= start, LedgerEntry.occurred_at < end).order_by(LedgerEntry.occurred_at))
    for row in rows:
        if row.kind == "violation":
            kind = needs.first_counted(row.code, f"violation.{row.code}", f"deduction.{row.code}")
        else:
            kind = needs.first_counted(row.code, f"merit.{row.code}")
        if kind is None:
            continue
        event = Event(kind, _local_date(row.occurred_at, tz), Decimal(row.points), row.occurred_at, row.yuan)
        for period in _periods_holding(row.occurred_at, periods, tz, scheme):
            gathered[(getattr(row, column.key), period)].events.append(event)


def _gather_missed_callbacks(session, subject_kind, ids, periods, tz, gathered) -> None:
    """A callback that was due and never made leaves the record incomplete (RULES 4, 5.3)."""
    start, end = min(p.bounds(tz)[0] for p in periods), max(p.bounds(tz)[1] for p in periods)
    unit = func.coalesce(Callback.assigned_unit_id, Case.unit_id)
    staff = func.coalesce(Callback.staff_id, Case.owner_id)
    rows = session.execute(
        select(Callback.due_start, Case.reference, unit, staff).join(Case, Case.id == Callback.case_id)
        .where(Callback.status == "missed", Callback.due_start >= start, Callback.due_start < end)
        .order_by(Callback.due_start))
    ancestors = _ancestors(session, ids) if subject_kind == "unit" else None
    wanted = set(ids)
    for due_start, reference, unit_id, staff_id in rows:
        targets = ancestors.get(unit_id, []) if subject_kind == "unit" else [staff_id] if staff_id in wanted else []
        for subject_id in targets:
            for period in periods:
                if period.contains(due_start, tz):
                    gathered[(subject_id, period)].events.append(
                        Event("callback_record_problem", reference, None, due_start))


# --------------------------------------------------------------------------- scorecards


def _unusable(scheme: Scheme, subject: str, period: str, error: ScoreInputError) -> Scorecard:
    # One subject's bad record must not hide everyone else's scorecard.
    return Scorecard(scheme.name, subject, period, None, not_rated=True, not_rated_reason=f"invalid_input: {error}")


def _score(scheme: Scheme, inputs: ScoreInputs) -> Scorecard:
    try:
        return score(scheme, inputs)
    except ScoreInputError as error:
        return _unusable(scheme, inputs.subject, inputs.period, error)


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else Period.parse(period)


def _series_months(scheme: Scheme, period: Period) -> list[Period]:
    """The months before `period` that its rules across periods look at."""
    if scheme.period != "month" or period.kind != "month" or not scheme.series:
        return []
    back = 0
    if "annual_award" in scheme.series:
        back = max(back, period.index - 1)  # the year so far
    if "dismissal" in scheme.series:
        back = max(back, int(scheme.series["dismissal"].get("consecutive", 2)) - 1)
    if "ranking" in scheme.series:
        back = max(back, int(scheme.series["ranking"].get("transfer_after", 3)) - 1)
    months, month = [], period
    for _ in range(back):
        month = month.previous()
        months.append(month)
    return months[::-1]


# The scorecards of settled periods (scoring.services.kept).
_kept: Kept[list[Scorecard]] = Kept(budget=6_000)  # cards: ten months of 400 outlets take 40 MB


def _compute(session: Session, scheme: Scheme, subject_kind: str, subject_list: Sequence[Subject],
             periods: Sequence[Period], tz: str) -> dict[Period, list[Scorecard]]:
    # What each period's scorecards read: the period, from 1 January for an annual scheme.
    windows = dict(zip(periods, _counting_windows(tuple(periods), tz, scheme.period == "year")))
    keys = settled_keys(session, windows, tz, repr(scheme), subject_kind, tuple((s.id, s.key) for s in subject_list))
    kept = {p: _kept.get(keys[p]) for p in periods}
    missing = [p for p in periods if kept[p] is None]
    scored = _score_periods(session, scheme, subject_kind, subject_list, missing, tz) if missing else {}
    for period, cards in scored.items():
        _kept.put(keys[period], cards)
    return {p: kept[p] if kept[p] is not None else scored[p] for p in periods}


def _score_periods(session: Session, scheme: Scheme, subject_kind: str, subject_list: Sequence[Subject],
                   periods: Sequence[Period], tz: str) -> dict[Period, list[Scorecard]]:
    if scheme.name == "bank_branch":
        return {p: _branch_cards(session, scheme, subject_list, p, tz) for p in periods}
    inputs = build_inputs(session, scheme, subject_kind, subject_list, periods, tz)
    return {p: [_score(scheme, inputs[(s.id, p)]) for s in subject_list] for p in periods}


def _branch_cards(session: Session, scheme: Scheme, branches: Sequence[Subject], period: Period,
                  tz: str) -> list[Scorecard]:
    """RULES 5.2: a branch from its outlets' quarterly scores, its management check and its awards."""
    outlet_scheme = load_scheme("bank_outlet")
    closure = unit_closure(session, [b.id for b in branches])
    outlet_ids = set(session.scalars(select(Unit.id).where(Unit.level == "outlet")))
    below = defaultdict(list)
    for unit, ancestor in closure:
        if unit != ancestor and unit in outlet_ids:
            below[ancestor].append(unit)
    outlets = subjects(session, "unit", sorted({u for units in below.values() for u in units}))
    scored = _compute(session, outlet_scheme, "unit", outlets, [period], tz)[period]
    outlet_cards = {outlet.id: card for outlet, card in zip(outlets, scored)}
    own = build_inputs(session, scheme, "unit", branches, [period], tz)
    cards = []
    for branch in branches:
        inputs = own[(branch.id, period)]
        management = inputs.inspections.get("branch_management")
        try:
            cards.append(branch_score(
                scheme, branch.key, period.label, [outlet_cards[o] for o in below[branch.id]],
                management=sum(management) / len(management) if management else None, bonuses=inputs.events))
        except ScoreInputError as error:
            cards.append(_unusable(scheme, branch.key, period.label, error))
    return cards


def _with(card: Scorecard, *, flags: Iterable[str] = (), money_lines: Sequence[Line] = ()) -> Scorecard:
    if not flags and not money_lines:
        return card
    return dataclasses.replace(
        card, flags=card.flags + tuple(f for f in flags if f not in card.flags),
        money=card.money + sum((line.points for line in money_lines), Decimal(0)),
        money_breakdown=card.money_breakdown + tuple(money_lines))


def _apply_series(scheme: Scheme, history: Mapping[Period, list[Scorecard]], months: Sequence[Period],
                  period: Period) -> list[Scorecard]:
    current = history[period]
    by_subject = {m: {c.subject: c for c in history[m]} for m in [*months, period]}
    series = scheme.series
    out = []
    for card in current:
        flags = []
        own = [by_subject[m].get(card.subject) for m in [*months, period]]
        if "annual_award" in series:
            year = [c for m, c in zip([*months, period], own) if m.year == period.year]
            if loses_annual_award(year, **series["annual_award"]):
                flags.append("annual_award_lost")
        if "dismissal" in series and dismissal_due(own, **series["dismissal"]):
            flags.append("dismissal")
        out.append(_with(card, flags=flags))
    if "ranking" in series:
        outcomes = {o.subject: o for o in ranking_outcomes(
            [history[m] for m in months] + [out], higher_is_better=scheme.higher_is_better, **series["ranking"])}
        out = [_with(c, flags=outcomes[c.subject].flags, money_lines=outcomes[c.subject].money_breakdown)
               if c.subject in outcomes else c for c in out]
    return out


def ranked(cards: Iterable[Scorecard], higher_is_better: bool = True) -> list[Scorecard]:
    """Best first (equal totals by subject); cards not rated last."""
    cards = list(cards)
    placings = rank(cards, higher_is_better=higher_is_better)
    rated = {p.subject for p in placings}
    return [p.scorecard for p in placings] + sorted((c for c in cards if c.subject not in rated),
                                                    key=lambda c: c.subject)


def places(cards: Iterable[Scorecard], higher_is_better: bool = True) -> dict[str, int]:
    """subject -> place (equal totals share a place); cards not rated have none."""
    return {p.subject: p.place for p in rank(cards, higher_is_better=higher_is_better)}


def scorecards(session: Session, scheme_name: str, period: Period | str, subject_kind: str = "unit",
               subject_ids: Iterable[int] | None = None, tz: str = DEFAULT_TIMEZONE) -> list[Scorecard]:
    """Scorecards of every subject (all active units or staff when ids is
    None) for one period, best first. Scorecard.subject is the unit's code or
    the staff member's username (see subjects())."""
    scheme = load_scheme(scheme_name)
    period = _as_period(period)
    subject_list = subjects(session, subject_kind, subject_ids)
    cards = scorecards_for(session, scheme, period, subject_kind, subject_list, tz)
    return ranked(cards, scheme.higher_is_better)


def scorecards_for(session: Session, scheme: Scheme, period: Period, subject_kind: str,
                   subject_list: Sequence[Subject], tz: str = DEFAULT_TIMEZONE) -> list[Scorecard]:
    """Scorecards in the order of subject_list, with the scheme's rules across periods applied."""
    months = _series_months(scheme, period)
    history = _compute(session, scheme, subject_kind, subject_list, [*months, period], tz)
    if not scheme.series:
        return history[period]
    return _apply_series(scheme, history, months, period)

"""What a manager or an executive sees first (this period's key figures
against the last and the target, the worst counters and staff of the week,
complaints waiting for a verdict, overdue cases), and what a supervisor
sees first (escalations to them, the week's low ratings, verdicts to give).
Services take a session and do not commit; they read what routing records."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from routing.models import Case, Deadline, Escalation, Rating, Staff, Unit
from routing.vocabulary import OPEN_STATUSES
from scoring.engine.periods import Period
from scoring.models import ComplaintVerdict
from scoring.engine.tallies import SATISFIED_AT_LEAST
from scoring.services.metrics import unit_metrics

KEY_METRICS = ("satisfaction_rate", "evaluation_rate", "complaint_rate", "on_time_first_response",
               "on_time_resolution", "callback_completion")
WEEK = timedelta(days=7)
MIN_RATINGS = 5  # a counter or person with fewer ratings this week is not called the worst on so little
LOW_AT_MOST = 2


@dataclass(frozen=True)
class KeyFigure:
    metric: str
    value: Decimal | int | None
    previous: Decimal | int | None
    target: Decimal | None = None

    @property
    def change(self) -> Decimal | int | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.value is not None and self.value < self.target


@dataclass(frozen=True)
class Worst:
    id: int
    name: str
    satisfaction: Decimal
    ratings: int
    low: int


def key_figures(session: Session, unit_id: int, period: Period, tz: str,
                targets: Mapping[str, Sequence[float]]) -> list[KeyFigure]:
    """The unit's figures (with everything below it) this period and the one before."""
    now_, before = (unit_metrics(session, p, tz, [unit_id], metrics=KEY_METRICS).get(unit_id, {})
                    for p in (period, period.previous()))
    return [KeyFigure(m, now_.get(m), before.get(m),
                      Decimal(str(max(targets[m]))) if targets.get(m) else None) for m in KEY_METRICS]


def _worst(session: Session, column, unit_ids: Sequence[int], now: datetime, limit: int) -> list[tuple]:
    satisfied = func.sum(when((Rating.score >= SATISFIED_AT_LEAST, 1), else_=0))
    low = func.sum(when((Rating.score <= LOW_AT_MOST, 1), else_=0))
    rows = session.execute(
        select(column, func.count(), satisfied, low)
        .where(Rating.unit_id.in_(list(unit_ids) or [-1]), Rating.created_at >= now - WEEK, Rating.created_at < now,
               Rating.suspect.is_(False), column.is_not(None))
        .group_by(column).having(func.count() >= MIN_RATINGS))
    scored = [(key, Decimal(int(ok or 0)) / n, n, int(bad or 0)) for key, n, ok, bad in rows]
    return sorted(scored, key=lambda row: (row[1], -row[3], row[0]))[:limit]


def worst_counters(session: Session, unit_ids: Sequence[int], now: datetime, limit: int = 5) -> list[Worst]:
    """The counters with the lowest satisfaction this week (at least MIN_RATINGS ratings)."""
    counters = set(session.scalars(select(Unit.id).where(Unit.id.in_(list(unit_ids) or [-1]),
                                                         Unit.level == "counter")))
    rows = _worst(session, Rating.unit_id, sorted(counters), now, limit)
    shown = list(session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows] or [-1]))
                                 .options(selectinload(Unit.parent))))
    # "Counter 2" is in every outlet: named with its outlet.
    names = {u.id: gettext("%(outlet)s · %(counter)s", outlet=u.parent.name, counter=u.name) if u.parent else u.name
             for u in shown}
    return [Worst(key, names.get(key, ""), rate, n, low) for key, rate, n, low in rows]


def worst_staff(session: Session, unit_ids: Sequence[int], now: datetime, limit: int = 5) -> list[Worst]:
    rows = _worst(session, Rating.staff_id, unit_ids, now, limit)
    names = {s.id: s.display_name for s in session.scalars(select(Staff).where(Staff.id.in_([r[0] for r in rows] or [-1])))}
    return [Worst(key, names.get(key, ""), rate, n, low) for key, rate, n, low in rows]


def unjudged_complaints(session: Session, unit_ids: Sequence[int], limit: int = 50) -> list[Case]:
    """Complaints without a current verdict, oldest first: the "to judge" list."""
    judged = select(ComplaintVerdict.id).where(ComplaintVerdict.case_id == Case.id,
                                               ComplaintVerdict.superseded_at.is_(None))
    return list(session.scalars(select(Case).where(
        Case.kind == "complaint", ~judged.exists(), Case.unit_id.in_(list(unit_ids) or [-1]))
        .order_by(Case.created_at).limit(limit)))


def overdue_cases(session: Session, unit_ids: Sequence[int], now: datetime, limit: int = 50) -> list[Case]:
    """Open cases with a limit missed, the longest overdue first."""
    late = select(Deadline.id).where(Deadline.case_id == Case.id, Deadline.met_at.is_(None),
                                     Deadline.paused_at.is_(None), Deadline.due_at < now)
    return list(session.scalars(select(Case).where(
        Case.status.in_(OPEN_STATUSES), late.exists(), Case.unit_id.in_(list(unit_ids) or [-1]))
        .options(selectinload(Case.owner)).order_by(Case.next_due_at).limit(limit)))


def escalations_to(session: Session, staff: Staff, limit: int = 20) -> list[Escalation]:
    """Escalations that reached the staff member on cases still open, newest first."""
    return list(session.scalars(
        select(Escalation).join(Case, Case.id == Escalation.case_id)
        .where(Escalation.to_staff_id == staff.id, Case.status.in_(OPEN_STATUSES))
        .options(selectinload(Escalation.case)).order_by(Escalation.at.desc(), Escalation.id.desc()).limit(limit)))


def low_ratings(session: Session, unit_ids: Sequence[int], now: datetime, limit: int = 20) -> list[Rating]:
    """The week's low ratings in these units, newest first."""
    return list(session.scalars(
        select(Rating).where(Rating.unit_id.in_(list(unit_ids) or [-1]), Rating.score <= LOW_AT_MOST,
                             Rating.created_at >= now - WEEK, Rating.suspect.is_(False))
        .options(selectinload(Rating.unit), selectinload(Rating.staff))
        .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(limit)))

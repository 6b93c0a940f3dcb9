"""What supervisors enter for scoring (inspections, complaint verdicts, ledger
entries) and the audit trail of who looked at scores.

Nothing here is ever deleted (RULES 7: complaint information is never
concealed or destroyed): a correction is a new row, and the row it replaces
gets `superseded_at` and `superseded_by_id`. Metrics and scorecards read only
current rows (`superseded_at IS NULL`). Services take a session and do not
commit; each entry writes a ScoreAudit "enter" row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from routing.db import Base, UTCDateTime
from routing.errors import Conflict, Forbidden, NotFound, RoutingError
from routing.models import Case, Staff, Unit
from scoring.periods import Period, PeriodError

INSPECTION_KINDS = (
    "mystery_shopper", "off_site", "on_site", "self_check", "spot_check", "checklist", "management",
    "daily_work", "attendance", "self_assessment", "manager_assessment",
)
VERDICTS = ("valid", "invalid", "major")
LEDGER_KINDS = ("violation", "merit")
AUDIT_ACTIONS = ("view", "export", "enter")
# The twelve-point ledger (RULES 5.6) moves 1-3 points per entry; a unit's
# award (bank_branch bonuses, RULES 5.2) is recorded with its own points.
STAFF_LEDGER_POINTS = (1, 3)
UNIT_LEDGER_POINTS = (1, 100)

_CURRENT = text("superseded_at IS NULL")


class Inspection(Base):
    """A score or findings that a person recorded about a unit (or one staff
    member of it): mystery shopper, on-site and off-site checks, self-checks,
    checklist items, manager assessments..."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # One line of a checklist (RULES 5.4): "phone_answering", "staff_conduct"...
    item: Mapped[str | None] = mapped_column(String(60))
    # Out of 100 (or the checklist item's maximum); None when only problems were counted.
    # For a spot check (RULES 5.3) it is the penalty set where it disagrees with the self-check.
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    # Problems found (RULES 5.1: -1 each); for attendance, the days absent.
    problems: Mapped[int | None] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(10))  # "2026-10", "2026-Q3"
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    entered_by: Mapped[Staff | None] = relationship(foreign_keys=[entered_by_id])

    __table_args__ = (
        CheckConstraint(f"kind IN {INSPECTION_KINDS!r}", name="kind"),
        CheckConstraint("problems IS NULL OR problems >= 0", name="problems"),
        Index("ix_inspection_unit_period", "unit_id", "period_label"),
        Index("ix_inspection_staff_period", "staff_id", "period_label"),
    )


class ComplaintVerdict(Base):
    """Whether a complaint was valid (RULES 5.1): valid, invalid, or major
    (seriously harmed the organisation's reputation). A valid or major one
    counts against the case's unit and its first responder and owner."""

    __tablename__ = "complaint_verdict"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Where a scheme lets the decider set the deduction (RULES 5.2, 5.6 ranges).
    points: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_verdict.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    decided_by: Mapped[Staff | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"verdict IN {VERDICTS!r}", name="verdict"),
        # One current verdict per case; superseded ones stay as history.
        Index("uq_complaint_verdict_current", "case_id", unique=True,
              sqlite_where=_CURRENT, postgresql_where=_CURRENT),
    )


class LedgerEntry(Base):
    """A violation or merit (RULES 5.6, 5.7) of a staff member, or an award of
    a unit (RULES 5.2 bonuses: staff_id empty, unit_id set)."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(60))  # "late_or_early", "commendation"...
    points: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"kind IN {LEDGER_KINDS!r}", name="kind"),
        CheckConstraint("points >= 1", name="points"),
        CheckConstraint("(staff_id IS NULL) <> (unit_id IS NULL)", name="subject"),
        Index("ix_ledger_entry_staff_occurred", "staff_id", "occurred_at"),
        Index("ix_ledger_entry_unit_occurred", "unit_id", "occurred_at"),
    )


class ScoreAudit(Base):
    """Who viewed, exported or entered scores, and what (RULES 7). staff_id is
    empty for the command line."""

    __tablename__ = "score_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    what: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (CheckConstraint(f"action IN {AUDIT_ACTIONS!r}", name="action"),)


# --------------------------------------------------------------------------- entering


def _audit(session: Session, by: Staff | None, what: str, now: datetime) -> None:
    session.add(ScoreAudit(staff_id=by.id if by else None, action="enter", what=what[:300], at=now))


def _check_may_enter(session: Session, by: Staff | None, unit_id: int | None, staff_id: int | None) -> None:
    from scoring.access import may_enter  # access reads these tables too

    if by is not None and not may_enter(session, by, unit_id=unit_id, staff_id=staff_id):
        raise Forbidden("scores_out_of_scope", str(_l("You may not enter scores for this unit or person.")))


def _check_current(row) -> None:
    if row.superseded_at is not None:
        raise Conflict("already_superseded", str(_l("This entry has already been corrected.")))


def _record(session: Session, new, now: datetime, *, replaces=None) -> None:
    """Add `new`, retiring the row it replaces first (the current-row unique
    index allows one at a time); the old row stays on record."""
    if replaces is not None:
        _check_current(replaces)
        replaces.superseded_at = now
        session.flush()
    session.add(new)
    session.flush()
    if replaces is not None:
        replaces.superseded_by_id = new.id


@dataclass(frozen=True)
class NewInspection:
    unit_id: int
    kind: str
    held_on: date
    score: Decimal | int | str | None = None
    problems: int | None = None
    staff_id: int | None = None
    item: str | None = None
    period_label: str | None = None  # the month of held_on if not given
    note: str = ""


def _decimal(value, code: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RoutingError(code, str(_l("The score must be a number."))) from None
    if not number.is_finite() or not low <= number <= high:
        raise RoutingError(code, str(_l("The score must be between %(low)s and %(high)s.", low=low, high=high)))
    return number


def record_inspection(session: Session, new: NewInspection, by: Staff | None, now: datetime,
                      *, replaces: Inspection | None = None) -> Inspection:
    """Record an inspection result (or correct one: `replaces`)."""
    if new.kind not in INSPECTION_KINDS:
        raise RoutingError("invalid_inspection_kind", str(_l("Unknown kind of inspection.")))
    if session.get(Unit, new.unit_id) is None:
        raise NotFound("unit_not_found", str(_l("There is no such unit.")))
    if new.staff_id is not None and session.get(Staff, new.staff_id) is None:
        raise NotFound("staff_not_found", str(_l("There is no such staff member.")))
    if new.score is None and new.problems is None:
        raise RoutingError("inspection_empty", str(_l("Give a score, a number of problems found, or both.")))
    if new.problems is not None and not 0 <= new.problems <= 10_000:
        raise RoutingError("invalid_problems", str(_l("The number of problems must be 0 or more.")))
    score = None if new.score is None else _decimal(new.score, "invalid_score", Decimal(0), Decimal(1000))
    try:
        label = Period.parse(new.period_label).label if new.period_label else \
            Period(new.held_on.year, "month", new.held_on.month).label
    except PeriodError:
        raise RoutingError("invalid_period",
                           str(_l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))) from None
    _check_may_enter(session, by, new.unit_id, new.staff_id)
    row = Inspection(unit_id=new.unit_id, staff_id=new.staff_id, kind=new.kind, item=new.item or None,
                     score=score, problems=new.problems, held_on=new.held_on, period_label=label,
                     note=new.note or "", entered_by_id=by.id if by else None, created_at=now)
    _record(session, row, now, replaces=replaces)
    _audit(session, by, f"inspection {row.id} {row.kind} unit {row.unit_id} {label}"
           + (f" replaces {replaces.id}" if replaces is not None else ""), now)
    return row


def current_verdict(session: Session, case_id: int) -> ComplaintVerdict | None:
    return session.scalars(select(ComplaintVerdict).where(
        ComplaintVerdict.case_id == case_id, ComplaintVerdict.superseded_at.is_(None))).first()


def decide_complaint(session: Session, case: Case, verdict: str, reason: str, by: Staff | None, now: datetime,
                     *, points: Decimal | int | str | None = None) -> ComplaintVerdict:
    """Decide whether a complaint was valid; deciding again supersedes the
    previous verdict (which stays on record)."""
    if verdict not in VERDICTS:
        raise RoutingError("invalid_verdict", str(_l("The verdict must be valid, invalid or major.")))
    if case.kind != "complaint":
        raise RoutingError("not_a_complaint", str(_l("Only a complaint can be judged valid or invalid.")))
    if not (reason or "").strip():
        raise RoutingError("reason_required", str(_l("Give the reason for the verdict.")))
    value = None if points in (None, "") else _decimal(points, "invalid_points", Decimal("0.5"), Decimal(20))
    _check_may_enter(session, by, case.unit_id, None)
    row = ComplaintVerdict(case_id=case.id, verdict=verdict, reason=reason.strip(), points=value,
                           decided_by_id=by.id if by else None, decided_at=now)
    previous = current_verdict(session, case.id)
    _record(session, row, now, replaces=previous)
    _audit(session, by, f"verdict {verdict} on {case.reference}"
           + (f" replaces {previous.verdict}" if previous is not None else ""), now)
    return row


@dataclass(frozen=True)
class NewLedgerEntry:
    kind: str  # "violation" | "merit"
    code: str
    points: int
    occurred_at: datetime
    staff_id: int | None = None
    unit_id: int | None = None
    note: str = ""


def record_ledger_entry(session: Session, new: NewLedgerEntry, by: Staff | None, now: datetime,
                        *, replaces: LedgerEntry | None = None) -> LedgerEntry:
    """A violation or merit of a staff member (1-3 points), or a unit's award."""
    if new.kind not in LEDGER_KINDS:
        raise RoutingError("invalid_ledger_kind", str(_l("An entry is a violation or a merit.")))
    if (new.staff_id is None) == (new.unit_id is None):
        raise RoutingError("ledger_subject", str(_l("An entry is about one staff member or one unit.")))
    code = (new.code or "").strip().lower().replace(" ", "_")
    if not code or len(code) > 60 or not all(ch.isalnum() or ch == "_" for ch in code):
        raise RoutingError("invalid_ledger_code", str(_l("Give the entry's code, such as late_or_early.")))
    low, high = STAFF_LEDGER_POINTS if new.staff_id is not None else UNIT_LEDGER_POINTS
    if isinstance(new.points, bool) or not isinstance(new.points, int) or not low <= new.points <= high:
        raise RoutingError("invalid_ledger_points",
                           str(_l("Points must be a whole number from %(low)s to %(high)s.", low=low, high=high)))
    if new.occurred_at.tzinfo is None:
        raise RoutingError("invalid_time", str(_l("The time needs its time zone.")))
    if new.staff_id is not None and session.get(Staff, new.staff_id) is None:
        raise NotFound("staff_not_found", str(_l("There is no such staff member.")))
    if new.unit_id is not None and session.get(Unit, new.unit_id) is None:
        raise NotFound("unit_not_found", str(_l("There is no such unit.")))
    _check_may_enter(session, by, new.unit_id, new.staff_id)
    row = LedgerEntry(staff_id=new.staff_id, unit_id=new.unit_id, kind=new.kind, code=code, points=new.points,
                      occurred_at=new.occurred_at, note=new.note or "", entered_by_id=by.id if by else None,
                      created_at=now)
    _record(session, row, now, replaces=replaces)
    subject = f"staff {new.staff_id}" if new.staff_id is not None else f"unit {new.unit_id}"
    _audit(session, by, f"ledger {row.id} {new.kind} {code} {new.points} {subject}"
           + (f" replaces {replaces.id}" if replaces is not None else ""), now)
    return row


WITHDRAW_REASON_MAX = 300  # the withdraw form's maxlength


def withdraw(session: Session, row: Inspection | LedgerEntry, by: Staff | None, now: datetime, reason: str) -> None:
    """Take an entry out of the scores without deleting it (entered by mistake)."""
    _check_may_enter(session, by, row.unit_id, row.staff_id)  # first: a stranger learns nothing of the entry
    _check_current(row)
    if not (reason or "").strip():
        raise RoutingError("reason_required", str(_l("Give the reason for withdrawing the entry.")))
    if len(reason.strip()) > WITHDRAW_REASON_MAX:
        raise RoutingError("reason_too_long", str(_l("Keep the reason to %(max)s characters or fewer.",
                                                      max=WITHDRAW_REASON_MAX)))
    row.superseded_at = now
    row.note = f"{row.note}\n[withdrawn: {reason.strip()}]".strip()
    _audit(session, by, f"withdrew {row.__tablename__} {row.id}", now)

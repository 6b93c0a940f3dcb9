"""Scoring's tables: what supervisors enter (inspections, complaint
verdicts, ledger entries) and the audit trail of who looked at scores.

Nothing here is ever deleted (RULES 7: complaint information is never
concealed or destroyed): a correction is a new row, and the row it replaces
gets `superseded_at` and `superseded_by_id`. Metrics and scorecards read only
current rows (`superseded_at IS NULL`). Entering is scoring.services.entries'.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from routing.foundation.db import Base, UTCDateTime
from routing.models import DAY_MARKED, Case, Staff, Unit, case_counted_at
from scoring.engine.periods import Period
from scoring.engine.tallies import TALLY_SOURCE

INSPECTION_KINDS = (
    "mystery_shopper", "off_site", "on_site", "self_check", "spot_check", "checklist", "management",
    "daily_work", "attendance", "self_assessment", "manager_assessment", "questionnaire",
)
VERDICTS = ("valid", "invalid", "major")
LEDGER_KINDS = ("violation", "merit")
AUDIT_ACTIONS = ("view", "export", "enter")
# The twelve-point ledger (RULES 5.6) moves 1-10 points per entry (a media
# exposure 5-10); a unit's entry is an award (bank_branch bonuses, RULES 5.2)
# or a deduction such as an incomplete callback record (0.5-1, RULES 5.3).
STAFF_LEDGER_POINTS = (Decimal(1), Decimal(10))
UNIT_LEDGER_POINTS = (Decimal("0.5"), Decimal(100))
LEDGER_POINT_STEP = Decimal("0.5")

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
    points: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    # The fine or reward in yuan where the checker sets it (a range in the
    # scheme, such as 200-300); empty: the scheme's amount for the points.
    yuan: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
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
        CheckConstraint("points > 0", name="points"),
        CheckConstraint("yuan IS NULL OR yuan >= 0", name="yuan"),
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


# What supervisors enter changes the scorecards of the day it counts on: a
# verdict the day its complaint came in, a ledger entry the day it happened,
# an inspection the first day of the period it is for.
DAY_MARKED[ComplaintVerdict] = lambda session, row: case_counted_at(session, row.case_id)
DAY_MARKED[LedgerEntry] = lambda session, row: [row.occurred_at]
DAY_MARKED[Inspection] = lambda session, row: [Period.parse(row.period_label).bounds("UTC")[0]]


# --- daily roll-ups (scoring.services.daily_tallies) ---------------------------

# Each unit's and staff member's own tallies (scoring.engine.tallies) for one
# local day of the time zone `tz`: units not summed up the tree (the tree may
# change; it is applied when read).
daily_tally = Table(
    "daily_tally", Base.metadata,
    Column("tz", String(64), primary_key=True),
    Column("subject_kind", String(5), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("subject_id", Integer, primary_key=True),
    *(Column(name, BigInteger, nullable=False, default=0) for name in TALLY_SOURCE),
)


class TallyDay(Base):
    """A day whose roll-up is built, and the day marks (routing.models.DayMark)
    it was built under: when they differ, the day is counted from the rows."""

    __tablename__ = "daily_tally_day"

    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stamps: Mapped[str] = mapped_column(String(100))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())

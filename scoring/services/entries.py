"""Entering what the platform cannot observe: inspection results, complaint
verdicts and ledger entries, corrected by a new row and withdrawn without
deleting (scoring.models). Only those who may enter them (routing.rules.access)
do; every entry is audited. Services take a session and do not commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import Conflict, Forbidden, NotFound, RoutingError
from routing.models import Case, Staff, Unit
from scoring.engine.periods import Period, PeriodError
from scoring.models import (
    INSPECTION_KINDS,
    LEDGER_KINDS,
    LEDGER_POINT_STEP,
    STAFF_LEDGER_POINTS,
    UNIT_LEDGER_POINTS,
    VERDICTS,
    ComplaintVerdict,
    Inspection,
    LedgerEntry,
)
from scoring.services.sight import audit, may_enter


def _audit(session: Session, by: Staff | None, what: str, now: datetime) -> None:
    audit(session, by, "enter", what, now)


def _check_may_enter(session: Session, by: Staff | None, unit_id: int | None, staff_id: int | None) -> None:
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


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


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
    points: Decimal | int | str
    occurred_at: datetime
    staff_id: int | None = None
    unit_id: int | None = None
    note: str = ""
    yuan: Decimal | int | str | None = None  # the fine or reward, where the checker sets it


def record_ledger_entry(session: Session, new: NewLedgerEntry, by: Staff | None, now: datetime,
                        *, replaces: LedgerEntry | None = None) -> LedgerEntry:
    """A violation or merit of a staff member (whole points, 1-10), or a unit's
    award or deduction (0.5-100 in steps of 0.5: RULES 5.3 "0.5-1 point" per
    incomplete callback record), with its fine or reward where set."""
    if new.kind not in LEDGER_KINDS:
        raise RoutingError("invalid_ledger_kind", str(_l("An entry is a violation or a merit.")))
    if (new.staff_id is None) == (new.unit_id is None):
        raise RoutingError("ledger_subject", str(_l("An entry is about one staff member or one unit.")))
    code = (new.code or "").strip().lower().replace(" ", "_")
    if not code or len(code) > 60 or not all(ch.isalnum() or ch == "_" for ch in code):
        raise RoutingError("invalid_ledger_code", str(_l("Give the entry's code, such as late_or_early.")))
    low, high = STAFF_LEDGER_POINTS if new.staff_id is not None else UNIT_LEDGER_POINTS
    step = Decimal(1) if new.staff_id is not None else LEDGER_POINT_STEP
    points = None if isinstance(new.points, (bool, float)) else _number(new.points)
    if points is None or not low <= points <= high or points % step:
        message = _l("Points must be a whole number from %(low)s to %(high)s.", low=low, high=high) if step == 1 \
            else _l("Points must be from %(low)s to %(high)s in steps of %(step)s.", low=low, high=high, step=step)
        raise RoutingError("invalid_ledger_points", str(message))
    yuan = None if new.yuan in (None, "") else _number(new.yuan)
    if new.yuan not in (None, "") and (yuan is None or not 0 <= yuan <= 1_000_000):
        raise RoutingError("invalid_yuan", str(_l("The amount in yuan must be a number, 0 or more.")))
    if new.occurred_at.tzinfo is None:
        raise RoutingError("invalid_time", str(_l("The time needs its time zone.")))
    if new.staff_id is not None and session.get(Staff, new.staff_id) is None:
        raise NotFound("staff_not_found", str(_l("There is no such staff member.")))
    if new.unit_id is not None and session.get(Unit, new.unit_id) is None:
        raise NotFound("unit_not_found", str(_l("There is no such unit.")))
    _check_may_enter(session, by, new.unit_id, new.staff_id)
    row = LedgerEntry(staff_id=new.staff_id, unit_id=new.unit_id, kind=new.kind, code=code, points=points, yuan=yuan,
                      occurred_at=new.occurred_at, note=new.note or "", entered_by_id=by.id if by else None,
                      created_at=now)
    _record(session, row, now, replaces=replaces)
    subject = f"staff {new.staff_id}" if new.staff_id is not None else f"unit {new.unit_id}"
    _audit(session, by, f"ledger {row.id} {new.kind} {code} {points} {subject}"
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

"""Evaluator coverage applied each month (scoring.engine.coverage): every
staff member of a counter (where the rating device is) who served in the
month is measured from what was recorded (services and ratings), and a shortfall becomes one ledger entry of
1 point with the measured rates in its note, so the twelve-point ledger
explains it line by line (-1 point, -100 yuan). Applying a month again adds
nothing. Services take a session and do not commit."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Staff, Unit
from scoring import labels
from scoring.engine.coverage import LEDGER_CODE, TARGETS, shortfalls
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.models import LedgerEntry
from scoring.services.entries import NewLedgerEntry, record_ledger_entry
from scoring.services.metrics import metrics_from, tallies

MEASURED = ("satisfaction_rate", "evaluation_rate")  # the device's on-time has no log to read yet


def _note(month: Period, missed: dict) -> str:
    parts = [gettext("%(metric)s %(value)s (target %(target)s)", metric=labels.METRIC_LABELS.get(name, name),
                     value=f"{value * 100:.1f}%", target=f"{(target * 100).normalize():f}%")
             for name, (value, target) in sorted(missed.items())]
    return gettext("Evaluator coverage %(month)s: %(shortfalls)s", month=month.label, shortfalls="; ".join(parts))


def apply_evaluator_coverage(session: Session, month: Period, now: datetime, tz: str = DEFAULT_TIMEZONE,
                             targets=TARGETS) -> list[LedgerEntry]:
    """The month's ledger entries for staff short of the targets (new ones only)."""
    counted = tallies(session, [month], tz, subject_kind="staff", rollup=False,
                      names=["rated", "satisfied", "services"])
    start, end = month.bounds(tz)
    at = end - timedelta(seconds=1)  # the month's last moment: the entry counts in that month
    at_counters = set(session.scalars(select(Staff.id).join(Unit, Staff.unit_id == Unit.id).where(
        Unit.level == "counter", Staff.active.is_(True))))
    done = set(session.scalars(select(LedgerEntry.staff_id).where(
        LedgerEntry.code == LEDGER_CODE, LedgerEntry.occurred_at == at, LedgerEntry.superseded_at.is_(None))))
    entered = []
    for (staff_id, _period), counts in sorted(counted.items(), key=lambda item: item[0][0]):
        if not counts.get("services") or staff_id in done or staff_id not in at_counters:
            continue
        measured = metrics_from(counts, set(MEASURED))
        missed = shortfalls({name: measured.get(name) for name in MEASURED}, targets)
        if missed:
            entered.append(record_ledger_entry(session, NewLedgerEntry(
                kind="violation", code=LEDGER_CODE, points=1, occurred_at=at, staff_id=staff_id,
                note=_note(month, missed)), None, now))
    return entered


def coverage_tick(session: Session, now: datetime, tz: str = DEFAULT_TIMEZONE) -> dict:
    """The tick job: once a month has ended, its coverage is applied (the
    first sweep of the next month does it; later sweeps find it done)."""
    month = Period.containing(now, "month", tz).previous()
    return {"month": month.label, "entered": len(apply_evaluator_coverage(session, month, now, tz))}

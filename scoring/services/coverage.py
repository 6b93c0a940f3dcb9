"""Evaluator coverage applied each month (scoring.engine.coverage): every
staff member of a counter (where the rating device is) who served in the
month is measured from what was recorded (services, ratings, and the
heartbeats of the counter evaluators), and a shortfall becomes one ledger entry of
1 point with the measured rates in its note, so the twelve-point ledger
explains it line by line (-1 point, -100 yuan). Applying a month again adds
nothing. Services take a session and do not commit."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import CounterDevice, Staff, Unit
from routing.services.devices import device_calendar, heartbeat_grace, uptime_stretches
from scoring import labels
from scoring.engine.coverage import LEDGER_CODE, TARGETS, DeviceLog, device_on_rate, shortfalls
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.models import LedgerEntry
from scoring.services.entries import NewLedgerEntry, record_ledger_entry
from scoring.services.metrics import metrics_from, tallies

MEASURED = ("satisfaction_rate", "evaluation_rate")


def device_on_rates(session: Session, start: datetime, end: datetime, config: Mapping,
                    staff_ids=None) -> dict[int, object]:
    """staff id -> the on-time of their counter evaluators in [start, end):
    the devices that rate them by name, else those of their counter unit.
    Staff with no device in kiosk mode in the period are left out (not
    measured, so no shortfall)."""
    devices = session.scalars(select(CounterDevice).where(
        CounterDevice.enabled_at < end,
        (CounterDevice.disabled_at.is_(None)) | (CounterDevice.disabled_at > start))).all()
    if not devices:
        return {}
    grace = heartbeat_grace(config) / 2.5  # a heartbeat vouches for the device until the next one is due
    stretches = uptime_stretches(session, [d.id for d in devices], start, end)
    logs = {d.id: DeviceLog(expected=(max(start, d.enabled_at), min(end, d.disabled_at or end)),
                            on=[(a, b + grace) for a, b in stretches[d.id]]) for d in devices}
    query = select(Staff.id, Staff.unit_id).where(Staff.active.is_(True))
    if staff_ids is not None:
        query = query.where(Staff.id.in_(list(staff_ids)))
    cal = device_calendar(session, config)
    rates = {}
    for staff_id, unit_id in session.execute(query):
        theirs = [logs[d.id] for d in devices if d.staff_id == staff_id] or [
            logs[d.id] for d in devices if d.staff_id is None and d.unit_id == unit_id]
        if theirs:
            rates[staff_id] = device_on_rate(theirs, cal)
    return rates


def _note(month: Period, missed: dict) -> str:
    parts = [gettext("%(metric)s %(value)s (target %(target)s)", metric=labels.METRIC_LABELS.get(name, name),
                     value=f"{value * 100:.1f}%", target=f"{(target * 100).normalize():f}%")
             for name, (value, target) in sorted(missed.items())]
    return gettext("Evaluator coverage %(month)s: %(shortfalls)s", month=month.label, shortfalls="; ".join(parts))


def apply_evaluator_coverage(session: Session, month: Period, now: datetime, tz: str = DEFAULT_TIMEZONE,
                             targets=TARGETS, config: Mapping | None = None) -> list[LedgerEntry]:
    """The month's ledger entries for staff short of the targets (new ones only)."""
    counted = tallies(session, [month], tz, subject_kind="staff", rollup=False,
                      names=["rated", "satisfied", "services"])
    start, end = month.bounds(tz)
    at = end - timedelta(seconds=1)  # the month's last moment: the entry counts in that month
    at_counters = set(session.scalars(select(Staff.id).join(Unit, Staff.unit_id == Unit.id).where(
        Unit.level == "counter", Staff.active.is_(True))))
    done = set(session.scalars(select(LedgerEntry.staff_id).where(
        LedgerEntry.code == LEDGER_CODE, LedgerEntry.occurred_at == at, LedgerEntry.superseded_at.is_(None))))
    on_rates = device_on_rates(session, start, end, config or {})
    entered = []
    for (staff_id, _period), counts in sorted(counted.items(), key=lambda item: item[0][0]):
        if not counts.get("services") or staff_id in done or staff_id not in at_counters:
            continue
        measured = metrics_from(counts, set(MEASURED))
        missed = shortfalls({**{name: measured.get(name) for name in MEASURED},
                             "device_on_rate": on_rates.get(staff_id)}, targets)
        if missed:
            entered.append(record_ledger_entry(session, NewLedgerEntry(
                kind="violation", code=LEDGER_CODE, points=1, occurred_at=at, staff_id=staff_id,
                note=_note(month, missed)), None, now))
    return entered


def coverage_tick(session: Session, now: datetime, tz: str = DEFAULT_TIMEZONE, config: Mapping | None = None) -> dict:
    """The tick job: once a month has ended, its coverage is applied (the
    first sweep of the next month does it; later sweeps find it done)."""
    month = Period.containing(now, "month", tz).previous()
    return {"month": month.label, "entered": len(apply_evaluator_coverage(session, month, now, tz, config=config))}

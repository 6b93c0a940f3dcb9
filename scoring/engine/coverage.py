"""Evaluator coverage (RULES 1; seed 004, item 15): the counter's rating
device is on all the time, satisfaction is at least 99% and the evaluation
rate (rated transactions / all transactions) at least 85%; an employee short
of any of them loses 1 point and 100 yuan that month (the twelve-point
ledger's "violation.rating_device"). Pure: measured rates in, shortfalls out;
the device's on-time from its heartbeats' stretches and the working calendar."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from routing.rules.calendar import Calendar, working_time_between

# Presets, as fractions; an organisation may set its own.
TARGETS = {"device_on_rate": Decimal(1), "satisfaction_rate": Decimal("0.99"), "evaluation_rate": Decimal("0.85")}
LEDGER_CODE = "rating_device"


def shortfalls(measured: Mapping[str, Decimal | None],
               targets: Mapping[str, Decimal] = TARGETS) -> dict[str, tuple[Decimal, Decimal]]:
    """name -> (measured, target) for each rate below its target. A rate not
    measured (None: no device log, no services) is no shortfall: nothing is
    deducted on data the platform does not have."""
    return {name: (value, targets[name]) for name, value in measured.items()
            if name in targets and value is not None and value < targets[name]}


Stretch = tuple[datetime, datetime]


def _merged(stretches: Iterable[Stretch]) -> list[Stretch]:
    merged: list[list[datetime]] = []
    for start, end in sorted(s for s in stretches if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


@dataclass(frozen=True)
class DeviceLog:
    """One device over a period: when it should have been on (`expected`,
    from being switched to kiosk mode until switched off, within the period)
    and when its heartbeats say it was (`on`)."""

    expected: Stretch
    on: Sequence[Stretch]


def device_on_rate(logs: Iterable[DeviceLog], cal: Calendar) -> Decimal | None:
    """Working time on over working time expected, across the devices (the
    "开机率" of 004). None when no working time was expected: no device, or
    none in kiosk mode during the period. Rounded down, so that a device off
    for a moment is not "100%"."""
    expected = on = timedelta(0)
    for log in logs:
        window_start, window_end = log.expected
        if window_start >= window_end:
            continue
        expected += working_time_between(cal, window_start, window_end)
        for start, end in _merged(log.on):
            start, end = max(start, window_start), min(end, window_end)
            if start < end:
                on += working_time_between(cal, start, end)
    if not expected:
        return None
    return (Decimal(on.total_seconds()) / Decimal(expected.total_seconds())).quantize(Decimal("0.0001"), ROUND_DOWN)

"""Evaluator coverage (RULES 1; seed 004, item 15): the counter's rating
device is on all the time, satisfaction is at least 99% and the evaluation
rate (rated transactions / all transactions) at least 85%; an employee short
of any of them loses 1 point and 100 yuan that month (the twelve-point
ledger's "violation.rating_device"). Pure: measured rates in, shortfalls out."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

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

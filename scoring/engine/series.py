"""Rules across a series of months: the annual award lost after two months
below 90 (RULES 5.1), dismissal after two months at 30 deduction points or
more (RULES 5.7)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from scoring.engine.scorecard import Scorecard


def _totals(series: Iterable[Scorecard | Decimal | None]) -> list[Decimal | None]:
    return [s.total if isinstance(s, Scorecard) else s for s in series]


def loses_annual_award(
    monthly: Iterable[Scorecard | Decimal | None], *, below: Decimal = Decimal(90), times: int = 2
) -> bool:
    """RULES 5.1: `times` months below `below` in the year lose year-end award
    eligibility. Months not rated do not count."""
    return sum(1 for t in _totals(monthly) if t is not None and t < below) >= times


def dismissal_due(
    monthly: Sequence[Scorecard | Decimal | None], *, at_least: Decimal = Decimal(30), consecutive: int = 2
) -> bool:
    """RULES 5.7: `consecutive` months in a row (chronological order) with
    `at_least` deduction points. A month without a scorecard breaks the run."""
    run = 0
    for total in _totals(monthly):
        run = run + 1 if total is not None and total >= at_least else 0
        if run >= consecutive:
            return True
    return False

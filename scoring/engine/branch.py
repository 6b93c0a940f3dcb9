"""A branch's score from its outlets' scorecards and its own management
check (RULES 5.2)."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from scoring.engine.inputs import Event, ScoreInputs
from scoring.engine.scheme import Scheme
from scoring.engine.scorecard import Scorecard, score

# Inspection kinds the bank_branch preset reads (RULES 5.2).
OUTLET_SCORES = "outlet_scores"
BRANCH_MANAGEMENT = "branch_management"


def branch_score(
    scheme: Scheme,
    subject: str,
    period: str,
    outlet_cards: Iterable[Scorecard],
    *,
    management: Decimal | None = None,
    bonuses: Iterable[Event | tuple] = (),
) -> Scorecard:
    """RULES 5.2: branch = mean of its rated outlets x 40% + management x 60% +
    bonuses; without a management check the outlets' mean weighs 100%."""
    outlet_totals = [c.total for c in outlet_cards if not c.not_rated and c.total is not None]
    inspections: dict[str, Any] = {OUTLET_SCORES: outlet_totals}
    if management is not None:
        inspections[BRANCH_MANAGEMENT] = management
    return score(scheme, ScoreInputs(subject, period, inspections=inspections, events=tuple(bonuses)))

"""Rankings (RULES 5.8): places with ties, and what the first and last
places win or lose."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from scoring.engine.inputs import ZERO
from scoring.engine.scorecard import Line, Scorecard


@dataclass(frozen=True)
class Placing:
    subject: str
    place: int
    total: Decimal
    scorecard: Scorecard


def rank(scorecards: Iterable[Scorecard], *, higher_is_better: bool = True) -> list[Placing]:
    """Best first; equal totals share a place (1, 1, 3); not-rated cards are left out."""
    rated = sorted(
        (c for c in scorecards if not c.not_rated and c.total is not None),
        key=lambda c: (-c.total if higher_is_better else c.total, c.subject),
    )
    placings: list[Placing] = []
    for position, card in enumerate(rated, start=1):
        tied = placings and placings[-1].total == card.total
        placings.append(Placing(card.subject, placings[-1].place if tied else position, card.total, card))
    return placings


@dataclass(frozen=True)
class RankingOutcome:
    subject: str
    place: int
    money: Decimal = ZERO
    flags: tuple[str, ...] = ()
    money_breakdown: tuple[Line, ...] = ()


def _last_places(placings: Sequence[Placing]) -> set[str]:
    last = placings[-1].place if placings else 1
    return {p.subject for p in placings if p.place == last} if last > 1 else set()


def ranking_outcomes(
    months: Sequence[Iterable[Scorecard]],
    *,
    first_reward: Decimal = Decimal(100),
    last_penalty: Decimal = Decimal(100),
    improvement_plan_last: int = 2,
    transfer_after: int = 3,
    higher_is_better: bool = True,
) -> list[RankingOutcome]:
    """RULES 5.8 for the latest of `months` (chronological): first place gets
    `first_reward`, last place loses `last_penalty`; the last
    `improvement_plan_last` positions submit an improvement plan; last place
    `transfer_after` months running is due a transfer. Tied subjects share the
    consequence of their place; when everyone ties there is no first or last."""
    ranked = [rank(m, higher_is_better=higher_is_better) for m in months]
    if not ranked or not ranked[-1]:
        return []
    current = ranked[-1]
    last = _last_places(current)
    plan_from = current[max(len(current) - improvement_plan_last, 0)].place if last else None
    recent = ranked[-transfer_after:] if len(ranked) >= transfer_after else []
    outcomes = []
    for placing in current:
        lines, flags = [], []
        if last and placing.place == 1:
            lines.append(Line("ranking", first_reward, "ranking_first", {"place": 1}))
        if placing.subject in last:
            lines.append(Line("ranking", -last_penalty, "ranking_last", {"place": placing.place}))
        if plan_from is not None and placing.place >= plan_from:
            flags.append("improvement_plan")
        if recent and all(placing.subject in _last_places(m) for m in recent):
            flags.append("transfer")
        money = sum((line.points for line in lines), ZERO)
        outcomes.append(RankingOutcome(placing.subject, placing.place, money, tuple(flags), tuple(lines)))
    return outcomes

"""The escalation ladder (RULES section 3).

Levels are indices into LEVELS: 0 the handler, 1 the supervisor, up to 4 the
general manager. A breached target climbs one level per escalation delay; some
cases start higher at once (a major complaint, a large claim). Who sits at a
level comes from the unit tree: the nearest holder walking up from the case's
unit, a level nobody holds falling through to the next one up.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

LEVELS = ("handler", "supervisor", "manager", "deputy_gm", "gm")
TOP = len(LEVELS) - 1
# 003 第二十七条: 1000元以下 销售部门经理, 1000-5000元 副总经理, 5000元以上 总经理.
AUTHORITY_THRESHOLDS = (Decimal(1000), Decimal(5000))


def escalation_level_due(breached_at: datetime | None, now: datetime, delay: timedelta,
                         max_level: int = TOP) -> int:
    """0 before the breach, 1 (supervisor) at it, one more per `delay` after, capped."""
    if delay <= timedelta(0):
        raise ValueError("delay must be positive")
    if breached_at is None or now < breached_at:
        return 0
    return min(1 + (now - breached_at) // delay, max_level)


def authority_level(amount_claimed: Decimal | float | int,
                    thresholds: tuple[Decimal | float | int, Decimal | float | int] = AUTHORITY_THRESHOLDS) -> str:
    """Who may approve a claim of this amount (003).

    The seed's bands are "below 1,000", "1,000-5,000" and "above 5,000": the
    middle band includes both of its ends, so exactly 1,000 and exactly 5,000
    go to the deputy GM; the GM only above 5,000.
    """
    low, high = thresholds
    if amount_claimed < 0:
        raise ValueError("amount_claimed must not be negative")
    if amount_claimed < low:
        return "manager"
    return "deputy_gm" if amount_claimed <= high else "gm"


def immediate_level(severity: str | None, amount_claimed: Decimal | float | int | None = None,
                    thresholds: tuple[Decimal | float | int, Decimal | float | int] = AUTHORITY_THRESHOLDS) -> str:
    """The level a complaint goes to at once: a major one to the deputy GM (003),
    a claim to its approval authority; the higher wins. Otherwise the handler."""
    levels = ["handler"]
    if severity == "major":
        levels.append("deputy_gm")
    if amount_claimed is not None:
        levels.append(authority_level(amount_claimed, thresholds))
    return max(levels, key=LEVELS.index)


def _role_of(unit: Any, level: str) -> Any:
    return unit.get(level) if isinstance(unit, Mapping) else getattr(unit, level, None)


def ladder_for(unit_chain: Sequence[Any],
               role_of: Callable[[Any, str], Any] = _role_of) -> dict[str, Any]:
    """Who answers at each level for a case in unit_chain[0].

    `unit_chain` runs from the case's unit up to the root; `role_of(unit, level)`
    gives the staff id holding that level in that unit, or None (by default: the
    dict key or attribute named like the level). Each level goes to the nearest
    holder up the chain; a level nobody holds goes to the holder of the next
    level up; None only when nobody holds it or anything above it.
    """
    holders = {level: next((s for s in (role_of(u, level) for u in unit_chain) if s is not None), None)
               for level in LEVELS}
    ladder: dict[str, Any] = {}
    above = None
    for level in reversed(LEVELS):
        above = holders[level] if holders[level] is not None else above
        ladder[level] = above
    return {level: ladder[level] for level in LEVELS}

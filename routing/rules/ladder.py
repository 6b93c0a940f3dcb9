"""The escalation ladder (RULES section 3).

Levels are indices into LEVELS: 0 the handler, 1 the supervisor, up to 4 the
general manager. A breached target climbs one level per escalation delay; some
cases start higher at once (a major complaint, a large claim). Who sits at a
level comes from the unit tree: the nearest holder walking up from the case's
unit, a level nobody holds falling through to the next one up.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from routing.presets import read_preset

LEVELS = ("handler", "supervisor", "manager", "deputy_gm", "gm")
TOP = len(LEVELS) - 1
Amount = Decimal | float | int


@dataclass(frozen=True)
class AuthorityBand:
    """Claims up to `up_to` (including it or not) are approved at `level`;
    the last band has no bound."""

    level: str
    up_to: Decimal | None = None
    includes_bound: bool = True

    def holds(self, amount: Amount) -> bool:
        if self.up_to is None:
            return True
        return amount < self.up_to or (self.includes_bound and amount == self.up_to)


Authority = tuple[AuthorityBand, ...]


def authority_from_list(items: Iterable[Mapping[str, Any]]) -> Authority:
    """Bands from plain data ([{"level": "manager", "up_to": 1000,
    "includes_bound": true}, ..., {"level": "gm"}]): bounds rising, the last
    one open, every level a rung of the ladder."""
    bands = []
    for item in items:
        unknown = set(item) - {"level", "up_to", "includes_bound"}
        if unknown:
            raise ValueError(f"unknown keys of an authority band: {', '.join(sorted(unknown))}")
        if item.get("level") not in LEVELS:
            raise ValueError(f"an authority band's level is one of {', '.join(LEVELS)}")
        try:
            up_to = None if item.get("up_to") is None else Decimal(str(item["up_to"]))
        except InvalidOperation:
            raise ValueError(f"not an amount: {item['up_to']!r}") from None
        bands.append(AuthorityBand(item["level"], up_to, bool(item.get("includes_bound", True))))
    bounds = [band.up_to for band in bands[:-1]]
    if not bands or bands[-1].up_to is not None or None in bounds or bounds != sorted(set(bounds)):
        raise ValueError("authority bands need rising bounds and a last band without one")
    return tuple(bands)


@lru_cache(maxsize=1)
def load_preset_authority() -> Authority:
    """The bands of routing/presets/authority.toml (003, read as RULES 3 says)."""
    return authority_from_list(read_preset("authority.toml")["band"])


def escalation_level_due(breached_at: datetime | None, now: datetime, delay: timedelta,
                         max_level: int = TOP) -> int:
    """0 before the breach, 1 (supervisor) at it, one more per `delay` after, capped."""
    if delay <= timedelta(0):
        raise ValueError("delay must be positive")
    if breached_at is None or now < breached_at:
        return 0
    return min(1 + (now - breached_at) // delay, max_level)


def authority_level(amount_claimed: Amount, authority: Authority | None = None) -> str:
    """Who may approve a claim of this amount (003): the first band that
    holds it (by default the preset: 1,000 or less the department manager,
    above 1,000 and below 5,000 the deputy GM, 5,000 or more the GM)."""
    if amount_claimed < 0:
        raise ValueError("amount_claimed must not be negative")
    return next(band.level for band in authority or load_preset_authority() if band.holds(amount_claimed))


def immediate_level(severity: str | None, amount_claimed: Amount | None = None,
                    authority: Authority | None = None) -> str:
    """The level a complaint goes to at once: a major one to the deputy GM (003),
    a claim to its approval authority; the higher wins. Otherwise the handler."""
    levels = ["handler"]
    if severity == "major":
        levels.append("deputy_gm")
    if amount_claimed is not None:
        levels.append(authority_level(amount_claimed, authority))
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

"""Which time-limit policy governs a case.

A policy rule names the cases it covers by kind, category, severity, area and
channel (None: any), and gives a time limit per target, the calendar its
working time runs on, when to warn and how fast to escalate. The most
specific matching rule wins: the one with the most criteria set; among equally
specific rules the higher priority, then the name in alphabetical order, so
the choice never depends on the order rules were stored in.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time
from typing import Any

from routing.presets import read_preset
from routing.rules.calendar import parse_time
from routing.rules.timelimits import TARGETS, TimeLimit, format_time, timelimit_from_dict, timelimit_to_dict

CRITERIA = ("kind", "category", "severity", "area", "channel")
MAX_ESCALATION_DELAY = 366 * 24 * 60  # a year of minutes between two levels


@dataclass(frozen=True)
class PolicyRule:
    name: str
    kind: str | None = None
    category: str | None = None
    severity: str | None = None
    area: str | None = None
    channel: str | None = None
    priority: int = 0
    limits: Mapping[str, TimeLimit] = field(default_factory=dict)
    calendar: str = "24x7"  # a calendar's name
    warn_fraction: float = 0.75  # warn when this share of the limit has elapsed
    escalation_delay: int = 1440  # minutes between escalation levels after a breach
    # 004: a report at or after the cut-off (local time) counts, for every
    # target, from the next morning's start of duty; in the special periods
    # an administrator switches on (date ranges, both ends included) the
    # special cut-off applies instead. None (or 24:00): no cut-off.
    cutoff: time | None = None
    special_cutoff: time | None = None
    special_periods: tuple[tuple[date, date], ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.limits) - set(TARGETS)
        if unknown:
            raise ValueError(f"unknown targets: {', '.join(sorted(unknown))}")
        for name in ("cutoff", "special_cutoff"):
            if getattr(self, name) == time(0):
                object.__setattr__(self, name, None)  # 24:00 cuts nothing off
        periods = tuple(sorted((first, last) for first, last in self.special_periods))
        if any(not (isinstance(a, date) and isinstance(b, date)) or b < a for a, b in periods):
            raise ValueError("a special period is two dates, the first not after the last")
        object.__setattr__(self, "special_periods", periods)
        if not 0 < self.warn_fraction <= 1:
            raise ValueError("warn_fraction must be in (0, 1]")
        if not 0 < self.escalation_delay <= MAX_ESCALATION_DELAY:
            raise ValueError(f"escalation_delay must be between 1 and {MAX_ESCALATION_DELAY} minutes")

    @property
    def specificity(self) -> int:
        return sum(getattr(self, c) is not None for c in CRITERIA)

    def covers(self, **case: str | None) -> bool:
        return all(getattr(self, c) in (None, case[c]) for c in CRITERIA)

    def cutoff_on(self, day: date) -> time | None:
        """The cut-off of reports received on this local day."""
        if any(first <= day <= last for first, last in self.special_periods):
            return self.special_cutoff
        return self.cutoff


def match_policy(rules: Iterable[PolicyRule], kind: str | None, category: str | None = None,
                 severity: str | None = None, area: str | None = None,
                 channel: str | None = None) -> PolicyRule | None:
    """The most specific rule covering the case, or None when none does."""
    case = dict(kind=kind, category=category, severity=severity, area=area, channel=channel)
    matching = [rule for rule in rules if rule.covers(**case)]
    return min(matching, key=lambda r: (-r.specificity, -r.priority, r.name), default=None)


def policy_from_dict(d: Mapping[str, Any]) -> PolicyRule:
    """Plain data (JSON in the database, a [[policy]] table in TOML) to a rule;
    missing keys take the dataclass defaults."""
    names = {f.name for f in fields(PolicyRule)}
    unknown = set(d) - names
    if unknown:
        raise ValueError(f"unknown policy keys: {', '.join(sorted(unknown))}")
    times = {name: None if d.get(name) is None else parse_time(d[name]) for name in ("cutoff", "special_cutoff")}
    periods = tuple((_date(first), _date(last)) for first, last in d.get("special_periods", ()))
    return PolicyRule(**{**d, **times, "special_periods": periods,
                         "limits": {t: timelimit_from_dict(v) for t, v in d.get("limits", {}).items()}})


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def policy_to_dict(rule: PolicyRule) -> dict[str, Any]:
    d = {f.name: getattr(rule, f.name) for f in fields(PolicyRule)}
    d["limits"] = {t: timelimit_to_dict(limit) for t, limit in rule.limits.items()}
    d["cutoff"], d["special_cutoff"] = format_time(rule.cutoff), format_time(rule.special_cutoff)
    d["special_periods"] = [[first.isoformat(), last.isoformat()] for first, last in rule.special_periods]
    return d


def load_preset_policies() -> list[PolicyRule]:
    """The RULES section 2 presets shipped in routing/presets/policies.toml."""
    return [policy_from_dict(d) for d in read_preset("policies.toml")["policy"]]

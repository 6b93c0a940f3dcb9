"""What a scheme reads for one subject and period, as plain values (RULES 6):
metrics, inspection scores, survey answers and events. Pure: the metrics
layer (scoring.services.scorecards) gathers them."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class SchemeError(ValueError):
    """A scheme file that cannot be used as written."""


class ScoreInputError(ValueError):
    """Inputs a scheme cannot score, e.g. a violation recorded without its time."""


def decimal_of(value: Any, what: str = "number") -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SchemeError(f"{what}: expected a number, got {value!r}")
    try:
        # str() keeps a TOML float such as 0.4 exactly 0.4, not its binary neighbour.
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise SchemeError(f"{what}: not a number: {value!r}") from exc


def _matches(kind: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(kind, pattern) for pattern in patterns)


@dataclass(frozen=True)
class Event:
    """Something counted against or for the subject: a valid complaint, a problem
    found in inspection, a violation, a merit. `points` (a magnitude) overrides
    the scheme's default where the rule gives a range (e.g. 0.5-1, 1-3); `at`
    is needed where recurrence matters (the twelve-point ledger); `yuan` (a
    magnitude) is the fine or reward recorded with it, where the rule gives a
    range of money."""

    kind: str
    ref: str | None = None
    points: Decimal | None = None
    at: datetime | None = None
    yuan: Decimal | None = None
    unjudged: bool = False  # a complaint counted as the scheme says until someone judges it


@dataclass(frozen=True)
class ScoreInputs:
    """Everything a scheme may read for one subject and period, as plain values.

    metrics: computed values by name (rates as fractions, e.g. 0.93).
    inspections: manual scores by kind; several values (e.g. monthly self-checks) allowed.
    inspected: kinds of inspection carried out whose findings are events, not a score.
    responses: survey answers (band names) by survey kind, or {band: count} for many answers.
    events: Event or (kind, ref, points[, at]) tuples.
    """

    subject: str
    period: str
    metrics: Mapping[str, Decimal] = field(default_factory=dict)
    inspections: Mapping[str, Decimal | Sequence[Decimal]] = field(default_factory=dict)
    inspected: frozenset[str] = frozenset()
    responses: Mapping[str, Sequence[str] | Mapping[str, int]] = field(default_factory=dict)
    events: Sequence[Event | tuple] = ()
    unjudged: int = 0  # complaints of the subject nobody has judged yet (shown on the scorecard)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "metrics", {k: decimal_of(v, k) for k, v in self.metrics.items() if v is not None})
        inspections: dict[str, tuple[Decimal, ...]] = {}
        for kind, value in self.inspections.items():
            values = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
            if values:
                inspections[kind] = tuple(decimal_of(v, kind) for v in values)
        setattr_(self, "inspections", inspections)
        setattr_(self, "inspected", frozenset(self.inspected) | frozenset(inspections))
        answers = ((k, {b: n for b, n in v.items() if n} if isinstance(v, Mapping) else tuple(v))
                   for k, v in self.responses.items())
        setattr_(self, "responses", {k: v for k, v in answers if v})
        events = []
        for event in self.events:
            if not isinstance(event, Event):
                event = Event(*event)
            if event.points is not None or event.yuan is not None:
                event = Event(event.kind, event.ref,
                              None if event.points is None else abs(decimal_of(event.points, event.kind)), event.at,
                              None if event.yuan is None else abs(decimal_of(event.yuan, event.kind)), event.unjudged)
            events.append(event)
        setattr_(self, "events", tuple(events))

    def events_of(self, patterns: Iterable[str]) -> list[Event]:
        patterns = tuple(patterns)
        return [e for e in self.events if _matches(e.kind, patterns)]

"""The scheme engine: turns a scheme (a TOML data file) and plain inputs into a
scorecard whose breakdown lines explain every point.

Pure: no Flask, no database, no clock. The metrics layer gathers ScoreInputs;
this module only does arithmetic (RULES 5 and 6). Reason codes plus params are
returned so a later layer can translate them; `describe()` is the English default.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase
from importlib import resources
from typing import Any

from scoring.engine.periods import MONTHS_IN

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class SchemeError(ValueError):
    """A scheme file that cannot be used as written."""


class ScoreInputError(ValueError):
    """Inputs a scheme cannot score, e.g. a violation recorded without its time."""


def _dec(value: Any, what: str = "number") -> Decimal:
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


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Event:
    """Something counted against or for the subject: a valid complaint, a problem
    found in inspection, a violation, a merit. `points` (a magnitude) overrides
    the scheme's default where the rule gives a range (e.g. 0.5-1, 1-3); `at`
    is needed where recurrence matters (the twelve-point ledger)."""

    kind: str
    ref: str | None = None
    points: Decimal | None = None
    at: datetime | None = None


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

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "metrics", {k: _dec(v, k) for k, v in self.metrics.items() if v is not None})
        inspections: dict[str, tuple[Decimal, ...]] = {}
        for kind, value in self.inspections.items():
            values = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
            if values:
                inspections[kind] = tuple(_dec(v, kind) for v in values)
        setattr_(self, "inspections", inspections)
        setattr_(self, "inspected", frozenset(self.inspected) | frozenset(inspections))
        answers = ((k, {b: n for b, n in v.items() if n} if isinstance(v, Mapping) else tuple(v))
                   for k, v in self.responses.items())
        setattr_(self, "responses", {k: v for k, v in answers if v})
        events = []
        for event in self.events:
            if not isinstance(event, Event):
                event = Event(*event)
            if event.points is not None:
                event = Event(event.kind, event.ref, abs(_dec(event.points, event.kind)), event.at)
            events.append(event)
        setattr_(self, "events", tuple(events))

    def events_of(self, patterns: Iterable[str]) -> list[Event]:
        patterns = tuple(patterns)
        return [e for e in self.events if _matches(e.kind, patterns)]


# --------------------------------------------------------------------------- scheme


@dataclass(frozen=True)
class Condition:
    """Predicates that must all hold, optionally with alternatives (`any`)."""

    predicates: tuple[tuple[str, Any], ...] = ()
    any_of: tuple[Condition, ...] = ()

    def uses_total(self) -> bool:
        return any(k.startswith("total_") for k, _ in self.predicates) or any(
            c.uses_total() for c in self.any_of
        )


@dataclass(frozen=True)
class EventRule:
    kind: str  # a pattern: "valid_complaint", "violation.*"
    points: Decimal | None  # signed default per event; None: each event carries its own
    sign: int  # +1 adds, -1 deducts
    range: tuple[Decimal, Decimal] | None = None
    multiplier: Decimal = Decimal(1)
    repeat_within_days: int | None = None
    repeat_multiplier: Decimal = Decimal(2)


@dataclass(frozen=True)
class Component:
    id: str
    start: Decimal | None = None
    inspection: str | None = None
    metric: str | None = None
    responses: str | None = None
    bands: Mapping[str, Decimal] = field(default_factory=dict)
    aggregate: str = "mean"
    scale: Decimal = Decimal(1)
    weight: Decimal = Decimal(1)
    when_missing: Decimal | None = None  # None: the component is absent
    thresholds: tuple[tuple[Decimal, Decimal], ...] = ()  # (at_least, counts_as)
    floor: Decimal | None = None
    cap: Decimal | None = None
    per_event: tuple[EventRule, ...] = ()
    adjustment: bool = False  # applied to the final score, never re-weighted


@dataclass(frozen=True)
class Grade:
    code: str
    at_least: Decimal | None = None
    above: Decimal | None = None

    def admits(self, total: Decimal) -> bool:
        if self.at_least is not None and total < self.at_least:
            return False
        return self.above is None or total > self.above


@dataclass(frozen=True)
class GradeCap:
    at_most: str
    when: Condition


@dataclass(frozen=True)
class Rule:
    """A named condition: a flag to raise or a reason not to rate."""

    code: str
    when: Condition


@dataclass(frozen=True)
class MoneyRule:
    rule: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Scheme:
    name: str
    title: str
    source: str
    period: str
    round_to: int
    reweight: str
    components: tuple[Component, ...]
    adjustments: tuple[Component, ...] = ()
    grades: tuple[Grade, ...] = ()
    grade_scale: tuple[str, ...] = ()
    grade_caps: tuple[GradeCap, ...] = ()
    money: MoneyRule | None = None
    flags: tuple[Rule, ...] = ()
    not_rated: tuple[Rule, ...] = ()
    higher_is_better: bool = True
    series: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


# Rules across periods take these keyword arguments; a scheme may set them in [series.<name>].
SERIES_KEYS = {
    "annual_award": {"below", "times"},
    "dismissal": {"at_least", "consecutive"},
    "ranking": {"first_reward", "last_penalty", "improvement_plan_last", "transfer_after"},
}
MONEY_KEYS = {
    "target": {"target", "penalty_per_point", "penalty_score_floor", "reward_per_point"},
    "bands": {"bands"},
    "performance_pay": {"base_metric", "fail_below", "fail_loses"},
    "per_point": {"yuan_per_point"},
}
_COUNT_KEYS = {"times", "consecutive", "improvement_plan_last", "transfer_after"}
REWEIGHT = {"proportional", "equal", "none"}


def _check_keys(table: Mapping, allowed: set[str], where: str, required: Iterable[str] = ()) -> None:
    if not isinstance(table, Mapping):
        raise SchemeError(f"{where}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise SchemeError(f"{where}: unknown keys {sorted(unknown)}")
    missing = [k for k in required if k not in table]
    if missing:
        raise SchemeError(f"{where}: missing {missing}")


def _kinds(value: Any, where: str) -> tuple[str, ...]:
    kinds = (value,) if isinstance(value, str) else tuple(value)
    if not kinds or not all(isinstance(k, str) and k for k in kinds):
        raise SchemeError(f"{where}: expected a kind or a list of kinds")
    return kinds


def _parse_condition(table: Mapping, where: str) -> Condition:
    predicates: list[tuple[str, Any]] = []
    any_of: tuple[Condition, ...] = ()
    for key, value in table.items():
        at = f"{where}.{key}"
        if key == "any":
            any_of = tuple(_parse_condition(t, at) for t in value)
        elif key in ("total_at_least", "total_at_most", "total_below", "total_above"):
            predicates.append((key, _dec(value, at)))
        elif key in ("no_inspection", "no_events", "has_events"):
            predicates.append((key, _kinds(value, at)))
        elif key in ("events_at_least", "events_above", "events_within_days"):
            need = {"kinds", "count"} | ({"days"} if key == "events_within_days" else set())
            _check_keys(value, need, at, need)
            predicates.append((key, (_kinds(value["kinds"], at), int(value["count"]), value.get("days"))))
        elif key == "lowest_at_most":
            _check_keys(value, {"component", "value"}, at, ("component", "value"))
            predicates.append((key, (value["component"], _dec(value["value"], at))))
        else:
            raise SchemeError(f"{at}: unknown condition")
    if not predicates and not any_of:
        raise SchemeError(f"{where}: empty condition")
    return Condition(tuple(predicates), any_of)


def _parse_event_rule(table: Mapping, where: str) -> EventRule:
    _check_keys(
        table,
        {"kind", "add", "deduct", "range", "multiplier", "repeat_within_days", "repeat_multiplier"},
        where,
        ("kind",),
    )
    if ("add" in table) == ("deduct" in table):
        raise SchemeError(f"{where}: give exactly one of add / deduct")
    sign = 1 if "add" in table else -1
    raw = table.get("add", table.get("deduct"))
    points = None if raw == "as_recorded" else sign * _dec(raw, where)
    bounds = table.get("range")
    if bounds is not None and len(bounds) != 2:
        raise SchemeError(f"{where}.range: expected [low, high]")
    return EventRule(
        kind=table["kind"],
        points=points,
        sign=sign,
        range=(_dec(bounds[0]), _dec(bounds[1])) if bounds else None,
        multiplier=_dec(table.get("multiplier", 1), where),
        repeat_within_days=table.get("repeat_within_days"),
        repeat_multiplier=_dec(table.get("repeat_multiplier", 2), where),
    )


_COMPONENT_KEYS = {
    "id", "start", "inspection", "metric", "responses", "bands", "aggregate", "scale", "weight",
    "when_missing", "thresholds", "floor", "cap", "per_event",
}  # fmt: skip


def _parse_component(table: Mapping, where: str, adjustment: bool) -> Component:
    _check_keys(table, _COMPONENT_KEYS, where, ("id",))
    where = f"{where}[{table['id']}]"
    sources = [k for k in ("start", "inspection", "metric", "responses") if k in table]
    if adjustment:
        if sources or "weight" in table:
            raise SchemeError(f"{where}: an adjustment has only per_event rules")
    elif len(sources) != 1:
        raise SchemeError(f"{where}: give exactly one of start / inspection / metric / responses")
    if "responses" in table and not table.get("bands"):
        raise SchemeError(f"{where}: responses need bands")
    if table.get("aggregate", "mean") not in ("mean", "sum"):
        raise SchemeError(f"{where}.aggregate: mean or sum")
    opt = lambda key: None if table.get(key) is None else _dec(table[key], f"{where}.{key}")  # noqa: E731
    thresholds = []
    for t in table.get("thresholds", ()):
        _check_keys(t, {"at_least", "counts_as"}, f"{where}.thresholds", ("at_least", "counts_as"))
        thresholds.append((_dec(t["at_least"]), _dec(t["counts_as"])))
    weight = _dec(table.get("weight", 1), where)
    if weight < 0:
        raise SchemeError(f"{where}.weight: negative")
    return Component(
        id=table["id"],
        start=ZERO if adjustment else opt("start"),
        inspection=table.get("inspection"),
        metric=table.get("metric"),
        responses=table.get("responses"),
        bands={k: _dec(v, k) for k, v in table.get("bands", {}).items()},
        aggregate=table.get("aggregate", "mean"),
        scale=_dec(table.get("scale", 1), where),
        weight=weight,
        when_missing=opt("when_missing"),
        thresholds=tuple(sorted(thresholds, reverse=True)),
        floor=opt("floor"),
        cap=opt("cap"),
        per_event=tuple(
            _parse_event_rule(r, f"{where}.per_event[{i}]") for i, r in enumerate(table.get("per_event", ()))
        ),
        adjustment=adjustment,
    )


def _parse_money(table: Mapping) -> MoneyRule:
    rule = table.get("rule")
    if rule not in MONEY_KEYS:
        raise SchemeError(f"money.rule: one of {sorted(MONEY_KEYS)}")
    _check_keys(table, MONEY_KEYS[rule] | {"rule"}, "money", MONEY_KEYS[rule] - {"penalty_score_floor"})
    params: dict[str, Any] = {}
    for key, value in table.items():
        if key == "bands":
            bands = []
            for band in value:
                _check_keys(band, {"at_least", "below", "amount"}, "money.bands", ("amount",))
                bands.append({k: _dec(v, f"money.bands.{k}") for k, v in band.items()})
            params[key] = tuple(bands)
        elif key not in ("rule", "base_metric"):
            params[key] = _dec(value, f"money.{key}")
        elif key == "base_metric":
            params[key] = value
    return MoneyRule(rule, params)


def parse_scheme(data: Mapping[str, Any], name: str | None = None) -> Scheme:
    """Validate a scheme table (as read from TOML) and build a Scheme.

    Unknown keys are errors: a typo in a manager-edited file must not silently
    change a score."""
    allowed = {
        "name", "title", "source", "period", "round", "reweight", "higher_is_better",
        "components", "adjustments", "grades", "grade_scale", "grade_caps", "money",
        "flags", "not_rated", "series",
    }  # fmt: skip
    _check_keys(data, allowed, "scheme", ("components",))
    name = data.get("name", name)
    if not name:
        raise SchemeError("scheme: missing name")
    period = data.get("period", "month")
    if period not in MONTHS_IN:
        raise SchemeError(f"period: one of {sorted(MONTHS_IN)}")
    reweight = data.get("reweight", "proportional")
    if reweight not in REWEIGHT:
        raise SchemeError(f"reweight: one of {sorted(REWEIGHT)}")
    components = tuple(_parse_component(c, "components", False) for c in data["components"])
    adjustments = tuple(_parse_component(c, "adjustments", True) for c in data.get("adjustments", ()))
    ids = [c.id for c in components + adjustments]
    if len(set(ids)) != len(ids):
        raise SchemeError("component ids must be unique")

    grades = []
    for g in data.get("grades", ()):
        _check_keys(g, {"code", "at_least", "above"}, "grades", ("code",))
        grades.append(
            Grade(g["code"], *(None if g.get(k) is None else _dec(g[k]) for k in ("at_least", "above")))
        )
    scale = tuple(data.get("grade_scale", [g.code for g in grades]))
    caps = []
    for c in data.get("grade_caps", ()):
        _check_keys(c, {"at_most", "when"}, "grade_caps", ("at_most", "when"))
        if c["at_most"] not in scale:
            raise SchemeError(f"grade_caps: {c['at_most']!r} is not in the grade scale {list(scale)}")
        caps.append(GradeCap(c["at_most"], _parse_condition(c["when"], "grade_caps.when")))

    def rules(key: str) -> tuple[Rule, ...]:
        out = []
        for r in data.get(key, ()):
            _check_keys(r, {"code", "when"}, key, ("code", "when"))
            out.append(Rule(r["code"], _parse_condition(r["when"], f"{key}.when")))
        return tuple(out)

    not_rated = rules("not_rated")
    if any(r.when.uses_total() for r in not_rated):
        raise SchemeError("not_rated: a condition cannot depend on the total")

    series = {}
    for key, table in data.get("series", {}).items():
        if key not in SERIES_KEYS:
            raise SchemeError(f"series: unknown rule {key!r}")
        _check_keys(table, SERIES_KEYS[key], f"series.{key}")
        series[key] = {
            k: int(v) if k in _COUNT_KEYS else _dec(v, f"series.{key}.{k}") for k, v in table.items()
        }

    return Scheme(
        name=name,
        title=data.get("title", name),
        source=data.get("source", ""),
        period=period,
        round_to=int(data.get("round", 2)),
        reweight=reweight,
        components=components,
        adjustments=adjustments,
        grades=tuple(grades),
        grade_scale=scale,
        grade_caps=tuple(caps),
        money=_parse_money(data["money"]) if "money" in data else None,
        flags=rules("flags"),
        not_rated=not_rated,
        higher_is_better=bool(data.get("higher_is_better", True)),
        series=series,
    )


_SCHEME_NAME = re.compile(r"[a-z0-9_]+")


def available_schemes() -> list[str]:
    """Names of the preset schemes shipped in scoring/schemes/."""
    folder = resources.files("scoring.schemes")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scheme(name: str) -> Scheme:
    if not _SCHEME_NAME.fullmatch(name):
        raise SchemeError(f"not a scheme name: {name!r}")
    path = resources.files("scoring.schemes").joinpath(f"{name}.toml")
    if not path.is_file():
        raise SchemeError(f"unknown scheme {name!r}; presets: {', '.join(available_schemes())}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"{name}.toml: {exc}") from exc
    scheme = parse_scheme(data, name)
    if scheme.name != name:
        raise SchemeError(f"{name}.toml declares name {scheme.name!r}")
    return scheme


# --------------------------------------------------------------------------- scorecard


@dataclass(frozen=True)
class Line:
    """One step of the explanation: `points` are what it adds to the total
    (or to the money, for money lines)."""

    component: str
    points: Decimal
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComponentResult:
    id: str
    present: bool
    score: Decimal | None = None  # the component's own score, before weighting
    weight: Decimal | None = None  # effective weight after re-weighting
    lowest: Decimal | None = None  # lowest running score through time-ordered events


@dataclass(frozen=True)
class Scorecard:
    scheme: str
    subject: str
    period: str
    total: Decimal | None  # None when not rated
    grade: str | None = None
    money: Decimal = ZERO  # reward positive, penalty negative, yuan
    not_rated: bool = False
    not_rated_reason: str | None = None
    flags: tuple[str, ...] = ()
    breakdown: tuple[Line, ...] = ()
    money_breakdown: tuple[Line, ...] = ()
    components: Mapping[str, ComponentResult] = field(default_factory=dict)


@dataclass
class _Raw:
    """A component evaluated on its own scale, before weighting."""

    value: Decimal
    lines: list[tuple[str, Decimal, dict[str, Any]]]
    lowest: Decimal


def _event_points(rule: EventRule, event: Event) -> Decimal:
    if event.points is None:
        if rule.points is None:
            raise ScoreInputError(f"{event.kind} {event.ref or ''}: points must be recorded for this kind")
        return rule.points
    if rule.range and not rule.range[0] <= event.points <= rule.range[1]:
        low, high = rule.range
        raise ScoreInputError(
            f"{event.kind} {event.ref or ''}: {event.points} points is outside {low}-{high}"
        )
    return rule.sign * event.points


def _apply_events(component: Component, events: Sequence[Event], raw: _Raw) -> None:
    matched: list[tuple[Event, EventRule]] = []
    for event in events:
        rule = next((r for r in component.per_event if fnmatchcase(event.kind, r.kind)), None)
        if rule is not None:
            if rule.repeat_within_days is not None and event.at is None:
                raise ScoreInputError(f"{event.kind} {event.ref or ''}: needs its time to check recurrence")
            matched.append((event, rule))
    # Time order, so recurrence and the running balance follow the ledger's history.
    matched.sort(key=lambda pair: (pair[0].at is None, pair[0].at or datetime.min))
    last_seen: dict[str, datetime] = {}
    for event, rule in matched:
        points = _event_points(rule, event) * rule.multiplier
        params: dict[str, Any] = {"kind": event.kind}
        if event.ref:
            params["ref"] = event.ref
        if rule.multiplier != 1:
            params["multiplier"] = rule.multiplier
        if rule.repeat_within_days is not None:
            previous = last_seen.get(event.kind)
            if previous is not None and event.at - previous <= timedelta(days=rule.repeat_within_days):
                points *= rule.repeat_multiplier
                params.update(
                    repeat=True, within_days=rule.repeat_within_days, repeat_multiplier=rule.repeat_multiplier
                )
            last_seen[event.kind] = event.at
        raw.value += points
        raw.lines.append((event.kind, points, params))
        # A balance never runs below its floor: a merit after points ran out adds to 0, not to a debt.
        _clamp_to_floor(component, raw)
        raw.lowest = min(raw.lowest, raw.value)


def _clamp_to_floor(component: Component, raw: _Raw) -> None:
    if component.floor is not None and raw.value < component.floor:
        raw.lines.append(("floor", component.floor - raw.value, {"floor": component.floor}))
        raw.value = component.floor


def _evaluate(component: Component, inputs: ScoreInputs) -> _Raw | None:
    """The component on its own scale, or None when it is absent."""
    value: Decimal | None = None
    line: tuple[str, dict[str, Any]] = ("start", {})
    if component.start is not None:
        value = component.start
    elif component.inspection is not None:
        scores = inputs.inspections.get(component.inspection)
        if scores:
            value = sum(scores, ZERO) / (len(scores) if component.aggregate == "mean" else 1)
            line = ("inspection", {"kind": component.inspection, "count": len(scores)})
    elif component.metric is not None:
        metric = inputs.metrics.get(component.metric)
        if metric is not None:
            value = metric * component.scale
            line = ("metric", {"metric": component.metric, "value": metric})
    else:
        answers = inputs.responses.get(component.responses, ())
        if answers:
            # Counted per band: a unit's month can hold hundreds of thousands of answers.
            counts = answers if isinstance(answers, Mapping) else Counter(answers)
            unknown = set(counts) - set(component.bands)
            if unknown:
                raise ScoreInputError(f"{component.id}: unknown bands {sorted(unknown)}")
            total = sum(counts.values())
            value = sum((component.bands[a] * n for a, n in counts.items()), ZERO) / total
            line = ("band_mean", {"responses": total})
    if value is None:
        if component.when_missing is None:
            return None
        value, line = component.when_missing, ("missing_counts_as", {})
    raw = _Raw(value, [(line[0], value, line[1])], value)
    _apply_events(component, inputs.events, raw)
    for at_least, counts_as in component.thresholds:
        if raw.value >= at_least:
            if raw.value < counts_as:
                params = {"at_least": at_least, "counts_as": counts_as}
                raw.lines.append(("threshold", counts_as - raw.value, params))
                raw.value = counts_as
            break
    _clamp_to_floor(component, raw)
    if component.cap is not None and raw.value > component.cap:
        raw.lines.append(("cap", component.cap - raw.value, {"cap": component.cap}))
        raw.value = component.cap
    return raw


def _effective_weights(scheme: Scheme, present: Mapping[str, _Raw]) -> dict[str, Decimal]:
    """RULES 5.2: when an inspection did not happen, the others take its weight.
    "equal" splits the whole weight evenly among those present (the 5.2 seed:
    50/50, then 100%); "proportional" keeps their ratios; "none" leaves it lost."""
    weights = {c.id: c.weight for c in scheme.components if c.id in present}
    whole = sum((c.weight for c in scheme.components), ZERO)
    if len(weights) == len(scheme.components) or scheme.reweight == "none" or not weights:
        return weights
    if scheme.reweight == "equal":
        return {cid: whole / len(weights) for cid in weights}
    share = sum(weights.values(), ZERO)
    return {cid: w * whole / share if share else ZERO for cid, w in weights.items()}


@dataclass(frozen=True)
class _Context:
    inputs: ScoreInputs
    total: Decimal | None
    components: Mapping[str, ComponentResult]


def _holds(condition: Condition, ctx: _Context) -> bool:
    return all(_predicate(k, v, ctx) for k, v in condition.predicates) and (
        not condition.any_of or any(_holds(c, ctx) for c in condition.any_of)
    )


def _predicate(key: str, value: Any, ctx: _Context) -> bool:
    inputs = ctx.inputs
    if key.startswith("total_"):
        total = ctx.total
        return {
            "total_at_least": lambda: total >= value,
            "total_at_most": lambda: total <= value,
            "total_below": lambda: total < value,
            "total_above": lambda: total > value,
        }[key]()
    if key == "no_inspection":
        return not inputs.inspected.intersection(value)
    if key == "no_events":
        return not inputs.events_of(value)
    if key == "has_events":
        return bool(inputs.events_of(value))
    if key == "lowest_at_most":
        result = ctx.components.get(value[0])
        return result is not None and result.lowest is not None and result.lowest <= value[1]
    kinds, count, days = value
    events = inputs.events_of(kinds)
    if key == "events_at_least":
        return len(events) >= count
    if key == "events_above":
        return len(events) > count
    # events_within_days: any `count` of them inside one window of `days`.
    if any(e.at is None for e in events):
        raise ScoreInputError(f"{key}: events need their time")
    times = sorted(e.at for e in events)
    window = timedelta(days=days)
    return any(times[i + count - 1] - times[i] <= window for i in range(len(times) - count + 1))


def _grade(scheme: Scheme, ctx: _Context) -> tuple[str | None, bool]:
    grade = next((g.code for g in scheme.grades if g.admits(ctx.total)), None)
    if grade is None and scheme.grade_scale and not scheme.grades:
        grade = scheme.grade_scale[0]  # no thresholds: the best grade unless capped (RULES 5.6)
    capped = False
    for cap in scheme.grade_caps:
        if _holds(cap.when, ctx):
            if grade is None or scheme.grade_scale.index(cap.at_most) > scheme.grade_scale.index(grade):
                grade, capped = cap.at_most, True
    return grade, capped


def _money(rule: MoneyRule, total: Decimal, inputs: ScoreInputs) -> list[Line]:
    """Money lines in yuan: rewards positive, penalties and fines negative."""
    p = rule.params
    line = lambda amount, reason, **params: [Line("money", amount, reason, params)]  # noqa: E731
    if rule.rule == "target":  # RULES 5.3
        target = p["target"]
        if total < target:
            counted = max(total, p.get("penalty_score_floor", total))
            amount = -(target - counted) * p["penalty_per_point"]
            return line(amount, "penalty", target=target, score=total, counted_as=counted)
        if total > target:
            return line((total - target) * p["reward_per_point"], "reward", target=target, score=total)
        return line(ZERO, "on_target", target=target)
    if rule.rule == "bands":  # RULES 5.4
        for band in p["bands"]:
            if total >= band.get("at_least", total) and total < band.get("below", total + 1):
                amount = band["amount"]
                reason = "fine_band" if amount < 0 else "reward_band" if amount > 0 else "no_fine"
                return line(amount, reason, **{k: v for k, v in band.items() if k != "amount"})
        return []
    if rule.rule == "performance_pay":  # RULES 5.5
        base = inputs.metrics.get(p["base_metric"])
        if base is None:
            return []
        pay = base * total / HUNDRED
        lines = line(pay, "performance_pay", base=base, score=total)
        if total < p["fail_below"]:
            cut = -pay * p["fail_loses"]
            lines += line(cut, "performance_pay_cut", below=p["fail_below"], share=p["fail_loses"])
        return lines
    # per_point, RULES 5.7
    return line(total * p["yuan_per_point"], "per_point", points=total, yuan_per_point=p["yuan_per_point"])


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score(scheme: Scheme, inputs: ScoreInputs) -> Scorecard:
    """Score one subject for one period. The breakdown lines sum to the total."""
    card = lambda **kw: Scorecard(scheme.name, inputs.subject, inputs.period, **kw)  # noqa: E731
    pre = _Context(inputs, None, {})
    for rule in scheme.not_rated:
        if _holds(rule.when, pre):
            return card(total=None, not_rated=True, not_rated_reason=rule.code)

    raws = {c.id: r for c in scheme.components if (r := _evaluate(c, inputs)) is not None}
    if not raws:
        return card(total=None, not_rated=True, not_rated_reason="no_data")
    weights = _effective_weights(scheme, raws)
    results = {c.id: ComponentResult(c.id, False) for c in scheme.components + scheme.adjustments}
    exact: list[Line] = []
    for component in scheme.components + scheme.adjustments:
        raw = _evaluate(component, inputs) if component.adjustment else raws.get(component.id)
        if raw is None:
            continue
        weight = weights.get(component.id, Decimal(1))
        results[component.id] = ComponentResult(component.id, True, raw.value, weight, raw.lowest)
        for reason, points, params in raw.lines:
            if component.adjustment and reason == "start":
                continue  # an adjustment starts from nothing
            if weight != 1:
                params = {**params, "raw": points, "weight": weight}
            exact.append(Line(component.id, points * weight, reason, params))

    total = _quantize(sum((line.points for line in exact), ZERO), scheme.round_to)
    lines = [Line(l.component, _quantize(l.points, scheme.round_to), l.reason, l.params) for l in exact]
    residue = total - sum((line.points for line in lines), ZERO)
    if residue:
        lines.append(Line("total", residue, "rounding"))

    ctx = _Context(inputs, total, results)
    grade, capped = _grade(scheme, ctx)
    money_lines = [
        Line(l.component, _quantize(l.points, 2), l.reason, l.params)
        for l in (_money(scheme.money, total, inputs) if scheme.money else [])
    ]
    flags = [rule.code for rule in scheme.flags if _holds(rule.when, ctx)]
    if capped:
        flags.append("grade_capped")
    return card(
        total=total,
        grade=grade,
        money=sum((l.points for l in money_lines), ZERO),
        flags=tuple(flags),
        breakdown=tuple(lines),
        money_breakdown=tuple(money_lines),
        components=results,
    )


# --------------------------------------------------------------------------- explanations

_TEMPLATES = {
    "start": "starts at {raw}",
    "inspection": "inspection score {raw}",
    "metric": "{metric} = {value}",
    "band_mean": "mean of {responses} survey answers {raw}",
    "missing_counts_as": "no data, counts as {raw}",
    "threshold": "{at_least} or more counts as {counts_as}",
    "floor": "not below {floor}",
    "cap": "at most {cap}",
    "rounding": "rounding",
    "penalty": "score {score} below {target} (counted as {counted_as})",
    "reward": "score {score} above {target}",
    "on_target": "exactly {target}: no reward, no penalty",
    "fine_band": "fine band",
    "reward_band": "reward band",
    "no_fine": "no fine",
    "performance_pay": "base {base} x score {score} / 100",
    "performance_pay_cut": "score below {below}: loses {share} of the performance pay",
    "per_point": "{points} points x {yuan_per_point} yuan",
    "ranking_first": "first place",
    "ranking_last": "last place",
}


def describe(line: Line) -> str:
    """English default for a breakdown or money line, e.g.
    "complaints: valid complaint C-2026-000123: -6"."""
    params = {k: _plain(v) for k, v in {"raw": line.points, **line.params}.items()}
    template = _TEMPLATES.get(line.reason)
    if template is None:
        text = line.reason.replace(".", " ").replace("_", " ")
        if params.get("ref"):
            text += f" {params['ref']}"
        if params.get("repeat"):
            text += f" (repeated within {params['within_days']} days, x{params['repeat_multiplier']})"
    else:
        text = template.format(**params)
    if "weight" in params:
        text += f" (x weight {params['weight']})"
    sign = "+" if line.points > 0 else ""
    return f"{line.component.replace('_', ' ')}: {text}: {sign}{_plain(line.points)}"


def _plain(value: Any) -> Any:
    """50.00 -> "50", 0.6666...67 -> "0.6667": numbers as a reader writes them."""
    if not isinstance(value, Decimal):
        return value
    return f"{_quantize(value, 4).normalize():f}"


# --------------------------------------------------------------------------- across periods


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
        money = sum((l.points for l in lines), ZERO)
        outcomes.append(RankingOutcome(placing.subject, placing.place, money, tuple(flags), tuple(lines)))
    return outcomes


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

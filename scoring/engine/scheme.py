"""A scoring scheme: a TOML data file (scoring/schemes/) parsed into frozen
dataclasses and checked, so a mistake in a file is found when it is read,
not when a scorecard comes out wrong."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from scoring.engine.inputs import ZERO, SchemeError, decimal_of
from scoring.engine.periods import MONTHS_IN


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
    # Money that goes with the points (the 004 ledger: "扣1分罚款100元"): yuan
    # for the rule's default points, fines negative and rewards positive; an
    # event recorded with other points scales it, one recorded with its own
    # amount (within money_range) keeps that.
    money: Decimal | None = None
    money_range: tuple[Decimal, Decimal] | None = None
    money_sign: int = -1  # -1 a fine, +1 a reward


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
class Fit:
    """Whom a scheme scores: units of these levels, or staff of these roles
    whose unit is of these levels, so a ranking compares like with like (a
    bank outlet's scheme is no hotline's; tellers are ranked among tellers)."""

    subject: str  # "unit" | "staff"
    levels: tuple[str, ...] = ()  # empty: any level
    roles: tuple[str, ...] = ()  # staff only; empty: any role

    def admits(self, subject: str, level: str | None, role: str | None = None) -> bool:
        return (subject == self.subject and (not self.levels or level in self.levels)
                and (subject != "staff" or not self.roles or role in self.roles))


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
    fits: Fit | None = None  # None: offered for anyone
    # How a complaint nobody has judged yet counts: as a valid one (the
    # preset: an unjudged complaint is no free pass) or not at all ("ignore").
    unjudged: str = "valid"
    # What a raised flag pays instead of the month's pay (004: a suspended
    # employee gets 450 yuan and no performance pay): flag -> yuan.
    flag_pay: Mapping[str, Decimal] = field(default_factory=dict)


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
            predicates.append((key, decimal_of(value, at)))
        elif key in ("no_inspection", "no_events", "has_events"):
            predicates.append((key, _kinds(value, at)))
        elif key in ("events_at_least", "events_above", "events_within_days"):
            need = {"kinds", "count"} | ({"days"} if key == "events_within_days" else set())
            _check_keys(value, need, at, need)
            predicates.append((key, (_kinds(value["kinds"], at), int(value["count"]), value.get("days"))))
        elif key == "lowest_at_most":
            _check_keys(value, {"component", "value"}, at, ("component", "value"))
            predicates.append((key, (value["component"], decimal_of(value["value"], at))))
        else:
            raise SchemeError(f"{at}: unknown condition")
    if not predicates and not any_of:
        raise SchemeError(f"{where}: empty condition")
    return Condition(tuple(predicates), any_of)


def _parse_event_rule(table: Mapping, where: str) -> EventRule:
    _check_keys(
        table,
        {"kind", "add", "deduct", "range", "multiplier", "repeat_within_days", "repeat_multiplier",
         "fine", "reward", "fine_range", "reward_range"},
        where,
        ("kind",),
    )
    if ("add" in table) == ("deduct" in table):
        raise SchemeError(f"{where}: give exactly one of add / deduct")
    sign = 1 if "add" in table else -1
    raw = table.get("add", table.get("deduct"))
    points = None if raw == "as_recorded" else sign * decimal_of(raw, where)
    bounds = table.get("range")
    if bounds is not None and len(bounds) != 2:
        raise SchemeError(f"{where}.range: expected [low, high]")
    if "fine" in table and "reward" in table:
        raise SchemeError(f"{where}: give at most one of fine / reward")
    money_sign = -1 if "fine" in table or "fine_range" in table else 1
    money = table.get("fine", table.get("reward"))
    money_bounds = table.get("fine_range", table.get("reward_range"))
    if money_bounds is not None and len(money_bounds) != 2:
        raise SchemeError(f"{where}.fine_range: expected [low, high]")
    return EventRule(
        kind=table["kind"],
        points=points,
        sign=sign,
        range=(decimal_of(bounds[0]), decimal_of(bounds[1])) if bounds else None,
        multiplier=decimal_of(table.get("multiplier", 1), where),
        repeat_within_days=table.get("repeat_within_days"),
        repeat_multiplier=decimal_of(table.get("repeat_multiplier", 2), where),
        money=None if money is None else money_sign * decimal_of(money, f"{where}.fine"),
        money_range=(decimal_of(money_bounds[0]), decimal_of(money_bounds[1])) if money_bounds else None,
        money_sign=money_sign,
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
    opt = lambda key: None if table.get(key) is None else decimal_of(table[key], f"{where}.{key}")  # noqa: E731
    thresholds = []
    for t in table.get("thresholds", ()):
        _check_keys(t, {"at_least", "counts_as"}, f"{where}.thresholds", ("at_least", "counts_as"))
        thresholds.append((decimal_of(t["at_least"]), decimal_of(t["counts_as"])))
    weight = decimal_of(table.get("weight", 1), where)
    if weight < 0:
        raise SchemeError(f"{where}.weight: negative")
    return Component(
        id=table["id"],
        start=ZERO if adjustment else opt("start"),
        inspection=table.get("inspection"),
        metric=table.get("metric"),
        responses=table.get("responses"),
        bands={k: decimal_of(v, k) for k, v in table.get("bands", {}).items()},
        aggregate=table.get("aggregate", "mean"),
        scale=decimal_of(table.get("scale", 1), where),
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
                bands.append({k: decimal_of(v, f"money.bands.{k}") for k, v in band.items()})
            params[key] = tuple(bands)
        elif key not in ("rule", "base_metric"):
            params[key] = decimal_of(value, f"money.{key}")
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
        "flags", "not_rated", "series", "fits", "unjudged", "flag_pay",
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
            Grade(g["code"], *(None if g.get(k) is None else decimal_of(g[k]) for k in ("at_least", "above")))
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
            k: int(v) if k in _COUNT_KEYS else decimal_of(v, f"series.{key}.{k}") for k, v in table.items()
        }

    if data.get("unjudged", "valid") not in ("valid", "ignore"):
        raise SchemeError("unjudged: valid or ignore")
    fits = None
    if "fits" in data:
        _check_keys(data["fits"], {"subject", "levels", "roles"}, "fits", ("subject",))
        if data["fits"]["subject"] not in ("unit", "staff"):
            raise SchemeError("fits.subject: unit or staff")
        fits = Fit(data["fits"]["subject"], tuple(data["fits"].get("levels", ())), tuple(data["fits"].get("roles", ())))

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
        fits=fits,
        unjudged=data.get("unjudged", "valid"),
        flag_pay={flag: decimal_of(v, f"flag_pay.{flag}") for flag, v in data.get("flag_pay", {}).items()},
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

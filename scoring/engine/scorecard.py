"""The scheme engine: a scheme and one subject's inputs make a scorecard
whose breakdown lines explain every point (RULES 5 and 6).

Pure: no Flask, no database, no clock; only arithmetic. Reason codes plus
params are returned so a later layer can translate them
(scoring.engine.explain gives the English default)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase
from typing import Any

from scoring.engine.inputs import HUNDRED, ZERO, Event, ScoreInputError, ScoreInputs
from scoring.engine.scheme import Component, Condition, EventRule, MoneyRule, Scheme


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
    unjudged: int = 0  # complaints not yet judged (counted as the scheme says)


@dataclass
class _Raw:
    """A component evaluated on its own scale, before weighting."""

    value: Decimal
    lines: list[tuple[str, Decimal, dict[str, Any]]]
    lowest: Decimal
    money: list[tuple[str, Decimal, dict[str, Any]]] = field(default_factory=list)  # fines and rewards, yuan


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


def _event_money(rule: EventRule, event: Event, points: Decimal) -> Decimal | None:
    """The fine (negative) or reward of an event, before a repeat doubles it."""
    if event.yuan is not None:
        if rule.money is None and rule.money_range is None:
            raise ScoreInputError(f"{event.kind} {event.ref or ''}: this kind carries no fine or reward")
        if rule.money_range and not rule.money_range[0] <= event.yuan <= rule.money_range[1]:
            low, high = rule.money_range
            raise ScoreInputError(f"{event.kind} {event.ref or ''}: {event.yuan} yuan is outside {low}-{high}")
        return rule.money_sign * event.yuan
    if rule.money is None:
        return None
    if rule.points and points != rule.points * rule.multiplier:
        return rule.money * abs(points / (rule.points * rule.multiplier))  # "扣2-3分及200-300元": per point
    return rule.money


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
        money = _event_money(rule, event, points)
        params: dict[str, Any] = {"kind": event.kind}
        if event.ref:
            params["ref"] = event.ref
        if event.unjudged:
            params["unjudged"] = True
        if rule.multiplier != 1:
            params["multiplier"] = rule.multiplier
        if rule.repeat_within_days is not None:
            previous = last_seen.get(event.kind)
            if previous is not None and event.at - previous <= timedelta(days=rule.repeat_within_days):
                points *= rule.repeat_multiplier
                money = None if money is None else money * rule.repeat_multiplier  # "加倍处罚": the fine too
                params.update(
                    repeat=True, within_days=rule.repeat_within_days, repeat_multiplier=rule.repeat_multiplier
                )
            last_seen[event.kind] = event.at
        raw.value += points
        raw.lines.append((event.kind, points, params))
        if money is not None:
            raw.money.append((event.kind, money, params))
        # A balance never runs below its floor: a merit after points ran out adds to 0, not to a debt.
        _clamp_to_floor(component, raw)
        raw.lowest = min(raw.lowest, raw.value)


def _clamp_to_floor(component: Component, raw: _Raw) -> None:
    if component.floor is None or raw.value >= component.floor:
        return
    taken_back = component.floor - raw.value
    if len(raw.lines) > 1 and raw.lines[-2][0] == "floor":
        # Deductions after the points ran out are taken back in one line, not one per event:
        # an outlet with sixty valid complaints reads them, then "cannot go below 0" once.
        taken_back += raw.lines.pop(-2)[1]
    raw.lines.append(("floor", taken_back, {"floor": component.floor}))
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


# The quantum of each number of decimal places (0.01 for 2), made once: scorecards round tens of thousands of lines.
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(_QUANTA.get(places) or Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score(scheme: Scheme, inputs: ScoreInputs) -> Scorecard:
    """Score one subject for one period. The breakdown lines sum to the total."""
    card = lambda **kw: Scorecard(scheme.name, inputs.subject, inputs.period, unjudged=inputs.unjudged, **kw)  # noqa: E731
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
    event_money: list[Line] = []
    for component in scheme.components + scheme.adjustments:
        raw = _evaluate(component, inputs) if component.adjustment else raws.get(component.id)
        if raw is None:
            continue
        weight = weights.get(component.id, Decimal(1))
        results[component.id] = ComponentResult(component.id, True, raw.value, weight, raw.lowest)
        event_money.extend(Line(component.id, amount, reason, params) for reason, amount, params in raw.money)
        for reason, points, params in raw.lines:
            if component.adjustment and reason == "start":
                continue  # an adjustment starts from nothing
            if weight != 1:
                params = {**params, "raw": points, "weight": weight}
            exact.append(Line(component.id, points * weight, reason, params))

    total = quantize(sum((line.points for line in exact), ZERO), scheme.round_to)
    lines = [Line(line.component, quantize(line.points, scheme.round_to), line.reason, line.params) for line in exact]
    residue = total - sum((line.points for line in lines), ZERO)
    if residue:
        lines.append(Line("total", residue, "rounding"))

    ctx = _Context(inputs, total, results)
    grade, capped = _grade(scheme, ctx)
    money_lines = [
        Line(line.component, quantize(line.points, 2), line.reason, line.params)
        for line in event_money + (_money(scheme.money, total, inputs) if scheme.money else [])
    ]
    flags = [rule.code for rule in scheme.flags if _holds(rule.when, ctx)]
    # A flag that changes the pay says so on the money lines (it is pay, not a fine: no amount).
    money_lines += [Line("money", ZERO, "flag_pay", {"flag": flag, "pay": scheme.flag_pay[flag]})
                    for flag in flags if flag in scheme.flag_pay]
    if capped:
        flags.append("grade_capped")
    return card(
        total=total,
        grade=grade,
        money=sum((line.points for line in money_lines), ZERO),
        flags=tuple(flags),
        breakdown=tuple(lines),
        money_breakdown=tuple(money_lines),
        components=results,
    )

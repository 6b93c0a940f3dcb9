"""Line charts as SVG coordinates: the dashboard draws its trends on the
server, so they show without JavaScript, in print and in the PDF.

Pure: a series of values (None where a month has no data) goes in, the
geometry of an SVG comes out; the template only places it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Number = Decimal | int | float


@dataclass(frozen=True)
class Point:
    index: int  # position in the series (which month)
    x: float
    y: float
    value: Number


@dataclass(frozen=True)
class Tick:
    position: float  # y for the value axis, x for the label axis
    value: Number | str


@dataclass(frozen=True)
class TargetLine:
    y: float
    value: Number
    label_y: float = 0.0  # where its label sits: apart from the other targets' labels


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    path: str  # one "M ... L ..." run per stretch of months with data
    points: tuple[Point, ...]
    targets: tuple[TargetLine, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    low: float
    high: float
    step: float = 1.0  # between value ticks: how many decimals tell them apart

    def decimals(self, scale: float = 1.0) -> int:
        """Decimals that keep neighbouring ticks distinct (scale 100 for percentages)."""
        return max(0, math.ceil(-math.log10(self.step * scale) - 1e-9))

    @property
    def empty(self) -> bool:
        return not self.points


def nice_step(span: float, steps: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 x 10^n) that cuts `span` into about `steps`."""
    if span <= 0:
        return 1.0
    raw = span / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude * (1 + 1e-9):
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def value_range(values: Sequence[float], *, include_zero: bool = False,
                clamp: tuple[float, float] | None = None, steps: int = 4,
                min_span: float = 0.0) -> tuple[float, float, float]:
    """(low, high, step) with round bounds around `values`; `clamp` keeps a
    rate inside 0..1 so a 100% line is the top of the chart, not beyond it;
    `min_span` keeps a small wiggle from filling the chart (a rate: 10 points).
    Values that are never negative never get a negative axis."""
    low, high = min(values), max(values)
    never_negative = low >= 0
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low < min_span:
        middle = (low + high) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    if high - low < 1e-12:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    if never_negative and low < 0:
        low, high = 0.0, high - low
    step = nice_step(high - low, steps)
    low, high = _tidy(math.floor(low / step + 1e-9) * step), _tidy(math.ceil(high / step - 1e-9) * step)
    if clamp is not None:
        low, high = max(low, clamp[0]), min(high, clamp[1])
        if high - low < step:
            low = max(clamp[0], high - step)
    return low, high, step


def line_chart(values: Sequence[Number | None], labels: Sequence[str], *,
               targets: Sequence[Number] = (), width: int = 360, height: int = 180,
               margin: tuple[int, int, int, int] = (12, 12, 26, 44),
               include_zero: bool = False, clamp: tuple[float, float] | None = None,
               label_every: int = 1, min_span: float = 0.0, label_gap: float = 11.0) -> Chart:
    """The geometry of a line chart of `values` (one per label, None for a gap)
    with horizontal target lines. margin: top, right, bottom, left in pixels."""
    if len(values) != len(labels):
        raise ValueError("one label per value")
    top, right_margin, bottom_margin, left = margin
    right, bottom = width - right_margin, height - bottom_margin
    known = [float(v) for v in values if v is not None]
    scale_values = known + [float(t) for t in targets]
    low, high, step = value_range(scale_values or [0.0, 1.0], include_zero=include_zero, clamp=clamp,
                                  min_span=min_span)

    def x_of(i: int) -> float:
        if len(values) == 1:
            return round((left + right) / 2, 2)
        return round(left + (right - left) * i / (len(values) - 1), 2)

    def y_of(v: float) -> float:
        return round(bottom - (bottom - top) * (v - low) / (high - low), 2)

    points = tuple(Point(i, x_of(i), y_of(float(v)), v) for i, v in enumerate(values) if v is not None)
    runs, previous = [], None
    for point in points:
        joined = previous is not None and point.index == previous + 1
        runs.append(f"{'L' if joined else 'M'}{point.x:g} {point.y:g}")
        previous = point.index
    count = int(round((high - low) / step))
    y_ticks = tuple(Tick(y_of(low + k * step), _tidy(low + k * step)) for k in range(count + 1))
    x_ticks = tuple(Tick(x_of(i), label) for i, label in enumerate(labels) if i % max(label_every, 1) == 0)
    shown = sorted((t for t in targets if low - 1e-9 <= float(t) <= high + 1e-9), key=float, reverse=True)
    target_lines, label_y = [], -math.inf
    for t in shown:  # top down, each label at least `label_gap` below the one above
        y = y_of(float(t))
        label_y = round(max(y + 3.5, label_y + label_gap), 2)
        target_lines.append(TargetLine(y, t, label_y))
    return Chart(width, height, left, top, right, bottom, " ".join(runs), points, tuple(target_lines),
                 y_ticks, x_ticks, low, high, step)


def _tidy(value: float) -> float:
    """0.30000000000000004 -> 0.3: tick values as a person writes them."""
    return round(value, 10)

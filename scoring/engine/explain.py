"""The English default for a breakdown line ("complaints: valid complaint
C-2026-000123: -6"); pages and exports translate (scoring.reports.wording)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.engine.scorecard import Line, quantize

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
    "flag_pay": "{flag}: paid {pay} yuan, no performance pay",
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
    return f"{quantize(value, 4).normalize():f}"

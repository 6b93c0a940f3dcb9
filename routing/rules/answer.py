"""Answering the phone within a few rings (RULES 1: 3 rings in 003, 4 in 000
and 004) as the "acknowledge" target of a call that staff record.

The platform has no phone switch: a hotline system tells when the call came
in and when it was answered, or the operator says after how many rings.
Pure: plain values in, plain values out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from routing.presets import read_preset

MAX_RINGS = 60  # a minute or more of ringing is an unanswered call, not a slow answer


@dataclass(frozen=True)
class AnswerTarget:
    channels: tuple[str, ...] = ("phone",)
    rings: int = 4
    seconds_per_ring: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.rings <= MAX_RINGS or not 1 <= self.seconds_per_ring <= 30:
            raise ValueError("rings must be 1-60 and a ring 1-30 seconds")

    @property
    def limit(self) -> timedelta:
        return timedelta(seconds=self.rings * self.seconds_per_ring)

    def applies(self, channel: str) -> bool:
        return channel in self.channels

    def due(self, received_at: datetime) -> datetime:
        return received_at + self.limit

    def answered(self, received_at: datetime, *, answered_at: datetime | None = None,
                 rings: int | None = None) -> datetime:
        """When the call was answered: as the hotline system says, else after
        the rings the operator counted, else when it came in."""
        if answered_at is not None:
            return max(answered_at, received_at)
        if rings is not None:
            return received_at + timedelta(seconds=max(0, rings) * self.seconds_per_ring)
        return received_at


def answer_target_from_dict(d: Mapping[str, Any]) -> AnswerTarget:
    return AnswerTarget(channels=tuple(d.get("channels", ("phone",))), rings=int(d.get("rings", 4)),
                        seconds_per_ring=int(d.get("seconds_per_ring", 5)))


def preset_answer_target() -> AnswerTarget:
    """The [answer] table of routing/presets/policies.toml (000/004: four rings)."""
    return answer_target_from_dict(read_preset("policies.toml").get("answer", {}))

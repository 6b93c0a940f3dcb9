"""Numbers of settled periods kept per process: a period whose every day is
in a current roll-up (over, and not changed since it was built:
scoring.services.daily_tallies) gives the same numbers until one of its
days is marked again, so a year of history behind this month's page is
not counted or scored again on every view. The key of a kept value holds
all it was computed from: the database, the units' stamp (the tree units
sum up), the time zone, the caller's own terms, and the period's stamp."""
from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sized
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from routing.services import cache_stamps
from scoring.services.daily_tallies import span_stamps

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Sized)


def settled_keys(session: Session, windows: Mapping[K, tuple[datetime, datetime]], tz: str,
                 *terms: Hashable) -> dict[K, tuple | None]:
    """For each window (whole local days): the key its numbers may be kept
    under, or None while they may still change."""
    units = cache_stamps.stamp(session, "units")
    if units is None:
        return dict.fromkeys(windows)
    base = (str(session.get_bind().url), units, tz, *terms)
    return {k: None if stamp is None else (*base, k, stamp) for k, stamp in span_stamps(session, windows, tz).items()}


class Kept(Generic[V]):
    """Values by settled key, the oldest let go when their size (len: the
    cards or subjects they hold) passes `budget`. Shared between requests:
    never change a value taken from here."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._values: dict[tuple, V] = {}
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: tuple | None) -> V | None:
        return None if key is None else self._values.get(key)

    def put(self, key: tuple | None, value: V) -> None:
        size = len(value)
        if key is None or size > self.budget:
            return
        with self._lock:
            if key in self._values:
                return
            while self._values and self._held + size > self.budget:
                self._held -= len(self._values.pop(next(iter(self._values))))  # the oldest
            self._values[key] = value
            self._held += size

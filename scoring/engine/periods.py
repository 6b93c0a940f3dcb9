"""Scoring periods: a month, quarter, half-year or year, as labels and as instants.

Schemes are evaluated per calendar period of the organisation's own time zone
(RULES 5: month, quarter, half-year, year), so "2026-10" in Asia/Shanghai starts
at 2026-09-30T16:00Z. Storage is UTC, hence bounds are aware UTC datetimes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"

# Length of each kind of period in months; the index counts from 1 within the year.
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}

_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{2})"), "month"),
    (re.compile(r"(\d{4})-[Qq]([1-4])"), "quarter"),
    (re.compile(r"(\d{4})-[Hh]([12])"), "half"),
    (re.compile(r"(\d{4})"), "year"),
)


class PeriodError(ValueError):
    """A period label that cannot be read, e.g. "2026-13" or "2026-Q5"."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # "month" | "quarter" | "half" | "year"
    index: int = 1  # month 1-12, quarter 1-4, half 1-2; always 1 for a year

    def __post_init__(self) -> None:
        if self.kind not in MONTHS_IN:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.index <= 12 // MONTHS_IN[self.kind]:
            raise PeriodError(f"{self.kind} index out of range: {self.index}")
        if not 1 <= self.year <= 9999:
            raise PeriodError(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, label: str) -> Period:
        text = label.strip()
        for pattern, kind in _PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                index = int(match.group(2)) if kind != "year" else 1
                return cls(int(match.group(1)), kind, index)
        raise PeriodError(f"not a period: {label!r} (try 2026-10, 2026-Q3, 2026-H2 or 2026)")

    @classmethod
    def containing(cls, instant: datetime, kind: str = "month", tz: str = DEFAULT_TIMEZONE) -> Period:
        """The period of `kind` that holds `instant` on the local calendar of `tz`."""
        if instant.tzinfo is None:
            raise PeriodError("instant must be timezone-aware")
        local = instant.astimezone(ZoneInfo(tz))
        return cls(local.year, kind, (local.month - 1) // MONTHS_IN[kind] + 1)

    @property
    def label(self) -> str:
        return {
            "month": f"{self.year:04d}-{self.index:02d}",
            "quarter": f"{self.year:04d}-Q{self.index}",
            "half": f"{self.year:04d}-H{self.index}",
            "year": f"{self.year:04d}",
        }[self.kind]

    def __str__(self) -> str:
        return self.label

    @property
    def first_month(self) -> int:
        return (self.index - 1) * MONTHS_IN[self.kind] + 1

    def months(self) -> list[Period]:
        """The calendar months this period is made of, in order."""
        return [Period(self.year, "month", self.first_month + i) for i in range(MONTHS_IN[self.kind])]

    def next(self) -> Period:
        return self._shift(1)

    def previous(self) -> Period:
        return self._shift(-1)

    def _shift(self, steps: int) -> Period:
        per_year = 12 // MONTHS_IN[self.kind]
        year, zero_based = divmod(self.year * per_year + self.index - 1 + steps, per_year)
        return Period(year, self.kind, zero_based + 1)

    def bounds(self, tz: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes: local midnight of the first day to
        local midnight of the first day of the next period."""
        zone = ZoneInfo(tz)

        def start_of(period: Period) -> datetime:
            return datetime(period.year, period.first_month, 1, tzinfo=zone).astimezone(timezone.utc)

        return start_of(self), start_of(self.next())

    def contains(self, instant: datetime, tz: str = DEFAULT_TIMEZONE) -> bool:
        start, end = self.bounds(tz)
        return start <= instant < end

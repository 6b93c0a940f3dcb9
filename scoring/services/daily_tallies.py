"""Daily roll-ups (DESIGN.md, "Scale, on paper"): each unit's and staff
member's own tallies per local day, so that scorecards and trends read a row
a day instead of every rating and case.

A day is built once it has been over for a while (SETTLED), by the tick, and
built again when rows counted on it are written later (routing.models.DayMark:
a case resolved weeks after it came in, a verdict, a late service record).
Until then the day is counted from the rows: a number never waits for the
roll-up, and a roll-up that is out of date is never read.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from routing.foundation.db import utcnow
from routing.models import DAY_MARKS_PENDING, UNMARKED_WITHIN, DayMark, utc_day
from scoring.engine.tallies import SUBJECT_KINDS, TALLY_SOURCE
from scoring.models import TallyDay, daily_tally
from scoring.services.counting import Buckets, Source, grouped, joined, sources

DAY = timedelta(days=1)
K = TypeVar("K")
# A day is built once it ended this long ago, by the tick's clock and by the
# wall clock: rows written close to the clock mark no day (routing.models.UNMARKED_WITHIN).
SETTLED = 2 * UNMARKED_WITHIN
DAYS_PER_TICK = 31


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return datetime.combine(day, time(), zone), datetime.combine(day + DAY, time(), zone)


def _local_day(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _stamps(marks: dict[date, int], day: date, tz: str) -> str:
    """The marks of the UTC dates a local day overlaps, as one string."""
    start, end = day_bounds(day, tz)
    return ".".join(str(marks.get(d, 0)) for d in _days(utc_day(start), utc_day(end - timedelta(microseconds=1))))


def _marks(session: Session, first: date, last: date) -> dict[date, int]:
    marks = dict(session.execute(select(DayMark.day, DayMark.stamp).where(
        DayMark.day >= first - DAY, DayMark.day <= last + DAY)).all())
    # What this transaction wrote is stamped at its commit: until then no roll-up of those days is current.
    marks.update(dict.fromkeys(session.info.get(DAY_MARKS_PENDING, ()), -1))
    return marks


def _first_day(session: Session, tz: str) -> date | None:
    """The first local day anything counted may be on: that of the first day
    marked (a row written earlier than every mark marks an earlier day)."""
    first = session.scalar(select(func.min(DayMark.day)))
    return None if first is None else _local_day(day_bounds(first, "UTC")[0], tz)


def _current(session: Session, first: date, last: date, tz: str) -> dict[date, str]:
    """The days from first to last whose roll-up is built and current, with
    the stamps it was built under; those before anything was recorded too
    (nothing to count, stamp "")."""
    built = session.execute(select(TallyDay.day, TallyDay.stamps).where(
        TallyDay.tz == tz, TallyDay.day >= first, TallyDay.day <= last)).all()
    if not built:
        return {}
    marks = _marks(session, first, last)
    start = _first_day(session, tz) or first
    return {**dict.fromkeys(_days(first, start - DAY), ""),
            **{day: stamps for day, stamps in built if stamps == _stamps(marks, day, tz)}}


def fresh_days(session: Session, first: date, last: date, tz: str) -> set[date]:
    """The days from first to last that are read from the roll-up."""
    return set(_current(session, first, last, tz))


def span_stamps(session: Session, spans: Mapping[K, tuple[datetime, datetime]], tz: str) -> dict[K, str | None]:
    """For each span of whole local days, a stamp of what was recorded in
    it: the same as long as nothing counted in it changes; None while any of
    its days is not in a current roll-up (not over yet, or changed since it
    was built)."""
    days = {k: _days(_local_day(start, tz), _local_day(end, tz) - DAY) for k, (start, end) in spans.items()}
    if not days:
        return {}
    current = _current(session, min(d[0] for d in days.values()), max(d[-1] for d in days.values()), tz)
    return {k: ",".join(current[d] for d in ds) if all(d in current for d in ds) else None for k, ds in days.items()}


def split(session: Session, buckets: Buckets, tz: str) -> tuple[Buckets | None, Buckets | None]:
    """The periods' days as two parts: those read from the roll-up (its day
    column, dates) and those counted from the rows (timestamps); None for
    an empty part."""
    by_day = tuple((_local_day(start, tz), _local_day(end, tz)) for start, end in buckets.bounds)
    days = [d for start, end in by_day for d in _days(start, end - DAY)]
    fresh = fresh_days(session, days[0], days[-1], tz)
    if not fresh:
        return None, buckets
    stale = [d for d in days if d not in fresh]
    rolled = Buckets(buckets.periods, by_day, tuple(joined((d, d + DAY) for d in days if d in fresh)))
    raw = Buckets(buckets.periods, buckets.bounds,
                  tuple(joined(day_bounds(d, tz) for d in stale))) if stale else None
    return rolled, raw


def source(subject_kind: str, tz: str, names: Iterable[str]) -> Source:
    """The roll-up as a source of tallies (scoring.services.counting)."""
    t = daily_tally.c
    return Source(daily_tally, t.day, t.subject_id, t.subject_id, {n: func.sum(t[n]) for n in names},
                  (t.tz == tz, t.subject_kind == subject_kind))


def rebuild(session: Session, days: Sequence[date], tz: str, now: datetime) -> None:
    """Count these days from the rows and keep them as their roll-up."""
    days = sorted(set(days))
    if not days:
        return
    # The marks first: a write landing during the count leaves its day stale, never wrongly current.
    marks = _marks(session, days[0], days[-1])
    buckets = Buckets(tuple(days), tuple(day_bounds(d, tz) for d in days))
    rows: dict[tuple[str, int, date], dict[str, int]] = {}
    for kind in SUBJECT_KINDS:
        for counted in sources(TALLY_SOURCE):
            for (subject_id, index), counts in grouped(session, counted, buckets, kind, None, None).items():
                if subject_id is not None:  # a rating of nobody in particular counts for its unit only
                    rows.setdefault((kind, subject_id, days[index]), {}).update(counts)
    session.execute(delete(daily_tally).where(daily_tally.c.tz == tz, daily_tally.c.day.in_(days)))
    session.execute(delete(TallyDay).where(TallyDay.tz == tz, TallyDay.day.in_(days)))
    if rows:
        session.execute(insert(daily_tally), [
            {"tz": tz, "subject_kind": kind, "subject_id": subject_id, "day": day,
             **dict.fromkeys(TALLY_SOURCE, 0), **counts} for (kind, subject_id, day), counts in rows.items()])
    session.execute(insert(TallyDay), [{"tz": tz, "day": d, "stamps": _stamps(marks, d, tz), "built_at": now}
                                       for d in days])


def tally_tick(session: Session, now: datetime, tz: str, limit: int = DAYS_PER_TICK) -> dict:
    """Build the newest days that are over and not current, up to `limit`.
    The first day is the first one ever marked (the migration marks the
    first day of what was recorded before roll-ups)."""
    first, last = _first_day(session, tz), _local_day(min(now, utcnow()) - SETTLED, tz) - DAY
    if first is None or first > last:
        return {"built": 0}
    fresh = fresh_days(session, first, last, tz)
    todo = [d for d in reversed(_days(first, last)) if d not in fresh][:limit]
    rebuild(session, todo, tz, now)
    return {"built": len(todo)}

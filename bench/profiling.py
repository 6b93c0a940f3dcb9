"""Where the time of a request goes, in process: the SQL statements it sends
(how many, of which shape, how long each took) and cProfile's top costs."""
from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from contextlib import contextmanager

from sqlalchemy import event


class Statements:
    """Every statement an engine executes while recording: its text and time."""

    def __init__(self, engine):
        self.recording, self.rows, self._started = False, [], {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, *rest):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, *rest):
        if self.recording:
            self.rows.append((statement, time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())))

    @contextmanager
    def record(self):
        self.rows, self.recording = [], True
        try:
            yield self
        finally:
            self.recording = False

    def summary(self, top: int = 4) -> list[str]:
        """The statement shapes by total time: count, ms, the start of the SQL."""
        shapes: dict[str, list[float]] = {}
        for sql, seconds in self.rows:
            shapes.setdefault(re.sub(r"\s+", " ", sql).strip()[:120], []).append(seconds)
        ranked = sorted(shapes.items(), key=lambda item: -sum(item[1]))[:top]
        return [f"{len(times):4d} x {1000 * sum(times):7.2f} ms  {shape}" for shape, times in ranked]


def top_costs(profiler: cProfile.Profile, lines: int, pattern: str = r"(intake|routing|scoring)/") -> list[str]:
    """The profile's functions matching pattern (the platform's own by default),
    by cumulative time: calls, cumulative seconds, where."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(pattern, lines * 3)
    rows = [line.strip() for line in out.getvalue().splitlines() if re.search(pattern, line)]
    return [re.sub(r"\s+", " ", row) for row in rows[:lines]]

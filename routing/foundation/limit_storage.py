"""Rate-limit counters kept in the process, for a deployment without Redis
(the demo, one worker, the tests): the storage behind `local://`.

limits' own `memory://` expires its counters from a timer thread that it
starts again every 10 ms while requests keep coming; on the rating page's
hot path starting that thread and handing the GIL to it cost more than
counting. Here a counter past its window is simply not counted, and the
dead ones are swept at most once a minute, inline.
"""
from __future__ import annotations

import threading
import time

from limits.storage import Storage

SWEEP_SECONDS = 60


class LocalStorage(Storage):
    """Fixed-window counters: key -> (hits, end of the window)."""

    STORAGE_SCHEME = ["local"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._windows: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()  # threaded workers share the counters
        self._next_sweep = 0.0
        self.clock = time.time  # seconds; tests move it
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            hits, ends = self._windows.get(key, (0, now))
            if ends <= now:
                hits, ends = 0, now + expiry
            self._windows[key] = (hits + amount, ends)
            return hits + amount

    def get(self, key: str) -> int:
        hits, ends = self._windows.get(key, (0, 0.0))
        return hits if ends > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        _, ends = self._windows.get(key, (0, 0.0))
        return ends if ends > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def held(self) -> int:
        """Counters held, live or not yet swept. (Not __len__: an empty store
        would be false, and Flask-Limiter asserts that its store is.)"""
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window[1] > now}
        self._next_sweep = now + SWEEP_SECONDS

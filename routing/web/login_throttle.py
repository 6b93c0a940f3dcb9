"""A per-account slowdown of password guessing, whatever address it comes from.

After FREE failed logins on one username, each further failure makes the
next attempt on that username wait, twice as long each time up to a
ceiling; an attempt made while it waits is refused without looking at the
password. The counts are kept by username, known or not (so the slowdown
does not tell which usernames exist), in the rate limiter's storage: Redis
in a deployment of several workers (shared by all), the process's own
counters with `local://`. A successful login clears them.
"""
from __future__ import annotations

import hashlib
import math
import time

from limits.storage import Storage

# Failures are forgotten this long after the first one of a run of them.
MEMORY_SECONDS = 24 * 3600


FIRST_DELAY_SECONDS = 5


def delay_seconds(failures: int, free: int, ceiling: int) -> int:
    """How long the next attempt waits after this many failures in a row:
    nothing for the first `free`, then 5, 10, 20... seconds, at most `ceiling`."""
    if failures <= free:
        return 0
    return min(ceiling, FIRST_DELAY_SECONDS * 2 ** min(failures - free - 1, 30))


class AccountThrottle:
    def __init__(self, storage: Storage, prefix: str, free: int, ceiling: int):
        self.storage, self.prefix, self.free, self.ceiling = storage, prefix, free, ceiling

    def _key(self, kind: str, username: str) -> str:
        # Hashed: the storage never holds what someone typed as a username.
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        return f"{self.prefix}login-{kind}/{digest}"

    def wait(self, username: str) -> int:
        """Seconds before this username may be tried again (0: now)."""
        key = self._key("wait", username)
        if not self.storage.get(key):
            return 0
        return max(1, math.ceil(self.storage.get_expiry(key) - time.time()))

    def failures(self, username: str) -> int:
        """Failures in a row counted for this username."""
        return self.storage.get(self._key("failures", username))

    def failed(self, username: str) -> int:
        """Counts a failure; returns the wait it imposes on the next attempt."""
        failures = self.storage.incr(self._key("failures", username), MEMORY_SECONDS)
        delay = delay_seconds(failures, self.free, self.ceiling)
        if delay:
            self.storage.incr(self._key("wait", username), delay)
        return delay

    def succeeded(self, username: str) -> None:
        for kind in ("failures", "wait"):
            self.storage.clear(self._key(kind, username))

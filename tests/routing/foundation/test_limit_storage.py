"""The in-process rate-limit counters behind `local://`: a fixed window per
key, forgotten once it has passed."""
from __future__ import annotations

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from routing.foundation.limit_storage import SWEEP_SECONDS, LocalStorage


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def storage_at(clock: Clock) -> LocalStorage:
    storage = storage_from_string("local://")
    storage.clock = clock
    return storage


def test_local_is_a_storage_limits_knows():
    assert isinstance(storage_from_string("local://"), LocalStorage)


def test_an_address_gets_its_budget_per_window_and_a_new_one_after_it():
    clock = Clock()
    limiter = FixedWindowRateLimiter(storage_at(clock))
    two_a_minute = parse("2 per minute")
    assert [limiter.hit(two_a_minute, "10.0.0.1") for _ in range(3)] == [True, True, False]
    assert limiter.hit(two_a_minute, "10.0.0.2"), "another address has its own budget"
    clock.now += 59
    assert not limiter.hit(two_a_minute, "10.0.0.1")
    clock.now += 1
    assert limiter.hit(two_a_minute, "10.0.0.1")


def test_the_window_stats_say_when_the_budget_comes_back():
    clock = Clock()
    storage = storage_at(clock)
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("5 per minute")
    limiter.hit(limit, "a")
    clock.now += 20
    limiter.hit(limit, "a")
    reset_at, remaining = limiter.get_window_stats(limit, "a")
    assert (reset_at, remaining) == (1_000_060.0, 3)
    clock.now += 40
    assert storage.get(limit.key_for("a")) == 0


def test_passed_windows_are_swept_so_memory_does_not_grow_with_addresses():
    clock = Clock()
    storage = storage_at(clock)
    for n in range(100):
        storage.incr(f"address-{n}", expiry=60)
    clock.now += SWEEP_SECONDS + 1
    storage.incr("latest", expiry=60)
    assert storage.held() == 1


def test_clear_and_reset():
    storage = storage_at(Clock())
    storage.incr("a", expiry=60)
    storage.incr("b", expiry=60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1 and storage.get("b") == 0

"""The in-process sliding-window limiter: exact per key, bounded in memory, cheap per hit."""

from __future__ import annotations

import time

import pytest

from verae.kit.errors import RateLimited
from verae.kit.ratelimit import SlidingWindowLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    return clock


def test_a_key_over_its_limit_waits_for_its_oldest_hit_to_leave_the_window(clock: _Clock) -> None:
    limiter = SlidingWindowLimiter(2, 60.0)
    limiter.hit("a")
    clock.now += 10
    limiter.hit("a")
    limiter.hit("b")  # another key has its own window
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert refused.value.headers == {"Retry-After": "50"}
    clock.now += 50
    limiter.hit("a")


def test_keys_idle_for_a_window_are_forgotten(clock: _Clock) -> None:
    limiter = SlidingWindowLimiter(5, 60.0)
    for key in ("a", "b", "c"):
        limiter.hit(key)
    clock.now += 61
    limiter.hit("d")
    assert len(limiter) == 1


def test_many_active_keys_stay_within_the_bound_least_recent_first(clock: _Clock) -> None:
    limiter = SlidingWindowLimiter(1, 60.0, max_keys=100)
    for number in range(1000):
        limiter.hit(f"address-{number}")
        assert len(limiter) <= 100
    # The most recent keys are still counted; the oldest was forgotten and starts afresh.
    with pytest.raises(RateLimited):
        limiter.hit("address-999")
    limiter.hit("address-0")

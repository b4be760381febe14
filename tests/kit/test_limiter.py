"""The database-backed fixed-window limiter, on SQLite and PostgreSQL: one count per key and window, shared
by everything that uses the same database (tests/test_shared_limits.py runs it across processes)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from verae.kit.db import Database
from verae.kit.errors import RateLimited
from verae.kit.limiter import DatabaseLimiter


@pytest.fixture
def limiter(database_url: str) -> DatabaseLimiter:
    return DatabaseLimiter(Database(database_url, pool_size=4))


def _refused(limiter: DatabaseLimiter, key: str, limit: int) -> RateLimited | None:
    try:
        limiter.hit(key, limit=limit, window_seconds=60)
    except RateLimited as refused:
        return refused
    return None


def test_a_key_is_refused_past_its_limit_until_its_window_ends(
    limiter: DatabaseLimiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: 6_000_015.0)  # 15 s into a 60 s window
    assert [_refused(limiter, "a", 3) for _ in range(3)] == [None, None, None]
    refused = _refused(limiter, "a", 3)
    assert refused is not None
    assert refused.headers["Retry-After"] == "45"
    assert _refused(limiter, "b", 3) is None  # other keys count apart
    monkeypatch.setattr(time, "time", lambda: 6_000_060.0)  # the next window
    assert _refused(limiter, "a", 3) is None


def test_parallel_hits_never_admit_more_than_the_limit(limiter: DatabaseLimiter) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: _refused(limiter, "burst", 10), range(24)))
    assert sum(outcome is None for outcome in outcomes) == 10

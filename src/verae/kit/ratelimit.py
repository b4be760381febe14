"""A per-key sliding-window limit kept in process memory (for unauthenticated endpoints such as predict).

Each API process counts on its own, so with N processes a client gets up to N × the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from verae.kit.errors import RateLimited


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one request for `key`, or raise 429 with Retry-After when the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(hits[0] + self.window - now))
                raise RateLimited(retry_after_seconds=retry_after)
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                self._hits = {
                    key: value for key, value in self._hits.items() if value and value[-1] > now - self.window
                }

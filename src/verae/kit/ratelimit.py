"""A per-key sliding-window limit kept in process memory (for unauthenticated endpoints such as predict).

Each API process counts on its own, so with N processes a client gets up to N × the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

from verae.kit.errors import RateLimited

# Keys tracked at most; past it the least recently seen key is forgotten (it starts afresh if it returns).
MAX_KEYS = 100_000


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, *, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        # Least recently hit first, so forgetting idle keys only ever looks at the front: O(1) per hit
        # amortised, also when many keys are active (under attack).
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, key: str) -> None:
        """Count one request for `key`, or raise 429 with Retry-After when the window is full."""
        now = time.monotonic()
        with self._lock:
            self._forget_idle(now)
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(retry_after_seconds=max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)

    def _forget_idle(self, now: float) -> None:
        while self._hits:
            oldest_key, oldest_hits = next(iter(self._hits.items()))
            if len(self._hits) < self.max_keys and oldest_hits and oldest_hits[-1] > now - self.window:
                return
            del self._hits[oldest_key]

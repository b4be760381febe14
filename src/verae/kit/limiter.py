"""A fixed-window request limit shared by every process: one row per key and window in the database.

A check is one statement — an upsert that counts the request and returns the window's count — in a
transaction of its own, so N API processes enforce one limit, not N. A fixed window lets a client send up
to twice the limit across a window boundary; that is the price of one statement per check (a sliding
window needs the previous window's count too).

On SQLite the statement takes the write lock: call `hit` before the request's own session has written
(a route dependency does), never from inside a write transaction.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from verae.kit.db import Database
from verae.kit.errors import RateLimited, TooManyRequests
from verae.models import RateLimitWindow


class DatabaseLimiter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._insert: Any = sqlite.insert if db.is_sqlite else postgresql.insert

    def hit(
        self,
        key: str,
        *,
        limit: int,
        window_seconds: int,
        error: type[TooManyRequests] = RateLimited,
    ) -> None:
        """Count one request for `key`; past `limit` in the current window raise `error` (429) with a
        Retry-After of the seconds until the window ends. Refused requests count too, so a client that
        keeps hammering stays refused until the window ends."""
        now = time.time()
        window_start = int(now // window_seconds) * window_seconds
        window_end = window_start + window_seconds
        statement = (
            self._insert(RateLimitWindow)
            .values(key=key, window_start=window_start, window_end=window_end, hits=1)
            .on_conflict_do_update(
                index_elements=["key", "window_start"], set_={"hits": RateLimitWindow.hits + 1}
            )
            .returning(RateLimitWindow.hits)
        )
        with self.db.write_transaction() as connection:
            hits = connection.execute(statement).scalar_one()
        if hits > limit:
            raise error(retry_after_seconds=max(1, math.ceil(window_end - now)))


def delete_windows_ended_before(session: Session, unix_seconds: float) -> int:
    """Forget the windows that ended before this moment (the hourly purge): they count nothing any more."""
    deleted = session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_end < unix_seconds))
    return int(deleted.rowcount)  # type: ignore[attr-defined]

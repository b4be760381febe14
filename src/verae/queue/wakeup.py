"""Shortens the wait between a job being queued and a worker noticing; polling still finds every job."""

from __future__ import annotations

import threading

from sqlalchemy.engine import make_url

from verae.kit.db import normalize_database_url


class Wakeup:
    """In-process wake-up for embedded workers (the API and the workers share the process)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending = 0

    def notify(self) -> None:
        with self._condition:
            self._pending += 1
            self._condition.notify()

    def wait(self, timeout: float) -> None:
        with self._condition:
            if self._pending == 0:
                self._condition.wait(timeout)
            self._pending = max(0, self._pending - 1)


JOBS_CHANNEL = "verae_jobs"


class PostgresListener(threading.Thread):
    """Forwards PostgreSQL NOTIFY on the jobs channel to a local Wakeup, so standalone workers start new
    jobs within milliseconds instead of at their next poll. Reconnects after errors; polling covers gaps."""

    def __init__(self, database_url: str, wakeup: Wakeup) -> None:
        super().__init__(name="verae-jobs-listener", daemon=True)
        self._conninfo = (
            make_url(normalize_database_url(database_url))
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._wakeup = wakeup
        self._stopping = threading.Event()

    def run(self) -> None:
        import psycopg  # PostgreSQL only: an embedded (SQLite) process never needs the driver

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {JOBS_CHANNEL}")
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=1.0):
                            self._wakeup.notify()
            except psycopg.Error:
                self._stopping.wait(1.0)

    def stop(self) -> None:
        self._stopping.set()

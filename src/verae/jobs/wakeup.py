"""Shortens the wait between a job being queued and a worker noticing; polling still finds every job."""

from __future__ import annotations

import threading


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

"""Starting real `verae` processes for tests, sharing the test's database and blob folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from verae.config import Settings

VERAE = [sys.executable, "-m", "verae.cli"]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
    env.update(
        VERAE_ENV="test",
        VERAE_DATABASE_URL=settings.database_url,
        VERAE_BLOB_DIR=str(settings.blob_dir),
        VERAE_JWT_SECRET=settings.jwt_secret.get_secret_value(),
        VERAE_JOB_POLL_INTERVAL_SECONDS="0.05",
        VERAE_JOB_RETRY_BASE_SECONDS="0",
        VERAE_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@contextmanager
def verae_process(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("ab") as log:
        process = subprocess.Popen([*VERAE, *args], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(30)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_until_serving(base_url: str, timeout: float = 60) -> None:
    def is_up() -> bool:
        try:
            return httpx.get(f"{base_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(is_up, timeout, "the server to start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port

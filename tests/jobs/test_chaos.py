"""The short crash test (bench/chaos.py has the long one): worker processes are SIGKILLed about every 2 s
while they drain the queue; every job still ends done exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import run_chaos
from verae.config import Settings

pytestmark = pytest.mark.slow


def test_random_worker_kills_lose_nothing_and_complete_nothing_twice(
    settings: Settings, tmp_path: Path
) -> None:
    workers = 2 if settings.is_sqlite else 4
    # Jobs of ~0.15 s each keep the workers busy long enough for several kills to land mid-job.
    report = run_chaos(
        settings,
        jobs=160,
        workers=workers,
        kill_every_seconds=2.0,
        job_delay_seconds=0.15,
        timeout_seconds=400,
        log_dir=tmp_path,
    )
    assert report.kills >= 2, report
    assert report.done == report.jobs == report.results, report
    assert report.not_done == 0, report
    assert report.duplicate_completions == 0, report
    assert report.max_attempt <= 3, report

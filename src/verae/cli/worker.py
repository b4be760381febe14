"""`verae worker`: a standalone worker process (run as many as you like, on any machines)."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer

from verae.cli.common import load_settings


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs processed in parallel by this process")] = 2,
) -> None:
    """Process jobs until SIGTERM/SIGINT; finishes the jobs in hand before exiting."""
    from verae.kit.blobstore import open_blob_store
    from verae.kit.db import Database
    from verae.worker import Worker

    settings = load_settings()
    running = Worker(
        db=Database(settings.database_url, pool_size=concurrency + 1),
        blobs=open_blob_store(settings),
        settings=settings,
        concurrency=concurrency,
    )
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if stop_requested.is_set():
            sys.exit(1)  # a second signal: stop now, leases will expire and other workers take over
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    running.start()
    stop_requested.wait()
    running.stop(timeout=settings.job_lease_seconds)

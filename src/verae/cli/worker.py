"""`verae worker`: a standalone worker process (run as many as you like, on any machines)."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from verae.cli.common import load_settings

if TYPE_CHECKING:
    from verae.kit.db import Database


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs processed in parallel by this process")] = 2,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            envvar="VERAE_WORKER_METRICS_PORT", help="Serve this process's Prometheus metrics on this port"
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(envvar="VERAE_WORKER_METRICS_HOST", help="Interface for the metrics port")
    ] = "127.0.0.1",
) -> None:
    """Process jobs until SIGTERM/SIGINT; finishes the jobs in hand before exiting."""
    from verae.kit.blobstore import open_blob_store
    from verae.kit.db import Database
    from verae.observability.tracing import configure_tracing
    from verae.worker import Worker

    settings = load_settings()
    configure_tracing("verae-worker")
    database = Database(settings.database_url, pool_size=concurrency + 1)
    if metrics_port is not None:
        _serve_metrics(database, metrics_host, metrics_port)
    running = Worker(
        db=database,
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


def _serve_metrics(database: Database, host: str, port: int) -> None:
    """Each worker process has its own /metrics (workers run on any machines, so Prometheus scrapes each
    one): its jobs, stages, retries and heartbeat, and its connection pool. The queue itself is reported
    by the API processes, read from the database."""
    from prometheus_client import REGISTRY, start_http_server

    from verae.observability.metrics import DatabaseCollector

    REGISTRY.register(DatabaseCollector(database, queue=False))
    start_http_server(port, addr=host)

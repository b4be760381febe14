"""Prometheus metrics, exposed at /metrics by the API and on `verae worker --metrics-port` by each worker.

Every process serves its own registry: workers run on any machines, so prometheus_client's multiprocess
mode (one shared folder per host) would not see them all, and Prometheus scrapes each process anyway.
What must be the same whichever process answers (queue depth, the oldest waiting job) is read from the
database at scrape time by `DatabaseCollector`, never counted in memory. Labels take bounded values only:
route templates, status classes, job kinds, stages, codes the code itself defines.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from verae import __version__
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import Job
from verae.models.job import NEEDS_INPUT, QUEUED, RUNNING
from verae.observability.tracing import start_span

if TYPE_CHECKING:
    from opentelemetry.trace import Span

# Processing takes seconds to minutes (OCR of a scan); requests milliseconds to seconds.
_JOB_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter("verae_http_requests_total", "HTTP requests", ["method", "route", "status_class"])
HTTP_LATENCY = Histogram(
    "verae_http_request_seconds", "HTTP request latency", ["method", "route"], buckets=_HTTP_BUCKETS
)
JOBS_FINISHED = Counter(
    "verae_jobs_finished_total",
    "Job attempts by outcome (done, retry, failed, lease_lost)",
    ["kind", "outcome"],
)
JOB_SECONDS = Histogram(
    "verae_job_seconds", "Time to process one job attempt", ["kind"], buckets=_JOB_BUCKETS
)
JOB_STAGE_SECONDS = Histogram(
    "verae_job_stage_seconds",
    "Time spent in each stage of a job attempt",
    ["kind", "stage"],
    buckets=_JOB_BUCKETS,
)
JOB_END_TO_END_SECONDS = Histogram(
    "verae_job_end_to_end_seconds",
    "From the job's creation (the upload) to its successful end, retries and waits included",
    ["kind"],
    buckets=_JOB_BUCKETS,
)
JOB_RETRIES = Counter(
    "verae_job_retries_total", "Attempts that failed and were scheduled again", ["kind", "code"]
)
LEASE_EXPIRIES = Counter(
    "verae_job_lease_expiries_total",
    "Jobs whose worker stopped renewing its lease, rescued by this process (requeued, or failed as "
    "worker_lost after the last attempt)",
    ["outcome"],
)
DOCUMENTS_READ = Counter(
    "verae_documents_read_total",
    "Documents read, by kind and outcome (read, unreadable, starved: stopped by its time limits on a busy machine, retried)",
    ["kind", "outcome"],
)
DOCUMENT_CONFIDENCE = Histogram(
    "verae_document_read_confidence",
    "Mean confidence of the values read from one document (below 1 for OCR)",
    ["kind"],
    buckets=(0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
RISK_TIERS = Counter("verae_risk_tiers_total", "Risk estimates issued, by tier", ["tier"])
MODEL_INFO = Info("verae_model", "The risk model this process scores with")
BLOB_STORE_ERRORS = Counter("verae_blob_store_errors_total", "Blob store operations that failed", ["process"])
WORKER_HEARTBEAT = Gauge(
    "verae_worker_heartbeat_timestamp_seconds", "When this process's worker loop last went round"
)
BUILD_INFO = Info("verae_build", "The running Verae version")
BUILD_INFO.info({"version": __version__})

_QUEUE_STATES = (QUEUED, RUNNING, NEEDS_INPUT)


class StageClock:
    """When each job in hand entered its current stage, so that entering the next one (or finishing)
    observes the time spent. One per worker; each job's key is touched by its own thread only."""

    def __init__(self) -> None:
        self._entered: dict[uuid.UUID, tuple[str, str, float, Span | None]] = {}

    def enter(self, job_id: uuid.UUID, kind: str, stage: str) -> None:
        self.finish(job_id)
        # Each stage is also a span under the job's (when tracing is on).
        self._entered[job_id] = (kind, stage, time.perf_counter(), start_span(f"stage {stage}", stage=stage))

    def finish(self, job_id: uuid.UUID) -> None:
        entered = self._entered.pop(job_id, None)
        if entered is not None:
            kind, stage, started, stage_span = entered
            JOB_STAGE_SECONDS.labels(kind, stage).observe(time.perf_counter() - started)
            if stage_span is not None:
                stage_span.end()


class DatabaseCollector(Collector):
    """Read at scrape time: the queue by state and the wait of the oldest ready job (from the database, so
    every process reports the same truth), and this process's pool connections in use."""

    def __init__(self, db: Database, *, queue: bool) -> None:
        self.db, self.queue = db, queue

    def collect(self) -> Iterator[Metric]:
        pool = GaugeMetricFamily(
            "verae_db_pool_connections_in_use", "Database connections checked out of this process's pool"
        )
        pool.add_metric([], float(self.db.engine.pool.checkedout()))  # type: ignore[attr-defined]
        yield pool
        if not self.queue:
            return
        up = GaugeMetricFamily("verae_metrics_database_up", "1 when the scrape could read the queue")
        try:
            counts, oldest = self._read_queue()
        except Exception:  # a scrape must answer while the database is down: that is when it matters
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        depth = GaugeMetricFamily("verae_queue_jobs", "Jobs by queue state", labels=["state"])
        for state in _QUEUE_STATES:
            depth.add_metric([state], float(counts.get(state, 0)))
        yield depth
        age = GaugeMetricFamily(
            "verae_queue_oldest_ready_age_seconds", "How long the oldest job that may run now has waited"
        )
        age.add_metric([], max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0)
        yield age

    def _read_queue(self) -> tuple[dict[str, int], datetime | None]:
        now = utcnow()
        with self.db.unit_of_work(write=False) as session:
            rows = session.execute(
                select(Job.state, func.count()).where(Job.state.in_(_QUEUE_STATES)).group_by(Job.state)
            ).all()
            oldest = session.scalar(
                select(func.min(Job.run_at)).where(Job.state == QUEUED, Job.run_at <= now)
            )
        return {state: int(count) for state, count in rows}, oldest


def exposition(*registries: CollectorRegistry) -> bytes:
    """The process-wide series plus the given per-database registries, in one text exposition."""
    return b"".join(generate_latest(registry) for registry in (REGISTRY, *registries))


def database_registry(db: Database, *, queue: bool) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(db, queue=queue))
    return registry


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"

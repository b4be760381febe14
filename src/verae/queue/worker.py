"""Worker threads: claim a job, run its handler under a heartbeat-renewed lease, record the outcome.

`verae worker` runs this standalone (any number of processes on any machines); `verae serve` embeds it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from verae.config import Settings
from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.observability.context import correlated
from verae.observability.logging import get_logger
from verae.observability.metrics import (
    BLOB_STORE_ERRORS,
    JOB_END_TO_END_SECONDS,
    JOB_RETRIES,
    JOB_SECONDS,
    JOBS_FINISHED,
    WORKER_HEARTBEAT,
)
from verae.observability.tracing import span
from verae.queue.context import JobContext, JobHandler
from verae.queue.errors import PermanentJobError, RetryLater
from verae.queue.faults import parse_faults
from verae.queue.queue import TRACE_KEY, ClaimedJob, LeaseLost, OutcomeListener, Queue, backoff_seconds
from verae.queue.wakeup import PostgresListener, Wakeup

log = get_logger("verae.worker")

_MAX_IDLE_BACKOFF_SECONDS = 5.0


def _error_code(error: BaseException) -> str:
    if isinstance(error, DBAPIError):
        return "database_unavailable"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, OSError):
        return "storage_unavailable"
    return "internal_error"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval_seconds: float
    run: Callable[[], object]


class _LeaseKeeper(threading.Thread):
    """Renews the lease of every job this worker holds, every third of a lease: one thread per worker
    rather than one per job."""

    def __init__(self, queue: Queue, interval: float) -> None:
        super().__init__(name="verae-lease-keeper", daemon=True)
        self._queue, self._interval = queue, interval
        self._held: dict[uuid.UUID, ClaimedJob] = {}
        self._lock = threading.Lock()
        self._stop_event = threading.Event()

    def hold(self, job: ClaimedJob) -> None:
        with self._lock:
            self._held[job.id] = job

    def release(self, job: ClaimedJob) -> None:
        with self._lock:
            self._held.pop(job.id, None)

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            with self._lock:
                held = list(self._held.values())
            for job in held:
                try:
                    if not self._queue.heartbeat(job):
                        self.release(job)  # lease lost: the final compare-and-set discards this attempt
                except DBAPIError:
                    log.warning("heartbeat_failed", job_id=str(job.id))

    def stop(self) -> None:
        self._stop_event.set()


class Worker:
    def __init__(
        self,
        *,
        db: Database,
        blobs: BlobStore,
        settings: Settings,
        wakeup: Wakeup | None = None,
        handlers: Mapping[str, JobHandler],
        concurrency: int = 1,
        periodic: Sequence[PeriodicTask] = (),
        outcome_listeners: Sequence[OutcomeListener] = (),
    ) -> None:
        self.settings = settings
        self.queue = Queue(db, lease_seconds=settings.job_lease_seconds, outcome_listeners=outcome_listeners)
        self.context = JobContext(
            db=db, blobs=blobs, queue=self.queue, settings=settings, faults=parse_faults(settings.faults)
        )
        self.wakeup = wakeup or Wakeup()
        self.concurrency = concurrency
        self.handlers = handlers
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_rescue = 0.0
        self._periodic = periodic
        # Monotonic time each periodic task last ran; the first run comes one interval after start.
        self._periodic_last_run = [time.monotonic()] * len(periodic)
        self._periodic_lock = threading.Lock()
        self._listener: PostgresListener | None = None
        self._leases = self._new_lease_keeper()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.context.db.is_sqlite:
            self._listener = PostgresListener(self.settings.database_url, self.wakeup)
            self._listener.start()
        self._leases.start()
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._loop, name=f"verae-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("worker_started", concurrency=self.concurrency)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the jobs in hand, take no new ones."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.stop()
        for _ in self._threads:
            self.wakeup.notify()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self._leases.stop()
        log.info("worker_stopped")

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run_pending(self) -> int:
        """Process jobs in this thread until none is ready (tests); the number processed."""
        self._leases = self._new_lease_keeper()
        self._leases.start()
        processed = 0
        try:
            while jobs := self.queue.claim(1):
                for job in jobs:
                    self.process(job)
                    processed += 1
        finally:
            self._leases.stop()
        return processed

    def _new_lease_keeper(self) -> _LeaseKeeper:
        return _LeaseKeeper(self.queue, interval=self.settings.job_lease_seconds / 3)

    # -- the loop --------------------------------------------------------------------------------
    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                self._rescue_if_due()
                self._run_periodic_if_due()
                jobs = self.queue.claim(1)
                failures = 0
                WORKER_HEARTBEAT.set_to_current_time()
            except DBAPIError:
                failures += 1
                delay = min(
                    _MAX_IDLE_BACKOFF_SECONDS, backoff_seconds(failures, 0.2, _MAX_IDLE_BACKOFF_SECONDS)
                )
                log.warning("claim_failed", retry_in_seconds=round(delay, 2))
                self._stopping.wait(delay)
                continue
            if not jobs:
                self.wakeup.wait(self.settings.job_poll_interval_seconds)
                continue
            for job in jobs:
                self.process(job)

    def _rescue_if_due(self) -> None:
        # Every half lease, so a job whose worker died waits at most 1.5 leases before it runs again.
        now = time.monotonic()
        if now - self._last_rescue >= self.settings.job_lease_seconds / 2:
            self._last_rescue = now
            requeued, failed = self.queue.rescue()
            if requeued or failed:
                log.warning("expired_leases_rescued", requeued=requeued, failed=failed)

    def _run_periodic_if_due(self) -> None:
        """Maintenance the features hand the worker (e.g. purging expired personal data): one thread runs a
        due task while the others go on with jobs; a failure is logged and tried again next interval."""
        if not self._periodic_lock.acquire(blocking=False):
            return
        try:
            for index, task in enumerate(self._periodic):
                now = time.monotonic()
                if now - self._periodic_last_run[index] < task.interval_seconds:
                    continue
                self._periodic_last_run[index] = now
                try:
                    task.run()
                except Exception as error:
                    log.warning("periodic_task_failed", task=task.name, error_type=type(error).__name__)
        finally:
            self._periodic_lock.release()

    def process(self, job: ClaimedJob) -> None:
        # The job's span continues the trace of the request that queued it.
        with (
            correlated(job.correlation_id),
            span(
                f"job {job.kind}", parent=job.payload.get(TRACE_KEY), job_id=str(job.id), attempt=job.attempt
            ),
        ):
            self._process(job)

    def _process(self, job: ClaimedJob) -> None:
        bound = log.bind(job_id=str(job.id), user_id=str(job.user_id), attempt=job.attempt, kind=job.kind)
        self._leases.hold(job)
        started = time.perf_counter()
        outcome = "done"
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise PermanentJobError("unknown_job_kind", "This kind of job is not supported.")
            handler(job, self.context)
        except LeaseLost:
            outcome = "lease_lost"
        except PermanentJobError as permanent:
            outcome = "failed"
            code, diagnostic = permanent.code, permanent.diagnostic
            self._settle(job, lambda: self.queue.fail(job, code=code, diagnostic=diagnostic))
        except RetryLater as later:
            code, delay = later.code, later.delay_seconds
            if job.attempt >= job.max_attempts:
                outcome = "failed"
                diagnostic = f"Failed {job.attempt} times ({code})."
                self._settle(job, lambda: self.queue.fail(job, code=code, diagnostic=diagnostic))
            else:
                outcome = "retry"
                JOB_RETRIES.labels(job.kind, code).inc()
                self._settle(job, lambda: self.queue.retry(job, code=code, delay_seconds=delay))
        except Exception as error:
            code = _error_code(error)
            if code == "storage_unavailable":
                BLOB_STORE_ERRORS.labels("worker").inc()
            bound.warning("job_attempt_failed", code=code, error_type=type(error).__name__)
            if job.attempt >= job.max_attempts:
                outcome = "failed"
                diagnostic = (
                    f"Processing failed {job.attempt} times ({code}). "
                    "Nothing you uploaded was lost; please try again later."
                )
                self._settle(job, lambda: self.queue.fail(job, code=code, diagnostic=diagnostic))
            else:
                outcome = "retry"
                JOB_RETRIES.labels(job.kind, code).inc()
                delay = backoff_seconds(
                    job.attempt, self.settings.job_retry_base_seconds, self.settings.job_retry_cap_seconds
                )
                self._settle(job, lambda: self.queue.retry(job, code=code, delay_seconds=delay))
        finally:
            self._leases.release(job)
            self.context.stages.finish(job.id)
            JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)
            JOBS_FINISHED.labels(job.kind, outcome).inc()
            if outcome == "done":
                JOB_END_TO_END_SECONDS.labels(job.kind).observe((utcnow() - job.created_at).total_seconds())
            bound.info("job_attempt_finished", outcome=outcome)

    @staticmethod
    def _settle(job: ClaimedJob, transition: Callable[[], None]) -> None:
        try:
            transition()
        except (LeaseLost, DBAPIError) as error:
            # The lease will expire and another attempt will run; nothing is lost.
            log.warning("job_outcome_not_recorded", job_id=str(job.id), error_type=type(error).__name__)

"""No-op job throughput and enqueue → start latency: our jobs-table queue vs procrastinate and pgqueuer.

All three run on the same PostgreSQL server in the same run, each in its own fresh database with its own
schema (ours: `verae db upgrade`; procrastinate: `schema_manager.apply_schema_async()`; pgqueuer:
`Queries.install()`), and a fresh database again for every (queue, worker count, round).

A *worker* is one OS process that runs one job at a time, started from this file:
- ours:          the real `verae.queue.worker.Worker` with `concurrency=1` and a registered no-op handler
                 that completes the job with `queue.complete(session, job)` in a unit of work — the claim,
                 the completion compare-and-set, the audit rows, the heartbeat thread and the
                 LISTEN/NOTIFY wake-up (`PostgresListener`) are exactly those of `verae worker`;
- procrastinate: `App.run_worker_async(concurrency=1)` with an async no-op task (LISTEN/NOTIFY on,
                 library defaults otherwise);
- pgqueuer:      `QueueManager.run(batch_size=1)` with an async no-op entrypoint on a psycopg
                 `AsyncConnection`: one job per dequeue. pgqueuer's loop does not wait for a handler before
                 the next dequeue, but the handler is a no-op and the completion write shares the one
                 connection, so in practice it alternates claim and completion like the others. (Capping it
                 with `max_concurrent_tasks` is no fairer: the smallest cap it accepts is 2, and at the cap
                 it sleeps 100 ms before re-polling, which measures that sleep, not the queue.)
                 `--queues ...,pgqueuer-batch10` adds pgqueuer with its default batch of 10 for reference.
Each library keeps its own default fallback polling interval; wake-ups come from LISTEN/NOTIFY.

Per configuration (queue × 1 or 4 workers) the benchmark starts the workers, warms them up until every
process has run a job, then measures:
- throughput: N jobs enqueued in one transaction with each library's bulk API while the workers idle;
  jobs/s = N / (commit → the moment a 20 ms poll of the library's table sees all N finished);
- claim latency: jobs enqueued one at a time, 10–40 ms apart (an idle queue); latency = handler start
  − the wall-clock time taken just before the enqueue call (so it includes the enqueue's own commit).

Ratios (ours ÷ procrastinate, ours ÷ pgqueuer) compare figures of the same run. Prints a table and writes
bench/results/queue_throughput.json. procrastinate and pgqueuer are benchmark-only dependencies in the
`bench` dependency group (not installed by `make test`), so run with the group:

    uv run --group bench python bench/queue_throughput.py [--jobs 2000] [--latency-samples 200] [--rounds 2]

(`uv sync --group bench` installs the group into the environment once.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
QUEUES = ("verae", "procrastinate", "pgqueuer")
REFERENCE_QUEUES = ("pgqueuer-batch10",)
NOOP = "noop"
POLL_SECONDS = 0.02
DRAIN_TIMEOUT_SECONDS = 300.0
READY_TIMEOUT_SECONDS = 60.0

# -- worker processes (one per OS process, one job at a time) ---------------------------------------------


class _Records:
    """What a worker process remembers: latency samples, and a marker file once it has run a job."""

    def __init__(self, record_path: Path, ready_path: Path) -> None:
        self.record_path, self.ready_path = record_path, ready_path
        self.samples: list[tuple[float, float]] = []
        self._ready = False

    def started(self, payload: dict[str, Any], started_at: float) -> None:
        if not self._ready:
            self._ready = True
            self.ready_path.touch()
        sent_at = payload.get("sent_at")
        if isinstance(sent_at, float):
            self.samples.append((sent_at, started_at))

    def save(self) -> None:
        self.record_path.write_text(json.dumps(self.samples))


def _run_verae_worker(database_url: str, records: _Records) -> None:
    from verae.config import Settings
    from verae.kit.blobstore import LocalBlobStore
    from verae.kit.db import Database
    from verae.observability.logging import configure_logging
    from verae.queue.context import JobContext
    from verae.queue.queue import ClaimedJob
    from verae.queue.worker import Worker

    settings = Settings(database_url=database_url, log_level="WARNING")
    configure_logging(settings.log_level)

    def noop(job: ClaimedJob, context: JobContext) -> None:
        records.started(job.payload, time.time())
        with context.db.unit_of_work() as session:
            context.queue.complete(session, job)

    blob_dir = Path(tempfile.mkdtemp(prefix="verae-queue-bench-"))
    worker = Worker(
        db=Database(database_url, pool_size=2),
        blobs=LocalBlobStore(blob_dir),
        settings=settings,
        concurrency=1,
        handlers={NOOP: noop},
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    worker.start()
    stop.wait()
    worker.stop()
    shutil.rmtree(blob_dir, ignore_errors=True)


def _run_procrastinate_worker(database_url: str, records: _Records) -> None:
    import procrastinate

    logging.getLogger("procrastinate.blueprints").setLevel(logging.ERROR)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))

    async def noop(sent_at: float | None = None) -> None:
        records.started({"sent_at": sent_at}, time.time())

    app.task(name=NOOP)(noop)

    async def main() -> None:
        async with app.open_async():
            # Installs its own SIGTERM handler and stops gracefully.
            await app.run_worker_async(concurrency=1, listen_notify=True)

    asyncio.run(main())


def _run_pgqueuer_worker(database_url: str, records: _Records, batch_size: int = 1) -> None:
    from pgqueuer.db import PsycopgDriver
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries

    async def noop(job: Job) -> None:
        started_at = time.time()
        payload: dict[str, Any] = json.loads(job.payload) if job.payload else {}
        records.started(payload, started_at)

    async def main() -> None:
        connection = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
        manager = QueueManager(Queries(PsycopgDriver(connection)))
        manager.entrypoint(NOOP)(noop)
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, manager.shutdown.set)
        try:
            await manager.run(batch_size=batch_size)
        finally:
            await connection.close()

    asyncio.run(main())


WORKERS: dict[str, Callable[[str, _Records], None]] = {
    "verae": _run_verae_worker,
    "procrastinate": _run_procrastinate_worker,
    "pgqueuer": _run_pgqueuer_worker,
    "pgqueuer-batch10": lambda database_url, records: _run_pgqueuer_worker(database_url, records, 10),
}

# -- enqueueing and counting, per queue -------------------------------------------------------------------


class _Producer:
    """Schema, enqueue and completion count for one queue, through that queue's own API."""

    finished_sql = ""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def install(self) -> None:
        raise NotImplementedError

    async def enqueue_many(self, count: int) -> None:
        raise NotImplementedError

    async def enqueue_one(self, sent_at: float) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        return None

    def finished(self, connection: psycopg.Connection[Any], enqueued: int) -> int:
        row = connection.execute(self.finished_sql.encode()).fetchone()
        return int(row[0]) if row else 0


class _VeraeProducer(_Producer):
    finished_sql = "SELECT count(*) FROM jobs WHERE state = 'done'"

    async def install(self) -> None:
        from verae.kit.db import Database
        from verae.models import User

        env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
        env["VERAE_DATABASE_URL"] = self.database_url
        subprocess.run(
            [sys.executable, "-m", "verae.cli", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        self.db = Database(self.database_url, pool_size=2)
        with self.db.unit_of_work() as session:
            user = User(email=f"queue-bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="unused")
            session.add(user)
            session.flush()
            self.user_id = user.id

    def _enqueue(self, payloads: list[dict[str, Any]]) -> None:
        from verae.queue.queue import enqueue

        with self.db.unit_of_work() as session:
            for payload in payloads:
                enqueue(
                    session, kind=NOOP, payload=payload, user_id=self.user_id, upload_id=None, max_attempts=3
                )

    async def enqueue_many(self, count: int) -> None:
        self._enqueue([{} for _ in range(count)])

    async def enqueue_one(self, sent_at: float) -> None:
        self._enqueue([{"sent_at": sent_at}])

    async def close(self) -> None:
        self.db.dispose()


class _ProcrastinateProducer(_Producer):
    finished_sql = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'"

    async def install(self) -> None:
        import procrastinate

        # It warns that the App lives in __main__ (a hint about task discovery); each worker process here
        # registers the task itself.
        logging.getLogger("procrastinate.blueprints").setLevel(logging.ERROR)
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=self.database_url))
        await self.app.open_async()
        await self.app.schema_manager.apply_schema_async()

    async def enqueue_many(self, count: int) -> None:
        await self.app.configure_task(NOOP).batch_defer_async(*({} for _ in range(count)))

    async def enqueue_one(self, sent_at: float) -> None:
        await self.app.configure_task(NOOP).defer_async(sent_at=sent_at)

    async def close(self) -> None:
        await self.app.close_async()


class _PgqueuerProducer(_Producer):
    # Finished jobs leave the queue table (moved to pgqueuer_log).
    finished_sql = "SELECT count(*) FROM pgqueuer"

    async def install(self) -> None:
        from pgqueuer.db import PsycopgDriver
        from pgqueuer.queries import Queries

        self.connection = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        self.queries = Queries(PsycopgDriver(self.connection))
        await self.queries.install()

    async def enqueue_many(self, count: int) -> None:
        await self.queries.enqueue([NOOP] * count, [None] * count, [0] * count)

    async def enqueue_one(self, sent_at: float) -> None:
        await self.queries.enqueue(NOOP, json.dumps({"sent_at": sent_at}).encode())

    async def close(self) -> None:
        await self.connection.close()

    def finished(self, connection: psycopg.Connection[Any], enqueued: int) -> int:
        return enqueued - super().finished(connection, enqueued)


PRODUCERS: dict[str, type[_Producer]] = {
    "verae": _VeraeProducer,
    "procrastinate": _ProcrastinateProducer,
    "pgqueuer": _PgqueuerProducer,
    "pgqueuer-batch10": _PgqueuerProducer,
}

# -- one configuration: fresh database, N worker processes, measurements ---------------------------------


@dataclass
class Trial:
    queue: str
    workers: int
    jobs_per_second: list[float]
    latencies_ms: list[float]
    load_average: tuple[float, float, float]


def _wait_for(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


async def _measure(
    queue: str,
    workers: int,
    database_url: str,
    workdir: Path,
    jobs: int,
    throughput_runs: int,
    latency_samples: int,
) -> Trial:
    producer = PRODUCERS[queue](database_url)
    await producer.install()
    enqueued = 0
    processes: list[subprocess.Popen[bytes]] = []
    log = (workdir / f"{queue}-{workers}.log").open("wb")
    counter = psycopg.connect(database_url, autocommit=True)
    try:
        for index in range(workers):
            command = [sys.executable, __file__, "--worker-of", queue, "--database-url", database_url]
            command += ["--record", str(workdir / f"{queue}-{index}.json")]
            command += ["--ready", str(workdir / f"{queue}-{index}.ready")]
            processes.append(subprocess.Popen(command, stdout=log, stderr=log))

        def all_finished() -> bool:
            if any(process.poll() is not None for process in processes):
                raise RuntimeError(f"a {queue} worker exited; see {log.name}")
            return producer.finished(counter, enqueued) >= enqueued

        # Warm-up: single jobs until every process has run one (connections open, listeners up).
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while len(list(workdir.glob(f"{queue}-*.ready"))) < workers:
            if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
                raise RuntimeError(f"{queue} workers did not start; see {log.name}")
            await producer.enqueue_one(-1.0)
            enqueued += 1
            await asyncio.sleep(0.05)
        _wait_for(all_finished, DRAIN_TIMEOUT_SECONDS, "the warm-up jobs")
        await asyncio.sleep(0.5)

        rates = []
        for _ in range(throughput_runs):
            await producer.enqueue_many(jobs)
            committed = time.perf_counter()
            enqueued += jobs
            _wait_for(all_finished, DRAIN_TIMEOUT_SECONDS, f"{jobs} {queue} jobs")
            rates.append(jobs / (time.perf_counter() - committed))
            await asyncio.sleep(0.5)

        for _ in range(latency_samples):
            await producer.enqueue_one(time.time())
            enqueued += 1
            await asyncio.sleep(random.uniform(0.010, 0.040))
        _wait_for(all_finished, DRAIN_TIMEOUT_SECONDS, "the latency jobs")
        load_average = os.getloadavg()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        counter.close()
        log.close()
        await producer.close()
    latencies_ms = []
    for index in range(workers):
        for sent_at, started_at in json.loads((workdir / f"{queue}-{index}.json").read_text()):
            if sent_at > 0:
                latencies_ms.append((started_at - sent_at) * 1000)
    if len(latencies_ms) != latency_samples:
        raise RuntimeError(f"{queue}: {len(latencies_ms)} latency samples instead of {latency_samples}")
    return Trial(queue, workers, rates, latencies_ms, load_average)


def _run_trial(
    admin_url: str, queue: str, workers: int, jobs: int, throughput_runs: int, latency_samples: int
) -> Trial:
    database = f"verae_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}".encode())
    workdir = Path(tempfile.mkdtemp(prefix="verae-queue-bench-"))
    try:
        database_url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
        return asyncio.run(
            _measure(queue, workers, database_url, workdir, jobs, throughput_runs, latency_samples)
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _summarise(trials: list[Trial], queue: str, workers: int) -> dict[str, Any]:
    mine = [trial for trial in trials if trial.queue == queue and trial.workers == workers]
    rates = [rate for trial in mine for rate in trial.jobs_per_second]
    latencies = [latency for trial in mine for latency in trial.latencies_ms]
    return {
        "jobs_per_second": round(statistics.median(rates), 1),
        "jobs_per_second_runs": [round(rate, 1) for rate in rates],
        "claim_latency_ms_p50": round(statistics.median(latencies), 1),
        "claim_latency_ms_p95": round(_percentile(latencies, 95), 1),
        "claim_latency_ms_p99": round(_percentile(latencies, 99), 1),
        "claim_latency_ms_max": round(max(latencies), 1),
        "latency_samples": len(latencies),
        "load_average_1m": [round(trial.load_average[0], 2) for trial in mine],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2000, help="jobs per throughput run")
    parser.add_argument("--throughput-runs", type=int, default=2, help="throughput runs per configuration")
    parser.add_argument("--latency-samples", type=int, default=200, help="latency jobs per configuration")
    parser.add_argument("--rounds", type=int, default=2, help="times every configuration is run")
    parser.add_argument("--workers", default="1,4", help="worker process counts, comma-separated")
    parser.add_argument("--queues", default=",".join(QUEUES), help="queues to compare, comma-separated")
    parser.add_argument("--worker-of", choices=QUEUES + REFERENCE_QUEUES, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker_of:  # a worker process started by the benchmark itself
        records = _Records(args.record, args.ready)
        try:
            WORKERS[args.worker_of](args.database_url, records)
        finally:
            records.save()
        return

    worker_counts = [int(count) for count in args.workers.split(",")]
    queues = [name for name in args.queues.split(",") if name]
    admin_url = subprocess.run(
        [str(REPO / "scripts" / "test-postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    load_before = os.getloadavg()
    trials: list[Trial] = []
    for round_number in range(args.rounds):
        for workers in worker_counts:
            # Alternate the order between rounds so no queue always runs first or last.
            order = queues if round_number % 2 == 0 else list(reversed(queues))
            for queue in order:
                trial = _run_trial(
                    admin_url, queue, workers, args.jobs, args.throughput_runs, args.latency_samples
                )
                print(
                    f"round {round_number + 1}: {queue:<14}{workers} worker(s) "
                    f"{' '.join(f'{rate:.0f}' for rate in trial.jobs_per_second)} jobs/s, "
                    f"p95 {_percentile(trial.latencies_ms, 95):.1f} ms, "
                    f"load {trial.load_average[0]:.2f}",
                    flush=True,
                )
                trials.append(trial)
    load_after = os.getloadavg()

    results: dict[str, Any] = {}
    for workers in worker_counts:
        figures = {queue: _summarise(trials, queue, workers) for queue in queues}
        ratios = {}
        ours = figures.get("verae")
        for other in ("procrastinate", "pgqueuer"):
            if ours and other in figures:
                ratios[f"verae_vs_{other}"] = round(
                    ours["jobs_per_second"] / figures[other]["jobs_per_second"], 2
                )
        results[f"{workers}_workers"] = {"queues": figures, "throughput_ratios": ratios}

    print()
    print(f"{'queue':<15}{'workers':>8}{'jobs/s':>9}{'runs':>22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for workers in worker_counts:
        for queue, figures in results[f"{workers}_workers"]["queues"].items():
            runs = " ".join(f"{rate:.0f}" for rate in figures["jobs_per_second_runs"])
            print(
                f"{queue:<15}{workers:>8}{figures['jobs_per_second']:>9}{runs:>22}"
                f"{figures['claim_latency_ms_p50']:>9}{figures['claim_latency_ms_p95']:>9}"
                f"{figures['claim_latency_ms_p99']:>9}"
            )
        for name, ratio in results[f"{workers}_workers"]["throughput_ratios"].items():
            print(f"  {workers} worker(s): {name} throughput ratio {ratio}")
    print(f"load average before {load_before}, after {load_after} ({os.cpu_count()} CPUs)")

    output = REPO / "bench" / "results" / "queue_throughput.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now().isoformat(),
        "settings": {
            "jobs_per_throughput_run": args.jobs,
            "throughput_runs_per_configuration": args.throughput_runs,
            "latency_samples_per_configuration": args.latency_samples,
            "rounds": args.rounds,
        },
        "load_average_before": load_before,
        "load_average_after": load_after,
        "cpu_count": os.cpu_count(),
        **results,
    }
    output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()

"""Crash test: real `verae worker` processes are SIGKILLed at random while they drain a queue of uploads.

Every accepted upload must end `done` exactly once (one result, exactly one `job.done` audit row), unless
the kills took every one of its attempts: such a job is failed as `worker_lost`, the queue's guard against
a document that crashes its worker. Prints the drain time and writes bench/results/chaos.json.

    uv run python bench/chaos.py                     # PostgreSQL, 4 workers, 1,000 jobs, a kill every ~2 s
    uv run python bench/chaos.py --sqlite --workers 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from sqlalchemy import and_, func, select
from sqlalchemy.engine import make_url

from verae.config import Settings
from verae.kit.blobstore import LocalBlobStore
from verae.kit.db import Database
from verae.kit.deps import Services
from verae.models import AuditLog, Job, Result, User
from verae.queue.wakeup import Wakeup
from verae.uploads.receive import ReceivedFile
from verae.uploads.service import blob_key, create_upload_and_job

REPO = Path(__file__).resolve().parent.parent
VERAE = [sys.executable, "-m", "verae.cli"]
REPORT = (
    b"analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\nmch,24.1,pg\nrdw_cv,16.2,%\n"
)


@dataclass
class ChaosReport:
    backend: str
    jobs: int
    workers: int
    kills: int
    worker_start_seconds: float
    drain_seconds: float
    done: int
    not_done: int
    worker_lost: int
    results: int
    jobs_retried_after_a_kill: int
    max_attempt: int
    max_attempts: int
    duplicate_completions: int

    @property
    def exactly_once(self) -> bool:
        """Each job has one outcome: done with one result, or failed after every attempt lost its worker."""
        return (
            self.done == self.results
            and self.done + self.worker_lost == self.jobs
            and self.duplicate_completions == 0
            and self.max_attempt <= self.max_attempts
        )


def seed_uploads(settings: Settings, count: int) -> None:
    """Accept `count` CSV uploads the way the API does (blob + upload row + job row), in batches."""
    services = Services(
        settings=settings,
        db=Database(settings.database_url),
        blobs=LocalBlobStore(settings.blob_dir),
        wakeup=Wakeup(),
    )
    with services.db.unit_of_work() as session:
        user = User(email=f"chaos-{uuid.uuid4().hex[:8]}@example.com", password_hash="-")
        session.add(user)
        session.flush()
        user_id = user.id
    for start in range(0, count, 100):
        with services.db.unit_of_work() as session:
            for _ in range(start, min(count, start + 100)):
                upload_id = uuid.uuid4()
                writer = services.blobs.open_writer(blob_key(upload_id))
                writer.write(REPORT)
                writer.commit()
                received = ReceivedFile(
                    filename="r.csv", size=len(REPORT), head=REPORT, sha256=hashlib.sha256(REPORT)
                )
                create_upload_and_job(
                    session,
                    services.settings,
                    user_id=user_id,
                    upload_id=upload_id,
                    received=received,
                    media_type="text/csv",
                )
    services.db.dispose()


def _worker_env(settings: Settings, lease_seconds: float, job_delay_seconds: float) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
    env.update(
        VERAE_ENV="test",
        VERAE_DATABASE_URL=settings.database_url,
        VERAE_BLOB_DIR=str(settings.blob_dir),
        VERAE_JOB_LEASE_SECONDS=str(lease_seconds),
        VERAE_JOB_POLL_INTERVAL_SECONDS="0.2",
        VERAE_JOB_RETRY_BASE_SECONDS="0.1",
        # A little work per job so that kills land in the middle of jobs, not only between them.
        VERAE_FAULTS=f"delay@parsing={job_delay_seconds}",
        VERAE_LOG_LEVEL="WARNING",
    )
    return env


def _count(db: Database, statement: object) -> int:
    with db.unit_of_work(write=False) as session:
        return session.scalar(statement) or 0  # type: ignore[call-overload]


def run_chaos(
    settings: Settings,
    *,
    jobs: int,
    workers: int,
    kill_every_seconds: float,
    lease_seconds: float = 3.0,
    min_lifetime_seconds: float = 3.0,
    job_delay_seconds: float = 0.02,
    timeout_seconds: float = 600.0,
    log_dir: Path,
    seed: int = 1,
) -> ChaosReport:
    seed_uploads(settings, jobs)
    rng = random.Random(seed)
    env = _worker_env(settings, lease_seconds, job_delay_seconds)
    db = Database(settings.database_url, pool_size=2)
    log = (log_dir / "chaos-workers.log").open("ab")

    def start_worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen([*VERAE, "worker", "--concurrency", "1"], env=env, stdout=log, stderr=log)

    processes = [start_worker() for _ in range(workers)]
    born = [time.monotonic()] * workers
    kills = 0
    started = time.monotonic()
    open_jobs = select(func.count()).select_from(Job).where(Job.state.in_(("queued", "running")))
    waiting = select(func.count()).select_from(Job).where(Job.state == "queued")
    try:
        # How long a worker takes to start here (imports dominate, and depend on the machine's load): a
        # restarted worker is not killed again before it had that long, or the test would measure nothing.
        while _count(db, waiting) == jobs:
            if time.monotonic() - started > timeout_seconds:
                raise TimeoutError("no worker started")
            time.sleep(0.05)
        worker_start_seconds = time.monotonic() - started
        min_lifetime_seconds = max(min_lifetime_seconds, 1.5 * worker_start_seconds)
        # The first workers have started by now (or are about to): killable at once, so that kills land
        # while the queue drains even when the draining takes less than a restarted worker's lifetime.
        born = [time.monotonic() - min_lifetime_seconds] * workers
        next_kill = time.monotonic() + kill_every_seconds * rng.uniform(0.5, 1.5)
        while _count(db, open_jobs) > 0:
            if time.monotonic() - started > timeout_seconds:
                raise TimeoutError(f"jobs still open after {timeout_seconds}s")
            now = time.monotonic()
            grown = [index for index in range(workers) if now - born[index] >= min_lifetime_seconds]
            if now >= next_kill and grown:
                victim = rng.choice(grown)
                processes[victim].send_signal(signal.SIGKILL)
                processes[victim].wait(30)
                processes[victim] = start_worker()
                born[victim] = time.monotonic()
                kills += 1
                next_kill = time.monotonic() + kill_every_seconds * rng.uniform(0.5, 1.5)
            time.sleep(0.05)
        drain_seconds = time.monotonic() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        log.close()

    completions = (
        select(AuditLog.object_id, func.count())
        .where(AuditLog.action == "job.done")
        .group_by(AuditLog.object_id)
        .having(func.count() > 1)
    )
    with db.unit_of_work(write=False) as session:
        duplicates = len(session.execute(completions).all())
        max_attempt = session.scalar(select(func.max(Job.attempt))) or 0
    lost_every_attempt = and_(
        Job.state == "failed", Job.last_error_code == "worker_lost", Job.attempt == Job.max_attempts
    )
    report = ChaosReport(
        backend=db.dialect,
        jobs=jobs,
        workers=workers,
        kills=kills,
        worker_start_seconds=round(worker_start_seconds, 1),
        drain_seconds=round(drain_seconds, 1),
        done=_count(db, select(func.count()).select_from(Job).where(Job.state == "done")),
        not_done=_count(db, select(func.count()).select_from(Job).where(Job.state != "done")),
        worker_lost=_count(db, select(func.count()).select_from(Job).where(lost_every_attempt)),
        results=_count(db, select(func.count()).select_from(Result)),
        jobs_retried_after_a_kill=_count(db, select(func.count()).select_from(Job).where(Job.attempt > 1)),
        max_attempt=max_attempt,
        max_attempts=settings.job_max_attempts,
        duplicate_completions=duplicates,
    )
    db.dispose()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kill-every", type=float, default=2.0, help="mean seconds between kills")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="verae-chaos-"))
    database = f"verae_chaos_{uuid.uuid4().hex[:8]}"
    admin_url = ""
    if args.sqlite:
        database_url = f"sqlite:///{workdir}/verae.db"
    else:
        admin_url = subprocess.run(
            [str(REPO / "scripts" / "test-postgres.sh")], check=True, capture_output=True, text=True
        ).stdout.strip()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {database}".encode())
        database_url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    env = {**os.environ, "VERAE_DATABASE_URL": database_url}
    subprocess.run([*VERAE, "db", "upgrade"], env=env, check=True, capture_output=True)
    settings = Settings(env="test", database_url=database_url, blob_dir=workdir / "blobs")
    try:
        report = run_chaos(
            settings,
            jobs=args.jobs,
            workers=args.workers,
            kill_every_seconds=args.kill_every,
            log_dir=workdir,
        )
    finally:
        if admin_url:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())
    for name, value in asdict(report).items():
        print(f"{name:<28}{value}")
    print(f"{'exactly_once':<28}{report.exactly_once}")
    output = REPO / "bench" / "results" / f"chaos_{report.backend}.json"
    output.write_text(json.dumps({**asdict(report), "exactly_once": report.exactly_once}, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO)}")
    sys.exit(0 if report.exactly_once else 1)


if __name__ == "__main__":
    main()

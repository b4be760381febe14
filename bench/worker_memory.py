"""Does a worker's memory creep? One `verae worker` process drains 1,000 CSV jobs on SQLite while its RSS
is sampled; prints the samples and the least-squares slope (MiB per 100 jobs), writes
bench/results/worker_memory.json.

    uv run python -m bench.worker_memory [--jobs 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from sqlalchemy import func, select

from bench.chaos import seed_uploads
from verae.config import Settings
from verae.kit.db import Database
from verae.models import Job

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="verae-memory-"))
    settings = Settings(env="test", database_url=f"sqlite:///{workdir}/verae.db", blob_dir=workdir / "blobs")
    env = {
        **os.environ,
        "VERAE_DATABASE_URL": settings.database_url,
        "VERAE_BLOB_DIR": str(settings.blob_dir),
    }
    env["VERAE_LOG_LEVEL"] = "WARNING"
    subprocess.run(
        [sys.executable, "-m", "verae.cli", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    seed_uploads(settings, args.jobs)
    db = Database(settings.database_url, pool_size=1)
    done_count = select(func.count()).select_from(Job).where(Job.state == "done")
    worker = subprocess.Popen([sys.executable, "-m", "verae.cli", "worker", "--concurrency", "1"], env=env)
    samples: list[tuple[int, float]] = []
    try:
        process = psutil.Process(worker.pid)
        next_mark = 0
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            with db.unit_of_work(write=False) as session:
                done = session.scalar(done_count) or 0
            if done >= next_mark:
                samples.append((done, process.memory_info().rss / MIB))
                next_mark = done + args.jobs // 10
            if done >= args.jobs:
                break
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(60)
        db.dispose()
    # The first tenth includes imports and warm-up (model loading); the trend is judged on the rest.
    steady = samples[1:]
    slope = statistics.linear_regression([jobs for jobs, _ in steady], [rss for _, rss in steady]).slope
    for jobs, rss in samples:
        print(f"after {jobs:>5} jobs: RSS {rss:7.1f} MiB")
    print(f"slope after warm-up: {slope * 100:+.2f} MiB per 100 jobs")
    output = REPO / "bench" / "results" / "worker_memory.json"
    output.write_text(
        json.dumps({"samples": samples, "mib_per_100_jobs": round(slope * 100, 3)}, indent=2) + "\n"
    )
    print(f"wrote {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()

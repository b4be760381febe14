"""Upload → done latency and throughput for JSON uploads, end to end through real processes.

Two set-ups, measured in the same run:
- embedded: `verae serve` with 2 worker threads on SQLite (the `make run` mode);
- scaled:   `verae serve --no-worker` plus 2 `verae worker` processes on PostgreSQL.

Latency is upload request start → the job's `finished_at` (same machine, same clock). Prints a table and
writes bench/results/e2e_structured.json.

    uv run python bench/e2e_structured.py [--jobs 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
VERAE = [sys.executable, "-m", "verae.cli"]
IDLE_SAMPLES = 40
REPORT = json.dumps(
    {
        "sex": "female",
        "age": 34,
        "collected_at": "2025-03-12",
        "values": [
            {"analyte": "hemoglobin", "value": 118, "unit": "g/L"},
            {"analyte": "mcv", "value": 79, "unit": "fL"},
            {"analyte": "rdw_cv", "value": 15.1, "unit": "%"},
        ],
    }
).encode()


def _env(database_url: str, blob_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
    env.update(VERAE_DATABASE_URL=database_url, VERAE_BLOB_DIR=str(blob_dir), VERAE_LOG_LEVEL="WARNING")
    # One machine plays every client: the per-address and per-person limits would otherwise be measured.
    env.update(
        VERAE_REGISTRATION_MAX_PER_IP_PER_HOUR="1000000",
        VERAE_UPLOAD_MAX_WAITING_JOBS_PER_USER="1000000",
        VERAE_UPLOAD_MAX_BYTES_PER_DAY=str(1 << 40),
    )
    return env


def _wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def _drive(base_url: str, jobs: int, concurrency: int) -> dict[str, Any]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        token = client.post(
            "/api/v1/auth/register", json={"email": email, "password": "bench-pass-123"}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def one(_: int) -> tuple[str, float]:
            started = time.time()
            response = client.post("/api/v1/uploads", files={"file": ("r.json", REPORT)}, headers=headers)
            response.raise_for_status()
            return response.json()["job_id"], started

        began = time.time()
        with ThreadPoolExecutor(concurrency) as pool:
            submitted = dict(pool.map(one, range(jobs)))
        pending = set(submitted)
        finished: dict[str, float] = {}
        deadline = time.monotonic() + 300
        while pending and time.monotonic() < deadline:
            page = client.get("/api/v1/jobs", params={"limit": 100}, headers=headers).json()
            offset = 0
            while page["items"]:
                for item in page["items"]:
                    if item["id"] in pending and item["status"] in ("done", "failed", "needs_input"):
                        assert item["status"] == "done", item
                        finished[item["id"]] = datetime.fromisoformat(item["finished_at"]).timestamp()
                        pending.discard(item["id"])
                offset += 100
                page = client.get(
                    "/api/v1/jobs", params={"limit": 100, "offset": offset}, headers=headers
                ).json()
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"{len(pending)} jobs did not finish")
        idle_latencies_ms = [_one_at_a_time(client, headers) for _ in range(IDLE_SAMPLES)]
    latencies_ms = [(finished[job_id] - started) * 1000 for job_id, started in submitted.items()]
    elapsed = max(finished.values()) - began
    return {
        "jobs": jobs,
        "concurrency": concurrency,
        "latency_ms_p50": round(statistics.median(latencies_ms), 1),
        "latency_ms_p95": round(statistics.quantiles(latencies_ms, n=100)[94], 1),
        "jobs_per_second": round(jobs / elapsed, 1),
        "idle_latency_ms_p50": round(statistics.median(idle_latencies_ms), 1),
        "idle_latency_ms_p95": round(statistics.quantiles(idle_latencies_ms, n=100)[94], 1),
    }


def _one_at_a_time(client: httpx.Client, headers: dict[str, str]) -> float:
    """Latency of a single upload on an otherwise idle system."""
    started = time.time()
    response = client.post("/api/v1/uploads", files={"file": ("r.json", REPORT)}, headers=headers)
    job_url = response.headers["Location"]
    while (job := client.get(job_url, headers=headers).json())["status"] not in ("done", "failed"):
        time.sleep(0.005)
    assert job["status"] == "done", job
    return (datetime.fromisoformat(job["finished_at"]).timestamp() - started) * 1000


def _run_setup(name: str, database_url: str, workdir: Path, jobs: int, concurrency: int) -> dict[str, Any]:
    env = _env(database_url, workdir / "blobs")
    subprocess.run([*VERAE, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = 18000 + os.getpid() % 1000 + (0 if name == "embedded" else 1)
    processes: list[subprocess.Popen[bytes]] = []
    log = (workdir / f"{name}.log").open("wb")
    try:
        if name == "embedded":
            serve = [*VERAE, "serve", "--port", str(port), "--embedded-workers", "2"]
            processes.append(subprocess.Popen(serve, env=env, stdout=log, stderr=log))
        else:
            serve = [*VERAE, "serve", "--port", str(port), "--no-worker"]
            processes.append(subprocess.Popen(serve, env=env, stdout=log, stderr=log))
            for _ in range(2):
                worker = [*VERAE, "worker", "--concurrency", "2"]
                processes.append(subprocess.Popen(worker, env=env, stdout=log, stderr=log))
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url)
        return _drive(base_url, jobs, concurrency)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    admin_url = subprocess.run(
        [str(REPO / "scripts" / "test-postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    database = f"verae_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}".encode())
    workdir = Path(tempfile.mkdtemp(prefix="verae-bench-"))
    try:
        results = {
            "embedded_sqlite": _run_setup(
                "embedded", f"sqlite:///{workdir}/verae.db", workdir, args.jobs, args.concurrency
            ),
            "postgres_2_workers": _run_setup(
                "scaled",
                make_url(admin_url).set(database=database).render_as_string(hide_password=False),
                workdir,
                args.jobs,
                args.concurrency,
            ),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())

    print(
        f"{'set-up':<22}{'jobs':>6}{'p50 ms':>10}{'p95 ms':>10}{'jobs/s':>9}{'idle p50':>10}{'idle p95':>10}"
    )
    for name, figures in results.items():
        print(
            f"{name:<22}{figures['jobs']:>6}{figures['latency_ms_p50']:>10}"
            f"{figures['latency_ms_p95']:>10}{figures['jobs_per_second']:>9}"
            f"{figures['idle_latency_ms_p50']:>10}{figures['idle_latency_ms_p95']:>10}"
        )
    output = REPO / "bench" / "results" / "e2e_structured.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"measured_at": datetime.now().isoformat(), **results}, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()

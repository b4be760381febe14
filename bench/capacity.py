"""Capacity of the production shape (bench/cluster.py: PostgreSQL, S3, nginx, 2 API processes) with 2 and
then 4 `verae worker` processes (concurrency 1 each, so workers = jobs in parallel).

For each worker count:
- per kind (JSON, text PDF, phone photo): a batch uploaded at once; jobs/s = batch / (first upload →
  last job finished), and what one worker process handles per hour of that kind;
- the mix (70 % JSON/CSV, 20 % text PDF, 10 % photo): a burst gives the sustained jobs/s; then an open
  loop at 60 % of it (one upload every 1/rate s, whatever the answers take) for `--seconds`, giving
  uploads/s accepted and upload → result p50/p95 (upload request start → the job's `finished_at`).

    uv run python -m bench.capacity [--workers 2 4] [--seconds 40]

Writes bench/results/capacity.json. The documents are generated like the tests' corpus (tests/labs/corpus).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from bench.cluster import REPO, Cluster, wait_for
from bench.prod_like import new_client, register, report_json, upload
from tests.labs.corpus.layouts import LAYOUTS, make_document
from tests.labs.corpus.samples import photo, render

KINDS = ("json", "pdf", "photo")
MIX = {"json": 0.7, "pdf": 0.2, "photo": 0.1}
MEDIA = {"json": ("report.json", "application/json"), "pdf": ("report.pdf", "application/pdf"),
         "photo": ("photo.jpg", "image/jpeg")}  # fmt: skip


def documents(photos: int, pdfs: int) -> dict[str, list[bytes]]:
    layouts = sorted(LAYOUTS)
    made = {"json": [report_json(n) for n in range(200)], "pdf": [], "photo": []}
    for n in range(pdfs):
        made["pdf"].append(make_document(layouts[n % len(layouts)], 100 + n).pdf)
    for n in range(photos):
        document = make_document(layouts[n % len(layouts)], 200 + n)
        made["photo"].append(photo(render(document.pdf, 150)[0], random.Random(n)))
    return made


def finished(cluster: Cluster, job_ids: list[str]) -> list[tuple[datetime, datetime | None, str]]:
    with psycopg.connect(cluster.database_url) as connection:
        rows = connection.execute(
            "SELECT created_at, finished_at, state FROM jobs WHERE id::text = ANY(%s)", [job_ids]
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def wait_done(
    cluster: Cluster, job_ids: list[str], timeout: float
) -> list[tuple[datetime, datetime | None, str]]:
    wait_for(
        lambda: all(state not in ("queued", "running") for _, _, state in finished(cluster, job_ids)),
        timeout,
        "the batch to finish",
    )
    return finished(cluster, job_ids)


def batch(cluster: Cluster, items: list[tuple[str, bytes]], uploaders: int = 8) -> dict[str, Any]:
    """Upload everything at once (uploaders in parallel, one user each), then wait for every job."""
    job_ids: list[str] = []
    lock = threading.Lock()
    started = time.time()

    def send(share: list[tuple[str, bytes]]) -> None:
        with new_client(cluster.url) as client:
            headers = register(client)
            for kind, data in share:
                answered = upload(client, headers, data, *MEDIA[kind])
                answered.raise_for_status()
                with lock:
                    job_ids.append(answered.json()["job_id"])

    with ThreadPoolExecutor(uploaders) as pool:
        list(pool.map(send, [items[i::uploaders] for i in range(uploaders)]))
    rows = wait_done(cluster, job_ids, 600)
    last = max(row[1] for row in rows if row[1] is not None).timestamp()
    return {
        "jobs": len(job_ids),
        "states": {state: sum(1 for row in rows if row[2] == state) for state in {row[2] for row in rows}},
        "seconds": round(last - started, 2),
        "jobs_per_second": round(len(job_ids) / (last - started), 2),
    }


def open_loop(cluster: Cluster, docs: dict[str, list[bytes]], rate: float, seconds: float) -> dict[str, Any]:
    rng = random.Random(7)
    users = 16  # more than the per-person limit of waiting jobs needs at these rates
    with new_client(cluster.url) as client:
        headers = [register(client) for _ in range(users)]
    sent: list[tuple[float, str]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(n: int, kind: str) -> None:
        data = docs[kind][n % len(docs[kind])]
        began = time.time()
        try:
            with new_client(cluster.url) as client:
                answered = upload(client, headers[n % users], data, *MEDIA[kind])
            if answered.status_code == 202:
                with lock:
                    sent.append((began, answered.json()["job_id"]))
            else:
                errors.append(str(answered.status_code))
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)

    kinds = list(MIX)
    weights = [MIX[kind] for kind in kinds]
    with ThreadPoolExecutor(32) as pool:
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < seconds:
            pool.submit(one, n, rng.choices(kinds, weights)[0])
            n += 1
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
    elapsed = time.monotonic() - start
    by_id = {job_id: began for began, job_id in sent}
    with psycopg.connect(cluster.database_url) as connection:
        wait_done(cluster, list(by_id), 600)
        rows = connection.execute(
            "SELECT id::text, finished_at FROM jobs WHERE id::text = ANY(%s)", [list(by_id)]
        ).fetchall()
    latencies: list[float] = sorted(
        (finished_at.timestamp() - by_id[job_id]) * 1000
        for job_id, finished_at in rows
        if finished_at is not None
    )

    def percentile(p: int) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))], 1)

    return {
        "offered_per_second": rate,
        "uploads_accepted_per_second": round(len(sent) / elapsed, 2),
        "upload_errors": len(errors),
        "jobs": len(latencies),
        "upload_to_result_ms_p50": percentile(50),
        "upload_to_result_ms_p95": percentile(95),
    }


def measure(workers: int, docs: dict[str, list[bytes]], seconds: float) -> dict[str, Any]:
    rng = random.Random(workers)
    # A burst from 8 people is more waiting jobs each than the per-person limit allows.
    extra = {"VERAE_UPLOAD_MAX_WAITING_JOBS_PER_USER": "100000"}
    with Cluster(api=2, workers=workers, worker_concurrency=1, extra_env=extra) as cluster:
        per_kind = {}
        for kind, count in (("json", 200), ("pdf", 20), ("photo", len(docs["photo"]))):
            figures = batch(cluster, [(kind, docs[kind][n % len(docs[kind])]) for n in range(count)])
            figures["per_worker_per_hour"] = round(figures["jobs_per_second"] * 3600 / workers)
            per_kind[kind] = figures
            print(f"  {workers} workers, {kind}: {figures}", flush=True)
        mix_items = [(kind, docs[kind][n % len(docs[kind])]) for n, kind in enumerate(
            rng.choices(list(MIX), [MIX[kind] for kind in MIX], k=100))]  # fmt: skip
        burst = batch(cluster, mix_items)
        print(f"  {workers} workers, mix burst: {burst}", flush=True)
        steady = open_loop(cluster, docs, round(0.6 * burst["jobs_per_second"], 2), seconds)
        print(f"  {workers} workers, mix open loop: {steady}", flush=True)
    return {"per_kind": per_kind, "mix_burst": burst, "mix_open_loop": steady}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--seconds", type=float, default=40, help="length of the open-loop mix")
    args = parser.parse_args()
    docs = documents(photos=8, pdfs=20)
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "cpu_count": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
    }
    for workers in args.workers:
        print(f"{workers} worker processes:", flush=True)
        results[f"workers_{workers}"] = measure(workers, docs, args.seconds)
    results["load_average_after"] = list(os.getloadavg())
    output = REPO / "bench" / "results" / "capacity.json"
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()

"""Webhook deliveries per second and delivery latency with 2 `verae worker` processes on PostgreSQL.

A receiver on 127.0.0.1 answers 200 at once and notes when each event arrived. Deliveries are queued the
way the outcome listener queues them (a `webhook_deliveries` row and a `deliver_webhook` job, in one
transaction, with NOTIFY); latency is queued → received (same machine, same clock).

- burst:   N deliveries queued at once; deliveries/s = N / (last received − queued), and their latency;
- trickle: one delivery every 50 ms; the latency of a delivery on a system that keeps up.

Prints a table and writes bench/results/webhooks.json.

    uv run python bench/webhooks.py [--burst 500] [--trickle 100] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from verae.config import Settings
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import WebhookEndpoint
from verae.orgs.repository import get_organisation
from verae.orgs.service import create_organisation
from verae.queue.wakeup import JOBS_CHANNEL
from verae.webhooks import repository
from verae.webhooks.events import delivery_job, delivery_row

REPO = Path(__file__).resolve().parent.parent
VERAE = [sys.executable, "-m", "verae.cli"]
WORKERS = 2


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)


def _receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with arrivals.changed:
                arrivals.at.setdefault(self.headers["Verae-Event-Id"], time.time())
                arrivals.changed.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _queue(
    db: Database, settings: Settings, endpoint: WebhookEndpoint, user_id: uuid.UUID, count: int
) -> dict[str, float]:
    """Queue `count` deliveries in one transaction; their event ids → the commit time."""
    now = utcnow()
    deliveries, jobs, event_ids = [], [], []
    for _ in range(count):
        event_id = str(uuid.uuid4())
        body = {"id": event_id, "type": "job.done", "created_at": now.isoformat(), "data": {}}
        delivery = delivery_row(endpoint.id, endpoint.organisation_id, body, now)
        deliveries.append(delivery)
        jobs.append(delivery_job(delivery["id"], user_id, settings))
        event_ids.append(event_id)
    with db.write_transaction() as connection:
        repository.insert_rows(connection, deliveries, jobs)
        connection.execute(select(func.pg_notify(JOBS_CHANNEL, "")))
    queued = time.time()
    return dict.fromkeys(event_ids, queued)


def _wait_for(arrivals: Arrivals, event_ids: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with arrivals.changed:
        while not event_ids <= arrivals.at.keys():
            if not arrivals.changed.wait(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"{len(event_ids - arrivals.at.keys())} deliveries did not arrive")


def _latencies(queued: dict[str, float], arrivals: Arrivals) -> list[float]:
    return [(arrivals.at[event_id] - at) * 1000 for event_id, at in queued.items()]


def _figures(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "latency_ms_p50": round(statistics.median(latencies_ms), 1),
        "latency_ms_p95": round(statistics.quantiles(latencies_ms, n=100)[94], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--trickle", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2, help="threads per worker process")
    args = parser.parse_args()

    admin_url = subprocess.run(
        [str(REPO / "scripts" / "test-postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    database = f"verae_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}".encode())
    database_url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="verae-bench-webhooks-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
    env.update(
        VERAE_DATABASE_URL=database_url,
        VERAE_BLOB_DIR=str(workdir / "blobs"),
        VERAE_LOG_LEVEL="WARNING",
        VERAE_WEBHOOK_ALLOW_LOOPBACK="true",
    )
    subprocess.run([*VERAE, "db", "upgrade"], env=env, check=True, capture_output=True)
    settings = Settings(database_url=database_url, webhook_allow_loopback=True)
    db = Database(database_url, pool_size=2)
    arrivals = Arrivals()
    server = _receiver(arrivals)
    with db.unit_of_work() as session:
        organisation = create_organisation(session, "bench lab", retention_days=None, actor_id=None)
        found = get_organisation(session, organisation.id)
        assert found is not None
        user_id = found.user_id  # the organisation's principal owns its delivery jobs
        endpoint = repository.add_endpoint(
            session,
            WebhookEndpoint(
                organisation_id=organisation.id,
                url=f"http://127.0.0.1:{server.server_address[1]}/hooks",
                events=["job.done"],
                secret="whsec_bench",
            ),
        )
    log = (workdir / "workers.log").open("wb")
    workers = [
        subprocess.Popen(
            [*VERAE, "worker", "--concurrency", str(args.concurrency)], env=env, stdout=log, stderr=log
        )
        for _ in range(WORKERS)
    ]
    try:
        time.sleep(5)  # the workers start and listen
        warm = _queue(db, settings, endpoint, user_id, 20)
        _wait_for(arrivals, set(warm), 120)

        burst = _queue(db, settings, endpoint, user_id, args.burst)
        _wait_for(arrivals, set(burst), 600)
        elapsed = max(arrivals.at[event_id] for event_id in burst) - min(burst.values())

        trickle: dict[str, float] = {}
        for _ in range(args.trickle):
            trickle |= _queue(db, settings, endpoint, user_id, 1)
            time.sleep(0.05)
        _wait_for(arrivals, set(trickle), 120)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
        log.close()
        server.shutdown()
        db.dispose()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "workers": WORKERS,
        "threads_per_worker": args.concurrency,
        "burst": {
            "deliveries": args.burst,
            "deliveries_per_second": round(args.burst / elapsed, 1),
            **_figures(_latencies(burst, arrivals)),
        },
        "trickle": {"deliveries": args.trickle, "interval_ms": 50, **_figures(_latencies(trickle, arrivals))},
    }
    print(f"{'run':<10}{'deliveries':>12}{'per s':>9}{'p50 ms':>10}{'p95 ms':>10}")
    for name in ("burst", "trickle"):
        figures = results[name]
        rate = figures.get("deliveries_per_second", "")
        print(
            f"{name:<10}{figures['deliveries']:>12}{rate!s:>9}"
            f"{figures['latency_ms_p50']:>10}{figures['latency_ms_p95']:>10}"
        )
    out = REPO / "bench" / "results" / "webhooks.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()

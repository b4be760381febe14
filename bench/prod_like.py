"""`make prod-like`: Verae as it runs in production, on this machine (bench/cluster.py), then checked.

PostgreSQL (a throw-away cluster), moto's S3 server, nginx in front of two `verae serve --no-worker`,
two `verae worker`, `verae db upgrade` once, `VERAE_ENV=production`. Checks, each PASS or FAIL:

1. the front end, /ready and the security headers through nginx; /metrics closed at the proxy;
2. `verae smoke` through nginx;
3. a text PDF and a phone photo uploaded and read (generated like the tests' corpus, tests/labs/corpus);
4. one API process and one worker SIGKILLed mid-load: every job still done, exactly one result each;
5. a rolling restart of the API processes (drained at nginx, SIGTERM, started again) under load with
   zero failed requests;
6. pg_dump → pg_restore into a fresh database; an API process on it passes the smoke and serves a result
   stored before the dump.

Prints a report, writes bench/results/prod-like.json and exits 1 if any check failed.

    uv run python -m bench.prod_like      (or: make prod-like; VERAE_PROD_LIKE_KEEP=1 keeps the logs)
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.cluster import REPO, VERAE, Cluster, Process, answers, free_port, wait_for
from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import photo, render

PASSWORD = "prod-like-password-42"
RESULTS = REPO / "bench" / "results" / "prod-like.json"


def report_json(seed: int) -> bytes:
    rng = random.Random(seed)
    return json.dumps(
        {
            "sex": rng.choice(["female", "male"]),
            "age": rng.randint(18, 80),
            "values": [
                {"analyte": "hemoglobin", "value": round(rng.uniform(95, 160), 1), "unit": "g/L"},
                {"analyte": "mcv", "value": round(rng.uniform(70, 98), 1), "unit": "fL"},
                {"analyte": "rdw_cv", "value": round(rng.uniform(11.5, 17), 1), "unit": "%"},
            ],
        }
    ).encode()


def new_client(base_url: str) -> httpx.Client:
    # A new connection per request: a failure is the server's or the proxy's, never a pooled connection
    # closed under the client by an nginx reload.
    return httpx.Client(base_url=base_url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0))


def register(client: httpx.Client) -> dict[str, str]:
    email = f"prod-like-{uuid.uuid4().hex[:12]}@example.com"
    answered = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    answered.raise_for_status()
    return {"Authorization": f"Bearer {answered.json()['access_token']}"}


def upload(
    client: httpx.Client, headers: dict[str, str], data: bytes, name: str, media: str
) -> httpx.Response:
    return client.post("/api/v1/uploads", files={"file": (name, data, media)}, headers=headers)


def wait_for_job(
    client: httpx.Client, headers: dict[str, str], job_id: str, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "processing") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Outcome:
    name: str
    passed: bool
    seconds: float
    detail: str


# -- the checks --------------------------------------------------------------------------------------


def front_end(cluster: Cluster) -> str:
    page = httpx.get(cluster.url + "/", timeout=10)
    expect(
        page.status_code == 200 and "text/html" in page.headers["content-type"],
        f"/ answered {page.status_code}",
    )
    expect("script-src 'self'" in page.headers.get("content-security-policy", ""), "no CSP on the web app")
    expect(page.headers.get("strict-transport-security", "").startswith("max-age="), "no HSTS in production")
    ready = httpx.get(cluster.url + "/ready", timeout=10)
    expect(ready.status_code == 200, f"/ready answered {ready.status_code}")
    expect(
        httpx.get(cluster.url + "/metrics", timeout=10).status_code == 404, "/metrics reachable through nginx"
    )
    token = cluster.env["VERAE_METRICS_TOKEN"]
    scraped = httpx.get(
        cluster.apis[0].url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    expect(scraped.status_code == 200, f"/metrics on an API process answered {scraped.status_code}")
    return "web app, /ready and headers through nginx; /metrics only on the processes, with the token"


def smoke(base_url: str) -> str:
    ran = subprocess.run(
        [*VERAE, "smoke", "--base-url", base_url, "--timeout", "60"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    expect(ran.returncode == 0, "verae smoke failed:\n" + ran.stderr[-2000:])
    return f"{ran.stderr.count('PASS')} scenarios passed"


def documents(cluster: Cluster, kept: dict[str, Any]) -> str:
    document = make_document("us_lab", 3)
    picture = photo(render(document.pdf, 150)[0], random.Random("prod-like-photo"))
    with new_client(cluster.url) as client:
        headers = register(client)
        outcomes = []
        for name, data, media, truth in (
            ("report.pdf", document.pdf, "application/pdf", document.truth),
            ("photo.jpg", picture, "image/jpeg", document.truth.on_page(1)),
        ):
            accepted = upload(client, headers, data, name, media)
            expect(accepted.status_code == 202, f"{name}: upload answered {accepted.status_code}")
            job = wait_for_job(client, headers, accepted.json()["job_id"], 120)
            # A photo of the first page may lack what the model needs (the status is then needs_input):
            # reading is what is checked here, on the values read from the document.
            expect(
                job["status"] in ("done", "needs_input"),
                f"{name}: job ended {job['status']} ({job.get('error_code')})",
            )
            values = client.get(f"/api/v1/jobs/{job['id']}/values", headers=headers).json()["original"][
                "values"
            ]
            read = {value["analyte"]: value["normalized_value"] for value in values}
            right = sum(
                1
                for analyte, expected in truth.values.items()
                if analyte in read
                and abs(read[analyte] - expected.normalized_value) <= 1e-3 * abs(expected.normalized_value)
            )
            expect(
                right >= 0.8 * len(truth.values), f"{name}: {right} of {len(truth.values)} values read right"
            )
            if job["status"] == "done":
                result = client.get(f"/api/v1/results/{job['result_id']}", headers=headers).json()
                kept.setdefault("result", (headers, job["result_id"], result["risk"]))
            outcomes.append(f"{name} {right}/{len(truth.values)} values read ({job['status']})")
    return ", ".join(outcomes)


def count_jobs(cluster: Cluster, database_url: str | None = None) -> dict[str, int]:
    with psycopg.connect(database_url or cluster.database_url) as connection:
        states: dict[str, int] = dict(
            connection.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        )
        results = connection.execute("SELECT count(*), count(DISTINCT job_id) FROM results").fetchone()
        taken_over = connection.execute("SELECT count(*) FROM jobs WHERE attempt > 1").fetchone()
    assert results is not None
    assert taken_over is not None
    return {**states, "results": results[0], "distinct_result_jobs": results[1], "taken_over": taken_over[0]}


def kill_mid_load(cluster: Cluster) -> str:
    before = count_jobs(cluster)
    accepted: list[str] = []
    retried = Counter[str]()
    lock = threading.Lock()
    pdfs = [make_document("us_lab", seed).pdf for seed in range(6)]
    work = [(report_json(n), "report.json", "application/json") for n in range(84)]
    for index, pdf in enumerate(pdfs):
        work.insert(index * 14, (pdf, "report.pdf", "application/pdf"))

    def uploader(share: list[tuple[bytes, str, str]]) -> None:
        with new_client(cluster.url) as client:
            headers = register(client)
            for data, name, media in share:
                for _attempt in range(5):  # what a client does on a 502 or a dropped connection: try again
                    try:
                        answered = upload(client, headers, data, name, media)
                    except httpx.TransportError as error:
                        with lock:
                            retried[type(error).__name__] += 1
                        continue
                    if answered.status_code == 202:
                        with lock:
                            accepted.append(answered.json()["job_id"])
                        break
                    with lock:
                        retried[str(answered.status_code)] += 1
                    time.sleep(0.2)
                time.sleep(0.05)

    shares = [work[i::6] for i in range(6)]
    with ThreadPoolExecutor(len(shares)) as pool:
        futures = [pool.submit(uploader, share) for share in shares]
        wait_for(
            lambda: len(accepted) >= 20 and count_jobs(cluster).get("running", 0) > 0, 60, "jobs running"
        )
        cluster.apis[0].signal(signal.SIGKILL)
        cluster.worker_processes[0].signal(signal.SIGKILL)
        killed_at = len(accepted)
        for future in futures:
            future.result()
    cluster.apis[0].wait(10)
    cluster.worker_processes[0].wait(10)
    cluster.replace_api(0)
    cluster.replace_worker(0)
    expect(len(accepted) == len(work), f"{len(work) - len(accepted)} uploads never accepted")

    wait_for(lambda: settled(cluster), 120, "every job to finish")
    counts = count_jobs(cluster)
    with psycopg.connect(cluster.database_url) as connection:
        done = connection.execute(
            "SELECT count(*) FROM jobs WHERE state = 'done' AND id = ANY(%s)",
            [[uuid.UUID(j) for j in accepted]],
        ).fetchone()
    assert done is not None
    expect(done[0] == len(accepted), f"{len(accepted) - done[0]} accepted jobs not done: {counts}")
    jobs = sum(counts.get(state, 0) for state in ("done", "failed", "needs_input"))
    expect(counts.get("failed", 0) == before.get("failed", 0), f"jobs failed: {counts}")
    expect(
        counts["results"] == counts["distinct_result_jobs"] == counts["done"], f"results per job: {counts}"
    )
    return (
        f"{len(accepted)} uploads accepted (api-1 and worker-1 killed after {killed_at}; client retries: "
        f"{dict(retried) or 'none'}); {jobs} jobs in the database all done, one result each; "
        f"{counts['taken_over']} taken over after a lease expired"
    )


def rolling_restart(cluster: Cluster) -> str:
    stop = threading.Event()
    answered = Counter[str]()
    lock = threading.Lock()

    def load(seed: int) -> None:
        with new_client(cluster.url) as client:
            headers = register(client)
            n = 0
            while not stop.is_set():
                n += 1
                outcomes: list[str] = []
                try:
                    uploaded = upload(
                        client, headers, report_json(seed * 1000 + n), "r.json", "application/json"
                    )
                    outcomes.append(str(uploaded.status_code))
                    if uploaded.status_code == 202:
                        job = client.get(f"/api/v1/jobs/{uploaded.json()['job_id']}", headers=headers)
                        outcomes.append(str(job.status_code))
                    outcomes.append(str(client.get("/api/v1/results?limit=5", headers=headers).status_code))
                    outcomes.append(str(client.get("/ready").status_code))
                except httpx.TransportError as error:
                    outcomes.append(type(error).__name__)
                with lock:
                    answered.update(outcomes)
                time.sleep(0.1)

    restarted = []
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(load, seed) for seed in range(3)]
        time.sleep(2)
        for index in range(len(cluster.apis)):
            cluster.reload_nginx(down=frozenset({index}))  # drain: new requests go to the others
            time.sleep(1)
            cluster.apis[index].stop()  # SIGTERM: uvicorn finishes what it holds, then exits
            cluster.replace_api(index)
            cluster.reload_nginx()
            restarted.append(cluster.apis[index].name)
            time.sleep(2)
        stop.set()
        for future in futures:
            future.result()
    failed = {code: count for code, count in answered.items() if not code.startswith("2")}
    total = sum(answered.values())
    expect(not failed, f"{sum(failed.values())} of {total} requests failed: {failed}")
    return f"{', '.join(restarted)} restarted one at a time; {total} requests, 0 failed"


def settled(cluster: Cluster) -> bool:
    counts = count_jobs(cluster)
    return counts.get("queued", 0) + counts.get("running", 0) == 0


def backup_and_restore(cluster: Cluster, kept: dict[str, Any]) -> str:
    wait_for(lambda: settled(cluster), 120, "the queue to empty before the dump")
    bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    dump = cluster.root / "verae.dump"
    subprocess.run(
        [str(bin_dir / "pg_dump"), "--format=custom", f"--file={dump}", cluster.database_url],
        check=True,
        capture_output=True,
    )
    restored_url = cluster.create_database("verae_restored")
    subprocess.run(
        [str(bin_dir / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)],
        check=True,
        capture_output=True,
    )
    before, after = count_jobs(cluster), count_jobs(cluster, restored_url)
    expect(before["done"] == after["done"], f"restored {after['done']} done jobs of {before['done']}")
    env = {**cluster.env, "VERAE_DATABASE_URL": restored_url}
    port = free_port()
    server = Process(
        "restored", [*VERAE, "serve", "--port", str(port)], env, cluster.root / "restored.log", port=port
    )
    server.start()
    try:
        wait_for(answers(f"{server.url}/ready"), 90, "the server on the restored database")
        outcome = smoke(server.url)
        headers, result_id, risk = kept["result"]
        result = httpx.get(f"{server.url}/api/v1/results/{result_id}", headers=headers, timeout=10)
        expect(result.status_code == 200, f"a result from before the dump answered {result.status_code}")
        expect(result.json()["risk"] == risk, "a result from before the dump changed")
    finally:
        server.stop()
    return f"{dump.stat().st_size // 1024} KiB dump, {after['done']} jobs restored; smoke: {outcome}; old result served"


def run() -> int:
    outcomes: list[Outcome] = []
    started = time.monotonic()
    kept: dict[str, Any] = {}

    def check(name: str, action: Callable[[], str]) -> None:
        began = time.monotonic()
        try:
            passed, detail = True, action()
        except Exception as error:
            passed, detail = False, f"{type(error).__name__}: {error}"
        outcome = Outcome(name, passed, time.monotonic() - began, detail)
        outcomes.append(outcome)
        print(
            f"{'PASS' if outcome.passed else 'FAIL'}  {name} ({outcome.seconds:.1f} s): {outcome.detail}",
            flush=True,
        )

    with Cluster(api=2, workers=2) as cluster:
        parts = ", ".join(f"{part} at {seconds:.1f}" for part, seconds in cluster.timings.items())
        print(f"started in {time.monotonic() - started:.1f} s ({parts}); logs in {cluster.root}", flush=True)
        check("front end, readiness and headers through nginx", lambda: front_end(cluster))
        check("verae smoke through nginx", lambda: smoke(cluster.url))
        check("a text PDF and a photo uploaded and read", lambda: documents(cluster, kept))
        check("an API process and a worker killed mid-load", lambda: kill_mid_load(cluster))
        check("rolling restart of the API processes", lambda: rolling_restart(cluster))
        if "result" in kept:
            check(
                "pg_dump, restore into a fresh database, smoke on it",
                lambda: backup_and_restore(cluster, kept),
            )
        else:
            outcomes.append(
                Outcome("backup and restore", False, 0, "skipped: no result stored before the dump")
            )
    total = time.monotonic() - started
    passed = sum(outcome.passed for outcome in outcomes)
    print(f"\nprod-like took {total:.0f} s")
    print(f"prod-like: {passed} passed, {len(outcomes) - passed} failed")
    RESULTS.write_text(
        json.dumps(
            {"seconds": round(total, 1), "checks": [outcome.__dict__ for outcome in outcomes]}, indent=2
        )
        + "\n"
    )
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(run())

"""Cold start-up of the `verae` command, measured against the floor of importing Typer in the same run.

Each figure is the median of --runs cold runs (a new interpreter every time):
- floor:     `python -c "import typer"`, what any Typer command pays;
- help:      `verae --help`;
- serve:     `verae serve --no-worker` started → `/health` answers 200 (wall);
- worker:    `verae worker` started → its first job claimed (`jobs.started_at` set; wall);
- analyze:   `verae analyze` of a one-page text PDF, end to end (reading, model, printing).

Targets (issue 11): help ≤ 3 × floor; serve ≤ 2.5 s; worker ≤ 2.5 s; analyze ≤ 1.5 s. `--python` runs
another checkout's interpreter (e.g. an older commit's .venv) to measure "before" in the same way.
Writes bench/results/startup.json.

    uv run python bench/startup.py [--runs 5] [--python PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "startup.json"
REPORT_CSV = b"analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\nrdw_cv,16.2,%\n"
ROWS = (
    ("Hemoglobin", "10.9", "g/dL", "12.0-15.5"),
    ("Hematocrit", "33.1", "%", "35-45"),
    ("RBC", "4.21", "x10^12/L", "3.9-5.1"),
    ("MCV", "74", "fL", "80-100"),
    ("MCH", "24.1", "pg", "27-33"),
    ("MCHC", "31.2", "g/dL", "32-36"),
    ("RDW-CV", "16.2", "%", "11.5-14.5"),
    ("Platelets", "310", "x10^9/L", "150-400"),
    ("WBC", "6.1", "x10^9/L", "4.0-10.0"),
    ("Ferritin", "9", "ng/mL", "15-150"),
)


def one_page_text_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("Helvetica", 11)
    page.drawString(60, 790, "Complete blood count    Sex: Female    Age: 34    Collected: 2025-03-02")
    for row, (name, value, unit, reference) in enumerate(ROWS):
        y = 750 - row * 22
        for x, text in zip((60, 230, 300, 400), (name, value, unit, reference), strict=True):
            page.drawString(x, y, text)
    page.save()
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def median_of(runs: int, measure: Callable[[], float]) -> dict[str, float]:
    seconds = [measure() for _ in range(runs)]
    return {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3)}


def timed_command(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


class Startup:
    def __init__(self, python: str, workdir: Path) -> None:
        self.verae = [python, "-m", "verae.cli"]
        self.python = python
        self.workdir = workdir
        self.database = workdir / "verae.db"
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
        self.env |= {
            "VERAE_DATABASE_URL": f"sqlite:///{self.database}",
            "VERAE_BLOB_DIR": str(workdir / "blobs"),
            "VERAE_LOG_LEVEL": "WARNING",
        }
        subprocess.run([*self.verae, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        self.pdf = workdir / "report.pdf"
        self.pdf.write_bytes(one_page_text_pdf())

    def floor(self) -> float:
        return timed_command([self.python, "-c", "import typer"], self.env)

    def help(self) -> float:
        return timed_command([*self.verae, "--help"], self.env)

    def analyze(self) -> float:
        return timed_command([*self.verae, "analyze", str(self.pdf), "--json"], self.env)

    def serve(self) -> float:
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [*self.verae, "serve", "--no-worker", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError("verae serve exited")
                time.sleep(0.01)
        finally:
            process.terminate()
            process.wait(timeout=30)

    def queue_one_upload(self) -> None:
        """A queued upload job, made through the API (the same in every version)."""
        port = free_port()
        process = subprocess.Popen(
            [*self.verae, "serve", "--no-worker", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(3000):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.01)
            email = f"startup-{time.monotonic_ns()}@example.com"
            registered = httpx.post(
                f"{base}/api/v1/auth/register", json={"email": email, "password": "startup-bench-1"}
            )
            headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
            accepted = httpx.post(
                f"{base}/api/v1/uploads", files={"file": ("r.csv", REPORT_CSV)}, headers=headers
            )
            assert accepted.status_code == 202, accepted.text
        finally:
            process.terminate()
            process.wait(timeout=30)

    def worker(self) -> float:
        self.queue_one_upload()
        started = time.perf_counter()
        process = subprocess.Popen(
            [*self.verae, "worker", "--concurrency", "1"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with sqlite3.connect(self.database) as connection:
                while True:
                    waiting = connection.execute(
                        "SELECT count(*) FROM jobs WHERE started_at IS NULL"
                    ).fetchone()
                    if waiting[0] == 0:
                        return time.perf_counter() - started
                    if process.poll() is not None:
                        raise RuntimeError("verae worker exited")
                    time.sleep(0.005)
        finally:
            process.terminate()
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="Interpreter of the checkout to measure")
    parser.add_argument("--label", default="current")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="verae-startup-") as directory:
        startup = Startup(arguments.python, Path(directory))
        figures = {
            name: median_of(arguments.runs, getattr(startup, name))
            for name in ("floor", "help", "serve", "worker", "analyze")
        }
    floor = figures["floor"]["median_s"]
    report = {
        "label": arguments.label,
        "runs": arguments.runs,
        "figures": figures,
        "help_over_floor": round(figures["help"]["median_s"] / floor, 2),
        "targets_met": {
            "help_le_3x_floor": figures["help"]["median_s"] <= 3 * floor,
            "serve_le_2.5s": figures["serve"]["median_s"] <= 2.5,
            "worker_le_2.5s": figures["worker"]["median_s"] <= 2.5,
            "analyze_le_1.5s": figures["analyze"]["median_s"] <= 1.5,
        },
        "load_average": os.getloadavg(),
    }
    for name, figure in figures.items():
        print(f"{name:8} median {figure['median_s']:.3f} s   min {figure['min_s']:.3f} s")
    print(f"help / floor = {report['help_over_floor']}; targets: {report['targets_met']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[arguments.label] = report
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()

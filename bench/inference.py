"""Risk inference speed: one assessment with explanations (p50/p99), and batch rows per second.

Run: `uv run python bench/inference.py`. Prints the figures and writes bench/results/inference.json.
Targets (issue 6): p99 ≤ 5 ms for one prediction with explanations; ≥ 20,000 rows/s in batch.
Inputs are synthetic blood counts drawn around adult reference values, not real people.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pandas as pd

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.labs.values import apply_field
from verae.risk import ARTIFACT_DIR
from verae.risk.model import RiskModel, load_model
from verae.risk.service import assess_frame, assess_with

RESULTS = Path(__file__).parent / "results" / "inference.json"
SINGLE_CALLS = 3000
WARM_UP = 200
BATCH_ROWS = 100_000
BATCH_REPEATS = 5
TARGET_SINGLE_P99_MS = 5.0
TARGET_BATCH_ROWS_PER_S = 20_000

# mean and spread of each input, in canonical units
SYNTHETIC = {
    "age": (45.0, 18.0),
    "hemoglobin": (135.0, 15.0),
    "hematocrit": (41.0, 4.0),
    "rbc": (4.7, 0.5),
    "mcv": (87.0, 6.5),
    "mch": (29.3, 2.5),
    "mchc": (336.0, 9.0),
    "rdw_cv": (13.8, 1.3),
    "platelets": (255.0, 65.0),
    "wbc": (7.0, 1.8),
    "bmi": (28.0, 6.0),
    "crp": (2.5, 2.0),
}
PLAUSIBLE_AGE = (1.0, 80.0)


def synthetic_table(rows: int, seed: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    table: dict[str, Any] = {"sex": generator.choice(["female", "male"], size=rows)}
    for name, (mean, spread) in SYNTHETIC.items():
        values = generator.normal(mean, spread, size=rows)
        table[name] = np.round(np.clip(values, mean - 3 * spread, mean + 3 * spread), 1)
    table["age"] = np.clip(table["age"], *PLAUSIBLE_AGE)
    table["crp"] = np.abs(table["crp"])
    return pd.DataFrame(table)


def reports_from(table: pd.DataFrame) -> list[LabReport]:
    reports = []
    for record in table.to_dict(orient="records"):
        report = LabReport()
        for name, value in record.items():
            apply_field(report, str(name), value, None if name in ("sex", "age", "bmi") else _unit(str(name)))
        reports.append(report)
    return reports


def _unit(code: str) -> str:
    return BY_CODE[code].canonical_unit


def single_latency(model: RiskModel) -> dict[str, float]:
    reports = reports_from(synthetic_table(WARM_UP + SINGLE_CALLS, seed=1))
    for report in reports[:WARM_UP]:
        assess_with(report, model)
    timings, cpu_timings = [], []
    for report in reports[WARM_UP:]:
        started, cpu_started = time.perf_counter(), time.thread_time()
        result = assess_with(report, model)
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.thread_time() - cpu_started) * 1000)
        assert result.explanations, "a full blood count should always produce explanations"
    return {
        "calls": len(timings),
        "p50_ms": float(np.percentile(timings, 50)),
        "p99_ms": float(np.percentile(timings, 99)),
        "mean_ms": statistics.fmean(timings),
        # CPU time of the calling thread: the work itself, without waiting for a core on a busy machine
        "cpu_p50_ms": float(np.percentile(cpu_timings, 50)),
        "cpu_p99_ms": float(np.percentile(cpu_timings, 99)),
    }


def batch_throughput(model: RiskModel) -> dict[str, float]:
    table = synthetic_table(BATCH_ROWS, seed=2)
    assess_frame(table.head(1000), model)
    seconds = []
    for _ in range(BATCH_REPEATS):
        started = time.perf_counter()
        scored = assess_frame(table, model)
        seconds.append(time.perf_counter() - started)
        assert (scored["problems"] == "").all()
    best, median = min(seconds), statistics.median(seconds)
    return {
        "rows": BATCH_ROWS,
        "repeats": BATCH_REPEATS,
        "rows_per_s_median": BATCH_ROWS / median,
        "rows_per_s_best": BATCH_ROWS / best,
    }


def main() -> None:
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    model = load_model(ARTIFACT_DIR)
    load_ms = (time.perf_counter() - started) * 1000
    if model is None:
        raise SystemExit("no model artifact installed: run `verae model train` first")
    single = single_latency(model)
    batch = batch_throughput(model)
    result = {
        "model_version": model.version,
        "catboost": catboost.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m_before": load_before,
        "load_ms": load_ms,
        "single_with_explanations": single,
        "batch": batch,
        "targets": {"single_p99_ms": TARGET_SINGLE_P99_MS, "batch_rows_per_s": TARGET_BATCH_ROWS_PER_S},
    }
    print(f"model {model.version}: loaded in {load_ms:.0f} ms")
    print(
        f"single with explanations: p50 {single['p50_ms']:.2f} ms, p99 {single['p99_ms']:.2f} ms "
        f"(target p99 ≤ {TARGET_SINGLE_P99_MS} ms) over {single['calls']} calls; CPU time p50 "
        f"{single['cpu_p50_ms']:.2f} ms, p99 {single['cpu_p99_ms']:.2f} ms; load average {load_before:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"batch: {batch['rows_per_s_median']:,.0f} rows/s median, {batch['rows_per_s_best']:,.0f} best "
        f"(target ≥ {TARGET_BATCH_ROWS_PER_S:,}) on {BATCH_ROWS:,} rows"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()

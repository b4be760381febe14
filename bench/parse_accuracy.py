"""Reader accuracy and speed on the generated corpus: field-level precision and recall per kind
(text PDF, image-only scan, phone photo), pages per second and median milliseconds per page.

    uv run python bench/parse_accuracy.py [--seeds N]

Prints the figures and writes bench/results/parse_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# The generator lives with the tests (tests/labs/corpus), outside mypy's package roots for this file.
from labs.corpus.samples import KINDS, Sample, corpus  # type: ignore[import-not-found]  # noqa: E402
from labs.corpus.scoring import Score, score  # type: ignore[import-not-found]  # noqa: E402
from verae.labs.errors import ReportUnreadable  # noqa: E402
from verae.labs.reader import read_document  # noqa: E402

TARGETS = {
    "text_pdf": {"precision": 0.995, "recall": 0.99, "median_page_ms": 100},
    "scan_pdf": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
    "photo": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract): unlike wall time, it does not
    grow when other work shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(samples: list[Sample]) -> dict[str, Any]:
    scores = {kind: Score() for kind in KINDS}
    page_seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    page_cpu_seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    failures: list[str] = []
    for sample in samples:
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        try:
            report = read_document(sample.data, sample.media_type)
        except ReportUnreadable as error:
            failures.append(f"{sample.name}: {error.code}")
            report = None
        elapsed = time.perf_counter() - started
        page_seconds[sample.kind].extend([elapsed / sample.pages] * sample.pages)
        cpu = (cpu_seconds() - cpu_before) / sample.pages
        page_cpu_seconds[sample.kind].extend([cpu] * sample.pages)
        if report is not None:
            scores[sample.kind].add(score(report, sample.truth, sample.name))
        else:
            scores[sample.kind].expected += len(sample.truth.values) + 3
    results: dict[str, Any] = {}
    for kind in KINDS:
        seconds = page_seconds[kind]
        total = scores[kind]
        results[kind] = {
            "documents": sum(1 for sample in samples if sample.kind == kind),
            "pages": len(seconds),
            "fields_printed": total.expected,
            "fields_read": total.predicted,
            "fields_correct": total.correct,
            "precision": round(total.precision, 4),
            "recall": round(total.recall, 4),
            "attribute_accuracy": {
                name: round(value, 4) for name, value in total.attribute_accuracy().items()
            },
            "pages_per_second": round(len(seconds) / sum(seconds), 2) if seconds else None,
            "median_page_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
            "p90_page_ms": round(statistics.quantiles(seconds, n=10)[-1] * 1000, 1)
            if len(seconds) > 1
            else None,
            "median_page_cpu_ms": round(statistics.median(page_cpu_seconds[kind]) * 1000, 1)
            if seconds
            else None,
            "targets": TARGETS[kind],
            "errors": total.errors,
        }
    results["failures"] = failures
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=4, help="reports per layout (default 4)")
    arguments = parser.parse_args()
    samples = corpus(range(100, 100 + arguments.seeds))
    results = measure(samples)
    results["seeds"] = arguments.seeds
    # Wall times depend on what else runs on the machine; the load average says how busy it was.
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    for kind in KINDS:
        figures = results[kind]
        print(
            f"{kind:9} docs {figures['documents']:3} pages {figures['pages']:3}  "
            f"precision {figures['precision']:.2%}  recall {figures['recall']:.2%}  "
            f"{figures['pages_per_second']} pages/s  median {figures['median_page_ms']} ms/page  "
            f"p90 {figures['p90_page_ms']} ms  median CPU {figures['median_page_cpu_ms']} ms/page"
        )
        print(f"{'':9} unit/range/flag accuracy {figures['attribute_accuracy']}")
    for failure in results["failures"]:
        print(f"failed: {failure}")
    output = ROOT / "bench" / "results" / "parse_accuracy.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

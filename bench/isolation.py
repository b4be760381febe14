"""Per-document cost of reading in a memory-capped child process (verae.labs.isolation) against reading
in-process, for a one-page text PDF and a phone photo.

    uv run python bench/isolation.py [--runs 7] [--memory-mib 1024]

Runs alternate (in-process, isolated) so both see the same machine load; the first isolated read, which
starts the forkserver, is timed separately. Prints the figures and writes bench/results/isolation.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from verae.labs.isolation import MIB, ReadLimits, read_report_isolated  # noqa: E402


def _seconds(read: Any) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--memory-mib", type=int, default=1024)
    args = parser.parse_args()
    # Imported here, not at the top: each reader child re-imports the main script's top level (as it
    # re-imports the `verae` command's), and the generator would weigh on every read measured.
    # The generator lives with the tests (tests/labs/corpus), outside mypy's package roots for this file.
    from labs.corpus.layouts import make_document  # type: ignore[import-not-found]
    from labs.corpus.samples import photo, render  # type: ignore[import-not-found]
    from verae.labs.reader import read_report

    limits = ReadLimits(memory_bytes=args.memory_mib * MIB)
    document = make_document("ru_previous", 0)
    assert document.pages == 1
    documents = {
        "text_pdf": (document.pdf, "application/pdf"),
        "photo": (photo(render(document.pdf, 150)[0], random.Random(7)), "image/jpeg"),
    }
    first_isolated = _seconds(lambda: read_report_isolated(*documents["text_pdf"], limits))
    results: dict[str, Any] = {"runs": args.runs, "memory_mib": args.memory_mib}
    results["first_isolated_read_seconds"] = round(first_isolated, 3)
    for name, (data, media_type) in documents.items():
        in_process, isolated = [], []
        for _ in range(args.runs):
            in_process.append(_seconds(lambda d=data, m=media_type: read_report(d, m)))
            isolated.append(_seconds(lambda d=data, m=media_type: read_report_isolated(d, m, limits)))
        median_in, median_iso = statistics.median(in_process), statistics.median(isolated)
        results[name] = {
            "bytes": len(data),
            "in_process_ms": [round(s * 1000, 1) for s in in_process],
            "isolated_ms": [round(s * 1000, 1) for s in isolated],
            "median_in_process_ms": round(median_in * 1000, 1),
            "median_isolated_ms": round(median_iso * 1000, 1),
            "overhead_ms": round((median_iso - median_in) * 1000, 1),
            "ratio": round(median_iso / median_in, 2),
        }
        print(
            f"{name:9} in-process {median_in * 1000:8.1f} ms   isolated {median_iso * 1000:8.1f} ms   "
            f"overhead {(median_iso - median_in) * 1000:6.1f} ms   ratio {median_iso / median_in:.2f}"
        )
    print(f"first isolated read (starts the forkserver): {first_isolated:.2f} s")
    out = ROOT / "bench" / "results" / "isolation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

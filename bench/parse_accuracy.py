"""Reader accuracy and speed: field-level precision and recall per kind (text PDF, image-only scan,
phone photo; for the second family also a curled or folded sheet's photo, a photo of a monitor and a
portal's screenshot), pages per second and median milliseconds per page.

    uv run python bench/parse_accuracy.py [--seeds N] [--kinds K,...]  # both generated families
    uv run python bench/parse_accuracy.py --real DIR            # a folder of real reports + truth.json

The generated corpus writes bench/results/parse_accuracy.json; a real development set (documents in
DIR/docs, hand-checked values in DIR/truth.json) writes bench/results/parse_accuracy_real.json with
precision and recall per kind and per language. Real documents are read from DIR, never copied.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
# As in the reader's forkserver, where labs/ocr.py sets it before anything loads numpy: the generator
# below loads numpy first, and OpenBLAS spinning on every core made the bend fit cost ~0.2 s CPU a page.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The generator lives with the tests (tests/labs/corpus), outside mypy's package roots for this file.
from labs.corpus.samples import KINDS, Sample, corpus  # type: ignore[import-not-found]  # noqa: E402
from labs.corpus.scoring import Score, score, value_right  # type: ignore[import-not-found]  # noqa: E402
from labs.variety.degrade import VARIETY_KINDS, variety_samples  # type: ignore[import-not-found]  # noqa: E402
from verae.labs import reader  # noqa: E402
from verae.labs.consistency import Checked, check_consistency  # noqa: E402
from verae.labs.errors import ReportUnreadable  # noqa: E402
from verae.labs.reader import read_document  # noqa: E402
from verae.labs.schemas import LabReport, LabValue, ReportWarning  # noqa: E402

TARGETS = {
    "text_pdf": {"precision": 0.995, "recall": 0.99, "median_page_ms": 100},
    "scan_pdf": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
    "photo": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
    "photo_curled": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
    "photo_monitor": {"precision": 0.99, "recall": 0.95, "median_page_ms": 3000},
    "screenshot": {"precision": 0.995, "recall": 0.95, "median_page_ms": 3000},
}


# What the consistency checks did in each document read. A dropped value never reaches the report, so the
# bench wraps the reader's call to the checks to score the values they confirmed, marked and dropped.
_CHECKED: list[tuple[list[LabValue], Checked]] = []


def _recording_checks(
    values: list[LabValue], warnings: list[ReportWarning]
) -> tuple[list[LabValue], Checked]:
    kept, checked = check_consistency(values, warnings)
    _CHECKED.append((values, checked))
    return kept, checked


reader.check_consistency = _recording_checks  # type: ignore[attr-defined]


@dataclass
class Checks:
    """Values the consistency checks confirmed, marked doubtful and dropped, and the wrong ones among them."""

    counts: dict[str, list[int]] = field(
        default_factory=lambda: {"confirmed": [0, 0], "marked": [0, 0], "dropped": [0, 0]}
    )

    def add_last(self, right: Callable[[LabValue], bool]) -> None:
        for values, checked in _CHECKED:
            for value in values:
                for outcome, codes in (
                    ("confirmed", checked.confirmed),
                    ("marked", checked.marked),
                    ("dropped", checked.dropped),
                ):
                    if value.analyte in codes:
                        self.counts[outcome][0] += 1
                        self.counts[outcome][1] += not right(value)
        _CHECKED.clear()

    def as_json(self) -> dict[str, dict[str, int]]:
        return {outcome: {"values": n, "wrong": wrong} for outcome, (n, wrong) in self.counts.items()}


@dataclass
class UnreadWarnings:
    """The `value_not_read` warnings: how many there were, how many name a field that is printed and was
    not read (the rest send a person looking for a value the page does not hold), and how many printed
    fields were not read at all (what the warnings could have named)."""

    warned: int = 0
    right: int = 0
    missed: int = 0

    def add(self, report: LabReport, printed: set[str]) -> None:
        missed = printed - {value.analyte for value in report.values}
        warned = {warning.analyte for warning in report.warnings if warning.code == "value_not_read"}
        self.warned += len(warned)
        self.right += len(warned & missed)
        self.missed += len(missed)

    def as_json(self) -> dict[str, int]:
        return {"warned": self.warned, "naming_a_missed_field": self.right, "fields_missed": self.missed}


def cpu_seconds() -> float:
    """CPU time of this process (Tesseract runs in it) and its finished children: unlike wall time, it
    does not grow when other work shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _collect_garbage() -> None:
    """What the documents read before left behind, collected before the clock starts: the worker reads
    each document in a fresh child (`labs/isolation.py`), while here one full collection of it (~50 ms,
    with the reader's libraries loaded) fell inside the ~55 ms read of a real text PDF and doubled it."""
    gc.collect()


def measure(samples: list[Sample], kinds: tuple[str, ...]) -> dict[str, Any]:
    scores = {kind: Score() for kind in kinds}
    page_seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    page_cpu_seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    failures: list[str] = []
    language_scores: dict[tuple[str, str], Score] = {}
    # a page in a language other than English and Russian may pay a second Tesseract run
    language_cpu: dict[tuple[str, str], list[float]] = {}
    checks = {kind: Checks() for kind in kinds}
    unread = {kind: UnreadWarnings() for kind in kinds}
    for sample in samples:
        _CHECKED.clear()
        _collect_garbage()
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
        sample_score = Score()
        checks[sample.kind].add_last(partial(value_right, truth=sample.truth))
        if report is not None:
            sample_score = score(report, sample.truth, sample.name)
            unread[sample.kind].add(report, set(sample.truth.values))
        else:
            sample_score.expected = len(sample.truth.values) + 3
        scores[sample.kind].add(sample_score)
        language = sample.language or ("ru" if sample.layout.startswith("ru_") else "en")
        language_scores.setdefault((language, sample.kind), Score()).add(sample_score)
        language_cpu.setdefault((language, sample.kind), []).extend([cpu] * sample.pages)
    results: dict[str, Any] = {}
    for kind in kinds:
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
            "p90_page_cpu_ms": _p90_ms(page_cpu_seconds[kind]),
            # values marked for review: a wrong value among them is caught by the person, not used blindly
            "values_marked_doubtful": total.doubtful,
            "wrong_values_marked_doubtful": total.doubtful_wrong,
            # the consistency checks (labs/consistency.py): values confirmed, marked, dropped; wrong among them
            "consistency_checks": checks[kind].as_json(),
            "value_not_read_warnings": unread[kind].as_json(),
            "targets": TARGETS[kind],
            "errors": total.errors,
        }
    results["failures"] = failures
    results["by_language"] = {
        f"{language}/{kind}": {
            "precision": round(language_scores[language, kind].precision, 4),
            "recall": round(language_scores[language, kind].recall, 4),
            "fields_printed": language_scores[language, kind].expected,
            "median_page_cpu_ms": round(statistics.median(language_cpu[language, kind]) * 1000, 1),
            "p90_page_cpu_ms": _p90_ms(language_cpu[language, kind]),
        }
        for language, kind in sorted(language_scores)
    }
    return results


def _p90_ms(seconds: list[float]) -> float | None:
    return round(statistics.quantiles(seconds, n=10)[-1] * 1000, 1) if len(seconds) > 1 else None


# Canonical value of a hand-checked truth entry, from the unit printed on the page. Written down here
# rather than taken from verae.labs.catalog, so a wrong factor in the catalog shows up as a wrong value.
_PER_THOUSAND_CELLS = {"cumm", "/cumm", "/mm3", "/ul", "/µl"}
_TRUTH_FACTORS: dict[str, dict[str, float]] = {
    "g/dl": {"hemoglobin": 10.0, "mchc": 10.0},
    "percent": {"mchc": 10.0},  # an old demo report prints MCHC in "Percent", i.e. g/dL
}


def truth_canonical(analyte: str, value: float, unit: str) -> float:
    key = unit.strip().lower().replace(" ", "")
    if key in _TRUTH_FACTORS and analyte in _TRUTH_FACTORS[key]:
        return value * _TRUTH_FACTORS[key][analyte]
    if key in _PER_THOUSAND_CELLS:  # cells per microlitre: 9000 /cumm = 9.0 x10^9/L
        return value / (1_000_000 if analyte == "rbc" else 1_000)
    if analyte in ("serum_iron", "tibc") and key.startswith(("ug/dl", "µg/dl", "mcg/dl")):
        return value * 0.179
    return value


@dataclass
class RealFigures:
    printed: int = 0
    read: int = 0
    correct: int = 0
    documents: int = 0
    pages: int = 0
    failures: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "pages": self.pages,
            "failures": self.failures,
            "values_printed": self.printed,
            "values_read": self.read,
            "values_correct": self.correct,
            "precision": round(self.correct / self.read, 4) if self.read else None,
            "recall": round(self.correct / self.printed, 4) if self.printed else None,
            "median_page_ms": round(statistics.median(self.seconds) * 1000, 1) if self.seconds else None,
            "median_page_cpu_ms": round(statistics.median(self.cpu_seconds) * 1000, 1)
            if self.cpu_seconds
            else None,
        }


def _media_type(data: bytes) -> str:
    """By content, as the upload path sniffs it: one real "jpg" file holds PNG bytes."""
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    return "image/jpeg"


def _page_count(data: bytes, media_type: str) -> int:
    if media_type != "application/pdf":
        return 1
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def measure_real(folder: Path) -> dict[str, Any]:
    """Values read from each real report against its truth.json entry: a value is correct when the
    analyte, the printed number, the qualifier and the canonical value all agree."""
    truth: dict[str, Any] = json.loads((folder / "truth.json").read_text())
    groups: dict[str, RealFigures] = {}
    documents: dict[str, Any] = {}
    checks = Checks()
    unread = UnreadWarnings()
    for name, entry in sorted(truth.items()):
        _CHECKED.clear()
        data = (folder / "docs" / name).read_bytes()
        media_type = _media_type(data)
        pages = _page_count(data, media_type)
        _collect_garbage()
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        failure: str | None = None
        try:
            report = read_document(data, media_type)
        except ReportUnreadable as error:
            failure, report = error.code, LabReport()
        values = report.values
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        expected: dict[str, Any] = entry["analytes"]
        unread.add(report, set(expected))
        checks.add_last(partial(_real_value_right, expected=expected))
        correct: list[str] = []
        wrong: list[str] = []
        for value in values:
            right = _real_value_right(value, expected)
            (correct if right else wrong).append(
                value.analyte + (" (marked doubtful)" if value.doubtful else "")
            )
        missed = sorted(set(expected) - {value.analyte for value in values})
        documents[name] = {
            "kind": entry["kind"],
            "language": entry["language"],
            "failure": failure,
            "printed": len(expected),
            "correct": len(correct),
            "wrong": sorted(wrong),
            "marked_doubtful": sum(value.doubtful for value in values),
            "missed": missed,
            "seconds": round(elapsed, 2),
        }
        for group in (f"kind:{entry['kind']}", f"language:{entry['language']}", "all"):
            figures = groups.setdefault(group, RealFigures())
            figures.documents += 1
            figures.pages += pages
            figures.failures += failure is not None
            figures.printed += len(expected)
            figures.read += len(values)
            figures.correct += len(correct)
            figures.seconds.extend([elapsed / pages] * pages)
            figures.cpu_seconds.extend([cpu / pages] * pages)
    return {
        "groups": {group: figures.as_json() for group, figures in sorted(groups.items())},
        "documents": documents,
        "consistency_checks": checks.as_json(),
        "value_not_read_warnings": unread.as_json(),
    }


def _real_value_right(value: LabValue, expected: dict[str, Any]) -> bool:
    printed = expected.get(value.analyte)
    return printed is not None and (
        math.isclose(value.value, printed["value"], rel_tol=1e-9)
        and value.qualifier == printed.get("qualifier")
        and math.isclose(
            value.normalized_value,
            truth_canonical(value.analyte, printed["value"], printed["unit"]),
            rel_tol=1e-3,
        )
    )


def run_real(folder: Path) -> None:
    results = measure_real(folder)
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    for group, figures in results["groups"].items():
        precision = "–" if figures["precision"] is None else f"{figures['precision']:.1%}"
        recall = "–" if figures["recall"] is None else f"{figures['recall']:.1%}"
        print(
            f"{group:22} docs {figures['documents']:2} pages {figures['pages']:2}  "
            f"values {figures['values_correct']:3}/{figures['values_printed']:3} read {figures['values_read']:3}  "
            f"precision {precision:>6}  recall {recall:>6}  median {figures['median_page_ms']} ms/page  "
            f"CPU {figures['median_page_cpu_ms']} ms/page"
        )
    for name, document in results["documents"].items():
        if document["failure"] or document["wrong"] or document["missed"]:
            print(
                f"  {name}: {document['correct']}/{document['printed']}"
                + (f" failed {document['failure']}" if document["failure"] else "")
                + (f" wrong {', '.join(document['wrong'])}" if document["wrong"] else "")
                + (f" missed {', '.join(document['missed'])}" if document["missed"] else "")
            )
    print(f"consistency checks (values, wrong among them): {results['consistency_checks']}")
    print(f"value_not_read warnings: {results['value_not_read_warnings']}")
    output = ROOT / "bench" / "results" / "parse_accuracy_real.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {output.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=4, help="reports per layout (default 4)")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=100,
        help="first seed (default 100; pick another range for documents the reader was not tuned on)",
    )
    parser.add_argument(
        "--real",
        type=Path,
        metavar="DIR",
        help="score real reports instead: DIR/docs/* against DIR/truth.json (a development set)",
    )
    parser.add_argument(
        "--kinds",
        help=f"comma-separated kinds to score (default all: {','.join(VARIETY_KINDS)}); the first family "
        f"draws only {','.join(KINDS)}",
    )
    arguments = parser.parse_args()
    if arguments.real is not None:
        run_real(arguments.real)
        return
    seeds = range(arguments.first_seed, arguments.first_seed + arguments.seeds)
    kinds = tuple(arguments.kinds.split(",")) if arguments.kinds else VARIETY_KINDS
    unknown = set(kinds) - set(VARIETY_KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    if "photo" in kinds and "scan_pdf" not in kinds:
        # a document's scan and photo are drawn by one random generator, the scan first (both families)
        print(
            "note: photos drawn without scans are other photos than in a run with scan_pdf; "
            "compare only runs with the same --kinds"
        )
    classic_kinds = tuple(kind for kind in kinds if kind in KINDS)
    # two generator families, scored apart: the first drew the layouts the reader was built on, the
    # second (tests/labs/variety) was written separately, with other layouts, languages and photos
    results: dict[str, Any] = {
        "classic": measure(corpus(seeds, classic_kinds), classic_kinds),
        "variety": measure(variety_samples(seeds, kinds), kinds),
        "seeds": arguments.seeds,
        "kinds": list(kinds),
        "first_seed": arguments.first_seed,
        # Wall times depend on what else runs on the machine; the load average says how busy it was.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    for family, family_kinds in (("classic", classic_kinds), ("variety", kinds)):
        for kind in family_kinds:
            figures = results[family][kind]
            print(
                f"{family:8} {kind:13} docs {figures['documents']:3} pages {figures['pages']:3}  "
                f"precision {figures['precision']:.2%}  recall {figures['recall']:.2%}  "
                f"{figures['pages_per_second']} pages/s  median {figures['median_page_ms']} ms/page  "
                f"p90 {figures['p90_page_ms']} ms  median CPU {figures['median_page_cpu_ms']} ms/page  "
                f"p90 CPU {figures['p90_page_cpu_ms']} ms"
            )
            print(
                f"{'':18} unit/range/flag accuracy {figures['attribute_accuracy']}  marked doubtful "
                f"{figures['values_marked_doubtful']} (wrong among them {figures['wrong_values_marked_doubtful']})  "
                f"consistency checks {figures['consistency_checks']}  "
                f"value_not_read warnings {figures['value_not_read_warnings']}"
            )
        for group, figures in results[family]["by_language"].items():
            print(
                f"{family:8} {group:18} precision {figures['precision']:.2%}  recall {figures['recall']:.2%}  "
                f"({figures['fields_printed']} fields)  CPU per page median {figures['median_page_cpu_ms']} ms, "
                f"p90 {figures['p90_page_cpu_ms']} ms"
            )
        for failure in results[family]["failures"]:
            print(f"failed: {failure}")
    # a run of some kinds only writes beside the full run's figures, not over them
    suffix = "" if set(kinds) == set(VARIETY_KINDS) else "-" + "+".join(kinds)
    output = ROOT / "bench" / "results" / f"parse_accuracy{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

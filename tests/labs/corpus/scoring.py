"""Field-level scoring of a reading against the generator's ground truth.

A field is one analyte's value (right analyte, printed value, qualifier and normalised value), the
collection date, sex or age. Precision = correct / fields read; recall = correct / fields printed.
Unit, reference range and flag are scored separately, over the values read correctly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from verae.labs.schemas import LabReport, LabValue

from .layouts import ExpectedValue, Truth


@dataclass
class Score:
    expected: int = 0
    predicted: int = 0
    correct: int = 0
    attributes: dict[str, list[int]] = field(
        default_factory=lambda: {"unit": [0, 0], "reference_range": [0, 0], "flag": [0, 0]}
    )
    errors: list[str] = field(default_factory=list)
    # values the reader marked doubtful (for review), and how many of those were wrong
    doubtful: int = 0
    doubtful_wrong: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    def add(self, other: Score) -> None:
        self.expected += other.expected
        self.predicted += other.predicted
        self.correct += other.correct
        self.doubtful += other.doubtful
        self.doubtful_wrong += other.doubtful_wrong
        for name, (right, total) in other.attributes.items():
            self.attributes[name][0] += right
            self.attributes[name][1] += total
        self.errors.extend(other.errors)

    def attribute_accuracy(self) -> dict[str, float]:
        return {name: right / total if total else 1.0 for name, (right, total) in self.attributes.items()}


def _squash(text: str | None) -> str | None:
    return None if text is None else "".join(text.split()).replace("–", "-")


def _value_matches(expected: ExpectedValue, value: float, normalized: float, qualifier: str | None) -> bool:
    return (
        math.isclose(expected.value, value, rel_tol=1e-9, abs_tol=1e-9)
        and math.isclose(expected.normalized_value, normalized, rel_tol=1e-5, abs_tol=1e-6)
        and expected.qualifier == qualifier
    )


def value_right(lab_value: LabValue, truth: Truth) -> bool:
    """Whether a value read is the one printed (analyte, value, qualifier and normalised value)."""
    expected = truth.values.get(lab_value.analyte)
    return expected is not None and _value_matches(
        expected, lab_value.value, lab_value.normalized_value, lab_value.qualifier
    )


def score(report: LabReport, truth: Truth, name: str) -> Score:
    result = Score()
    result.expected = len(truth.values) + 3
    result.predicted = len(report.values)
    for lab_value in report.values:
        expected = truth.values.get(lab_value.analyte)
        result.doubtful += lab_value.doubtful
        marked = " (marked doubtful)" if lab_value.doubtful else ""
        if expected is None:
            result.doubtful_wrong += lab_value.doubtful
            result.errors.append(
                f"{name}: {lab_value.analyte} read but not printed ({lab_value.source_line!r}){marked}"
            )
            continue
        if not _value_matches(expected, lab_value.value, lab_value.normalized_value, lab_value.qualifier):
            result.doubtful_wrong += lab_value.doubtful
            result.errors.append(
                f"{name}: {lab_value.analyte} read {lab_value.qualifier or ''}{lab_value.value} "
                f"({lab_value.normalized_value}), printed {expected.qualifier or ''}{expected.value} "
                f"({expected.normalized_value}) ({lab_value.source_line!r}){marked}"
            )
            continue
        result.correct += 1
        pairs = {
            "unit": (_squash(lab_value.unit), _squash(expected.unit)),
            "reference_range": (_squash(lab_value.reference_range), _squash(expected.reference_range)),
            "flag": (lab_value.flag, expected.flag),
        }
        for attribute, (got, want) in pairs.items():
            result.attributes[attribute][1] += 1
            result.attributes[attribute][0] += got == want
    read = {lab_value.analyte for lab_value in report.values}
    result.errors.extend(f"{name}: {code} missed" for code in truth.values if code not in read)
    person: tuple[tuple[str, object, object], ...] = (
        ("collection_date", report.collection_date, truth.collection_date),
        ("sex", report.sex, truth.sex),
        ("age", report.age, truth.age),
    )
    for label, read_field, printed_field in person:
        if read_field is not None:
            result.predicted += 1
            if read_field == printed_field:
                result.correct += 1
                continue
        result.errors.append(f"{name}: {label} read {read_field}, printed {printed_field}")
    return result

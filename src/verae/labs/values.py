"""Turning a named raw value (from CSV, JSON, a form or a parsed document) into a validated LabValue."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from verae.labs.catalog import find_analyte
from verae.labs.schemas import InvalidField, LabReport, LabValue, ReportWarning, SubmittedValues
from verae.labs.units import UnitError, convert, is_plausible

# Person fields that may accompany lab values, with their plausible range.
SUBJECT_RANGES: dict[str, tuple[float, float]] = {
    "age": (0.0, 120.0),
    "bmi": (8.0, 90.0),
    "height_cm": (40.0, 250.0),
    "weight_kg": (2.0, 400.0),
}


def parse_number(raw: Any) -> float:
    """A float from a number or a printed number with a decimal comma; ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        return float(raw.strip().replace(",", ".").replace(" ", ""))
    raise ValueError("not a number")


def number_problem(field: str, raw: Any) -> tuple[float | None, InvalidField | None]:
    """The number in `raw`, or the reason it is not a usable non-negative finite number."""
    try:
        number = parse_number(raw)
    except ValueError:
        return None, InvalidField(field=field, code="not_a_number", message=f"{field}: not a number")
    if not math.isfinite(number):
        return None, InvalidField(field=field, code="not_finite", message=f"{field}: must be a finite number")
    if number < 0:
        return None, InvalidField(field=field, code="negative", message=f"{field}: must not be negative")
    return number, None


def make_lab_value(name: str, raw_value: Any, unit: str | None) -> LabValue | InvalidField:
    analyte = find_analyte(name)
    if analyte is None:
        return InvalidField(field=name, code="unknown_field", message=f"{name}: not a known analyte")
    value, problem = number_problem(analyte.code, raw_value)
    if problem is not None or value is None:
        return problem or InvalidField(field=analyte.code, code="invalid", message=f"{analyte.code}: invalid")
    try:
        normalized = convert(analyte, value, unit)
    except UnitError as error:
        return InvalidField(field=analyte.code, code="unknown_unit", message=str(error))
    if not is_plausible(analyte, normalized.value):
        low, high = analyte.plausible
        return InvalidField(
            field=analyte.code,
            code="implausible_value",
            message=(
                f"{analyte.code}: {value:g} {unit or ''} is outside the plausible range "
                f"{low:g}–{high:g} {analyte.canonical_unit}"
            ).replace("  ", " "),
        )
    return LabValue(
        analyte=analyte.code,
        value=value,
        unit=unit or None,
        normalized_value=round(normalized.value, 6),
        normalized_unit=normalized.unit,
        confidence=1.0 if unit else 0.7,
    )


def apply_field(report: LabReport, name: str, raw_value: Any, unit: str | None = None) -> None:
    """Put one named input (a person field such as sex/age, or an analyte) into the report.

    Problems are recorded in `report.invalid_fields`; a later valid value for the same field replaces
    both an earlier value and an earlier problem, so corrections work by simply supplying the field again.
    """
    key = name.strip().lower()
    report.invalid_fields = [item for item in report.invalid_fields if item.field != key]
    if key == "sex":
        sex = str(raw_value).strip().lower()
        if sex in ("female", "male"):
            report.sex = "female" if sex == "female" else "male"
        else:
            report.invalid_fields.append(
                InvalidField(field="sex", code="invalid", message="sex: must be 'female' or 'male'")
            )
        return
    if key == "collected_at":
        try:
            report.collection_date = date.fromisoformat(str(raw_value))
        except ValueError:
            report.invalid_fields.append(
                InvalidField(field=key, code="invalid", message="collected_at: expected a date YYYY-MM-DD")
            )
        return
    if key in SUBJECT_RANGES:
        number, problem = number_problem(key, raw_value)
        low, high = SUBJECT_RANGES[key]
        if problem is None and number is not None and not low <= number <= high:
            problem = InvalidField(
                field=key, code="implausible_value", message=f"{key}: must be between {low:g} and {high:g}"
            )
        if problem is not None:
            report.invalid_fields.append(problem)
        else:
            setattr(report, key, number)
        return
    outcome = make_lab_value(name, raw_value, unit)
    if isinstance(outcome, InvalidField):
        report.invalid_fields = [item for item in report.invalid_fields if item.field != outcome.field]
        report.invalid_fields.append(outcome)
        return
    report.invalid_fields = [item for item in report.invalid_fields if item.field != outcome.analyte]
    if any(existing.analyte == outcome.analyte for existing in report.values):
        report.warnings.append(ReportWarning.of("repeated_value", analyte=outcome.analyte))
    report.values = [existing for existing in report.values if existing.analyte != outcome.analyte]
    report.values.append(outcome)


def report_from_submission(submitted: SubmittedValues) -> LabReport:
    """Validate and normalise submitted values; problems end up in `invalid_fields`."""
    report = LabReport()
    for name, value in submitted.model_dump(exclude={"values"}, exclude_none=True, mode="json").items():
        apply_field(report, name, value)
    for item in submitted.values:
        apply_field(report, item.analyte, item.value, item.unit)
    return report

"""Structured uploads: CSV (`analyte,value,unit`) and JSON (`{"sex", "age", "collected_at", "values"}`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from verae.labs.errors import ReportUnreadable
from verae.labs.schemas import LabReport
from verae.labs.values import apply_field

_CSV_HEADER = ["analyte", "value", "unit"]
_JSON_PERSON_FIELDS = ("sex", "age", "collected_at", "bmi", "height_cm", "weight_kg")
MAX_ROWS = 500


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportUnreadable("parse_failed", "The file is not valid UTF-8 text.") from error


def parse_csv(data: bytes) -> LabReport:
    try:
        rows = list(csv.reader(io.StringIO(_decode(data))))
    except csv.Error as error:  # e.g. a field longer than the csv module's limit
        raise ReportUnreadable("parse_failed", "The CSV file is malformed.") from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows or [cell.strip().lower() for cell in rows[0]] != _CSV_HEADER:
        raise ReportUnreadable(
            "parse_failed", "The CSV must start with the header line 'analyte,value,unit'."
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ReportUnreadable("parse_failed", f"The CSV has more than {MAX_ROWS} rows.")
    report = LabReport()
    for line_number, row in enumerate(rows[1:], start=2):
        if len(row) not in (2, 3):
            raise ReportUnreadable(
                "parse_failed", f"Line {line_number} must have the columns analyte, value, unit."
            )
        name, raw_value = row[0].strip(), row[1].strip()
        unit = row[2].strip() if len(row) == 3 else ""
        apply_field(report, name, raw_value, unit or None)
    return _require_values(report)


def parse_json(data: bytes) -> LabReport:
    try:
        document: Any = json.loads(_decode(data))
    except (json.JSONDecodeError, RecursionError) as error:
        raise ReportUnreadable("parse_failed", "The file is not valid JSON.") from error
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        raise ReportUnreadable(
            "parse_failed", 'The JSON must be an object with a "values" list of {analyte, value, unit}.'
        )
    if len(document["values"]) > MAX_ROWS:
        raise ReportUnreadable("parse_failed", f"The JSON has more than {MAX_ROWS} values.")
    report = LabReport()
    for field in _JSON_PERSON_FIELDS:
        if document.get(field) is not None:
            apply_field(report, field, document[field])
    for position, item in enumerate(document["values"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("analyte"), str) or "value" not in item:
            raise ReportUnreadable(
                "parse_failed", f'Item {position} of "values" must be an object with analyte and value.'
            )
        unit = item.get("unit")
        apply_field(report, item["analyte"], item["value"], unit if isinstance(unit, str) else None)
    return _require_values(report)


def _require_values(report: LabReport) -> LabReport:
    if not report.values and not report.invalid_fields:
        raise ReportUnreadable("parse_failed", "No blood-count values were found in the file.")
    return report

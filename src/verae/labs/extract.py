"""Lab values, the collection date and the person's sex and age, read from the lines of a report.

Works the same on a PDF text layer and on OCR output: both arrive as positioned words grouped into
lines (`labs.layout`). A row is "label, value [flag], unit, reference range" in any of the orders labs
print; a table header, when there is one, tells the current-result column from a previous-result one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from verae.labs.catalog import BY_CODE, Analyte
from verae.labs.layout import Line
from verae.labs.repairs import contradicts_range, lost_decimal_separator, repair_unit
from verae.labs.rows import Column, Row, analyte_for_label, header_columns, parse_row, split_label
from verae.labs.schemas import LabValue, ReportWarning, WarningCode
from verae.labs.units import UnitError, convert, is_plausible, normalize_unit

_NON_BLOOD_SECTION = re.compile(r"\bмоч[аи]\b|\burin|\burine\b|осадок|кал\b|stool|\bfaeces", re.IGNORECASE)
_BLOOD_SECTION = re.compile(
    r"кров|blood|железа|\biron\b|ферритин|биохим|chemistry|haematology|hematology|full blood count|\bcbc\b|"
    r"inflammat|гематолог",
    re.IGNORECASE,
)


@dataclass
class Reading:
    """Values found so far with their provenance, before duplicates are settled."""

    values: list[LabValue] = field(default_factory=list)
    warnings: list[ReportWarning] = field(default_factory=list)
    labels_seen: int = 0


def _unitless(analyte: Analyte, number: float) -> float | None:
    """The canonical value of a number printed without a unit, when exactly one of the units labs leave
    unprinted makes it plausible (the catalog's candidates do not overlap: 128 is g/L, 12.8 is g/dL)."""
    try:
        return convert(analyte, number, None).value
    except UnitError:
        return None


def to_lab_value(row: Row, line: Line, *, ocr: bool, reading: Reading) -> LabValue | None:
    analyte = row.analyte
    unit_key = normalize_unit(row.unit) if row.unit else None
    if analyte.code in ("rdw_cv", "rdw_sd") and unit_key is not None and unit_key not in analyte.units:
        # A bare "RDW" is named by its unit: fL is the SD, % the CV. Never a conversion between them.
        analyte = BY_CODE["rdw_sd" if unit_key == "fl" else "rdw_cv"]

    def not_used(code: WarningCode, unit: str | None = None) -> None:
        reading.warnings.append(ReportWarning.of(code, analyte=analyte.code, page=line.page, unit=unit))

    if ocr and (lost_decimal_separator(row.number, row.bounds) or contradicts_range(row)):
        not_used("value_misread")
        return None
    unit_confidence = 1.0
    if row.unit is not None:
        unit = repair_unit(analyte, row.unit) if ocr else row.unit
        try:
            canonical = convert(analyte, row.number, unit).value
        except UnitError:
            not_used("unit_not_accepted", unit=row.unit)
            return None
        unit_confidence = 1.0 if unit == row.unit else 0.8
    else:
        resolved = _unitless(analyte, row.number)
        if resolved is None:
            not_used("unit_missing")
            return None
        canonical = resolved
        # A value whose unit is left blank (or unreadable) is right less often than one with its unit.
        unit_confidence = 0.6 if row.unit_garbled else 0.8
    if not is_plausible(analyte, canonical):
        not_used("value_implausible")
        return None
    text_confidence = min(word.confidence for word in row.words) if ocr else 1.0
    label_confidence = 0.7 if row.label_guessed else 1.0
    return LabValue(
        analyte=analyte.code,
        value=row.number,
        unit=row.unit,
        normalized_value=round(canonical, 6),
        normalized_unit=analyte.canonical_unit,
        qualifier=row.qualifier,
        reference_range=row.reference,
        flag=row.flag,
        confidence=round(min(0.95 if ocr else 1.0, text_confidence) * unit_confidence * label_confidence, 3),
        page=line.page,
        source_line=line.text,
    )


def read_values(lines: list[Line], *, ocr_pages: frozenset[int]) -> Reading:
    reading = Reading()
    columns: list[Column] | None = None
    skipping = False
    page = 0
    for line in lines:
        if line.page != page:
            page, columns = line.page, None
        header = header_columns(line)
        if header is not None:
            columns = header
            continue
        ocr = line.page in ocr_pages
        row = parse_row(line, columns, ocr=ocr)
        if row is None:
            if _NON_BLOOD_SECTION.search(line.text):
                skipping = True
            elif _BLOOD_SECTION.search(line.text):
                skipping = False
            continue
        reading.labels_seen += 1
        if skipping:
            continue
        value = to_lab_value(row, line, ocr=ocr, reading=reading)
        if value is not None:
            reading.values.append(value)
    return reading


def settle_duplicates(values: list[LabValue], warnings: list[ReportWarning]) -> list[LabValue]:
    """One value per analyte. A repeat with the same value adds nothing (a summary block, a repeated
    page header); a repeat with a different value is reported and the more confident reading is kept."""
    kept: dict[str, LabValue] = {}
    for value in values:
        earlier = kept.get(value.analyte)
        if earlier is None:
            kept[value.analyte] = value
            continue
        same = math.isclose(earlier.normalized_value, value.normalized_value, rel_tol=1e-6)
        if not same:
            warnings.append(ReportWarning.of("conflicting_values", analyte=value.analyte))
        richer = (value.confidence, value.reference_range is not None) > (
            earlier.confidence,
            earlier.reference_range is not None,
        )
        if richer:
            kept[value.analyte] = value
    return list(kept.values())


def count_labels(lines: list[Line]) -> int:
    """How many lines start with an analyte's name: tells a page read upside down from one read upright."""
    return sum(
        1
        for line in lines
        if analyte_for_label(" ".join(word.text for word in split_label(line.words)[0]), fuzzy=True)
        is not None
    )

"""The model's inputs: names, units, the minimal required set, and how a report becomes a feature row.

The feature list is the schema the shipped artifact is checked against at load time, so changing it
means retraining. Lab features are in the catalog's canonical units; `sex` is encoded 1 = female.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.labs.values import SUBJECT_RANGES, apply_field

if TYPE_CHECKING:  # pandas is imported only by the batch functions below, when they run
    import pandas as pd

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    unit: str
    label_en: str
    label_ru: str
    unit_ru: str


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("sex", "1 = female, 0 = male", "Sex", "Пол", ""),
    FeatureSpec("age", "years", "Age", "Возраст", "лет"),
    FeatureSpec("hemoglobin", "g/L", "Hemoglobin", "Гемоглобин", "г/л"),
    FeatureSpec("hematocrit", "%", "Hematocrit", "Гематокрит", "%"),
    FeatureSpec("rbc", "10^12/L", "Red blood cells", "Эритроциты", "×10¹²/л"),
    FeatureSpec("mcv", "fL", "MCV", "MCV", "фл"),
    FeatureSpec("mch", "pg", "MCH", "MCH", "пг"),
    FeatureSpec("mchc", "g/L", "MCHC", "MCHC", "г/л"),
    FeatureSpec("rdw_cv", "%", "RDW-CV", "RDW-CV", "%"),
    FeatureSpec("platelets", "10^9/L", "Platelets", "Тромбоциты", "×10⁹/л"),
    FeatureSpec("wbc", "10^9/L", "White blood cells", "Лейкоциты", "×10⁹/л"),
    FeatureSpec("bmi", "kg/m2", "BMI", "ИМТ", "кг/м²"),
    FeatureSpec("crp", "mg/L", "CRP", "СРБ", "мг/л"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: position for position, name in enumerate(FEATURE_NAMES)}
BY_NAME: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURES}

CBC_CODES: tuple[str, ...] = (
    "hemoglobin",
    "hematocrit",
    "rbc",
    "mcv",
    "mch",
    "mchc",
    "rdw_cv",
    "platelets",
    "wbc",
)
# Without these an estimate is refused (NeedsInput). Held-out AUROC with only these inputs is reported
# in the model card; every other input is optional and lowers the confidence when absent.
REQUIRED_FIELDS: tuple[str, ...] = ("sex", "age", "hemoglobin", "mcv")
# CBC values whose absence lowers the confidence; BMI and CRP add little and do not.
CONFIDENCE_CBC_CODES: tuple[str, ...] = tuple(code for code in CBC_CODES if code not in REQUIRED_FIELDS)
LAB_FEATURES: tuple[str, ...] = (*CBC_CODES, "crp")


def bmi_from(bmi: float | None, height_cm: float | None, weight_kg: float | None) -> float | None:
    """BMI as given, or computed from height and weight; None when neither gives a plausible value."""
    if bmi is None and height_cm is not None and weight_kg is not None and height_cm > 0:
        bmi = weight_kg / (height_cm / 100.0) ** 2
    if bmi is None:
        return None
    low, high = SUBJECT_RANGES["bmi"]
    return bmi if low <= bmi <= high else None


def feature_row(report: LabReport) -> FloatArray:
    """One row in FEATURE_NAMES order, NaN where an input is missing."""
    row = np.full(len(FEATURE_NAMES), np.nan)
    if report.sex is not None:
        row[FEATURE_INDEX["sex"]] = 1.0 if report.sex == "female" else 0.0
    if report.age is not None:
        row[FEATURE_INDEX["age"]] = report.age
    values = {lab_value.analyte: lab_value.normalized_value for lab_value in report.values}
    for code in LAB_FEATURES:
        if code in values:
            row[FEATURE_INDEX[code]] = values[code]
    bmi = bmi_from(report.bmi, report.height_cm, report.weight_kg)
    if bmi is not None:
        row[FEATURE_INDEX["bmi"]] = bmi
    return row


@dataclass(frozen=True)
class FrameFeatures:
    """A batch's feature matrix plus, per row, the inputs that were missing or unusable."""

    matrix: FloatArray
    problems: list[str]


def _numeric_column(frame: pd.DataFrame, column: str) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The column as floats (decimal commas accepted) and where a non-blank cell was not a number."""
    import pandas as pd

    if column not in frame.columns:
        blank = np.full(len(frame), np.nan)
        return blank, np.zeros(len(frame), dtype=bool)
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw):
        return np.array(raw, dtype=np.float64), np.zeros(len(frame), dtype=bool)
    text = raw.astype("string").str.strip().str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    present = (text.fillna("") != "").to_numpy(dtype=bool, na_value=False)
    return numbers, present & np.isnan(numbers)


def _plausible_range(name: str) -> tuple[float, float]:
    if name in BY_CODE:
        return BY_CODE[name].plausible
    return SUBJECT_RANGES[name]


def frame_features(frame: pd.DataFrame) -> FrameFeatures:
    """Features for a batch table with columns `sex`, `age` and canonical analyte codes in canonical units.

    Blank cells are missing inputs. A cell that is not a number, or lies outside the catalog's plausible
    range, is treated as missing and named in the row's problems; so is a missing required field.
    """
    rows = len(frame)
    matrix = np.full((rows, len(FEATURE_NAMES)), np.nan)
    notes: list[list[str]] = [[] for _ in range(rows)]
    unusable: dict[str, npt.NDArray[np.bool_]] = {"sex": np.zeros(rows, dtype=bool)}

    def note(mask: npt.NDArray[np.bool_], text: str) -> None:
        for position in np.flatnonzero(mask):
            notes[position].append(text)

    if "sex" in frame.columns:
        sex = frame["sex"].astype("string").str.strip().str.lower()
        matrix[:, FEATURE_INDEX["sex"]] = np.select(
            [
                (sex == "female").to_numpy(dtype=bool, na_value=False),
                (sex == "male").to_numpy(dtype=bool, na_value=False),
            ],
            [1.0, 0.0],
            default=np.nan,
        )
        given = (sex.fillna("") != "").to_numpy(dtype=bool, na_value=False)
        unusable["sex"] = given & np.isnan(matrix[:, FEATURE_INDEX["sex"]])
        note(unusable["sex"], "invalid:sex")

    columns: dict[str, FloatArray] = {}
    for name in ("age", *LAB_FEATURES, "bmi", "height_cm", "weight_kg"):
        numbers, not_numbers = _numeric_column(frame, name)
        note(not_numbers, f"not_a_number:{name}")
        low, high = _plausible_range(name)
        implausible = ~np.isnan(numbers) & ((numbers < low) | (numbers > high))
        note(implausible, f"implausible_value:{name}")
        numbers[implausible] = np.nan
        unusable[name] = not_numbers | implausible
        columns[name] = numbers
        if name in FEATURE_INDEX:
            matrix[:, FEATURE_INDEX[name]] = numbers

    with np.errstate(invalid="ignore", divide="ignore"):
        computed = columns["weight_kg"] / (columns["height_cm"] / 100.0) ** 2
    low, high = SUBJECT_RANGES["bmi"]
    computed[~((computed >= low) & (computed <= high))] = np.nan
    bmi_column = FEATURE_INDEX["bmi"]
    matrix[:, bmi_column] = np.where(np.isnan(matrix[:, bmi_column]), computed, matrix[:, bmi_column])

    for name in REQUIRED_FIELDS:
        note(np.isnan(matrix[:, FEATURE_INDEX[name]]) & ~unusable[name], f"missing:{name}")
    return FrameFeatures(matrix=matrix, problems=["; ".join(items) for items in notes])


def report_from_features(row: FloatArray) -> LabReport:
    """A LabReport holding a feature row's values, for scoring a batch row with the rules fallback."""
    report = LabReport()
    for name, value in zip(FEATURE_NAMES, row, strict=True):
        if math.isnan(value):
            continue
        if name == "sex":
            apply_field(report, "sex", "female" if value == 1.0 else "male")
        elif name in BY_CODE:
            apply_field(report, name, float(value), BY_CODE[name].canonical_unit)
        else:
            apply_field(report, name, float(value))
    return report

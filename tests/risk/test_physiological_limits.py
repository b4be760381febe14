"""No real value is refused: the most extreme NHANES participants of every CBC column are scored.

The catalog's limits are what a living person can show; values beyond the model's training range are
scored with lower confidence and named in `outside_training_range`, and only impossible values (a tenfold
unit mix-up, a negative count) are refused.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.risk.conftest import make_report
from tests.training.conftest import NHANES_DIR
from verae.labs.catalog import BY_CODE
from verae.labs.units import convert
from verae.labs.values import apply_field
from verae.risk.features import CBC_CODES
from verae.risk.model import RiskModel
from verae.risk.schemas import NeedsInput
from verae.risk.service import assess_with
from verae.training import nhanes

# NHANES CBC columns (as documented in data/nhanes/SOURCES.md) and their factor into canonical units
NHANES_CBC = {
    "hemoglobin": ("LBXHGB", 10.0),
    "hematocrit": ("LBXHCT", 1.0),
    "rbc": ("LBXRBCSI", 1.0),
    "mcv": ("LBXMCVSI", 1.0),
    "mch": ("LBXMCHSI", 1.0),
    "mchc": ("LBXMC", 10.0),
    "rdw_cv": ("LBXRDW", 1.0),
    "platelets": ("LBXPLTSI", 1.0),
    "wbc": ("LBXWBCSI", 1.0),
}


def _extreme_rows() -> list[tuple[str, dict[str, float]]]:
    """For each CBC column, the participants with its smallest and its largest value (complete counts)."""
    demo = nhanes.read_xpt(NHANES_DIR, "P_DEMO.XPT")
    cbc = nhanes.read_xpt(NHANES_DIR, "P_CBC.XPT")
    joined = cbc.join(demo[["RIAGENDR", "RIDAGEYR"]], how="inner")
    rows = pd.DataFrame({code: joined[column] * factor for code, (column, factor) in NHANES_CBC.items()})
    rows["sex"] = joined["RIAGENDR"].map({1.0: "male", 2.0: "female"})
    rows["age"] = joined["RIDAGEYR"]
    rows = rows.dropna()
    records = rows.to_dict("index")
    chosen: list[tuple[str, dict[str, float]]] = []
    for code in CBC_CODES:
        for label, index in (("min", rows[code].idxmin()), ("max", rows[code].idxmax())):
            chosen.append((f"{code}-{label}", {str(key): value for key, value in records[index].items()}))
    return chosen


EXTREMES = _extreme_rows()


@pytest.mark.parametrize(("name", "row"), EXTREMES, ids=[name for name, _ in EXTREMES])
def test_the_most_extreme_real_participants_are_scored(
    shipped: RiskModel, name: str, row: dict[str, float]
) -> None:
    values = {code: float(row[code]) for code in CBC_CODES}
    report = make_report(str(row["sex"]), float(row["age"]), **values)
    assert not report.invalid_fields, report.invalid_fields
    result = assess_with(report, shipped)
    assert 0 <= result.risk_percent <= 100
    code = name.split("-")[0]
    low, high = shipped.metadata.feature_ranges[code]
    if not low <= values[code] <= high:
        # beyond the training data: used, named, and never with high confidence
        assert code in {note.feature for note in result.outside_training_range}
        assert result.confidence != "high"
        note = next(note for note in result.outside_training_range if note.feature == code)
        assert "outside the range the model was trained on" in note.text.en
        assert "вне диапазона" in note.text.ru


def test_the_most_iron_deficient_picture_is_scored_high(shipped: RiskModel) -> None:
    # the participant: MCV 35.4 fL, hemoglobin 67 g/L, and an RDW-CV of 36.5 % seen elsewhere
    report = make_report(
        "female", 30, hemoglobin=67.0, mcv=35.4, mch=10.2, mchc=252.0, rdw_cv=36.5, rbc=7.17, hematocrit=29.0
    )
    result = assess_with(report, shipped)
    assert result.risk_tier == "HIGH"
    assert {"hemoglobin", "mcv", "mch", "rdw_cv"} <= {note.feature for note in result.outside_training_range}
    assert result.confidence == "low"


@pytest.mark.parametrize(
    ("analyte", "value", "unit"),
    [
        ("hemoglobin", 12.0, "g/L"),  # g/dL typed as g/L: fatal long before this
        ("hemoglobin", 1300.0, "g/L"),
        ("mcv", 8.5, "fL"),
        ("mcv", 900.0, "fL"),
        ("wbc", 6200.0, "10^9/L"),  # a count per µL typed as 10^9/L
        ("mchc", 33.0, "g/L"),  # g/dL typed as g/L
        ("transferrin_saturation", 120.0, "%"),
    ],
)
def test_impossible_values_are_refused(analyte: str, value: float, unit: str) -> None:
    report = make_report("female", 30, hemoglobin=120.0, mcv=85.0)
    apply_field(report, analyte, value, unit)
    assert [item.code for item in report.invalid_fields] == ["implausible_value"]
    with pytest.raises(NeedsInput):
        assess_with(report, None)


@pytest.mark.parametrize(
    ("analyte", "value", "expected"),
    [("hemoglobin", 12.0, 120.0), ("hemoglobin", 118.0, 118.0), ("mchc", 33.0, 330.0), ("mcv", 35.4, 35.4)],
)
def test_an_unlabelled_number_still_finds_its_one_unit(analyte: str, value: float, expected: float) -> None:
    # unit inference uses the narrower range of ordinary results, so wider limits leave it unambiguous
    assert convert(BY_CODE[analyte], value, None).value == pytest.approx(expected)

"""Turning reports and batch tables into feature rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.risk.conftest import HEALTHY_PICTURE, make_report
from verae.labs.values import apply_field
from verae.risk.features import FEATURE_INDEX, FEATURE_NAMES, REQUIRED_FIELDS, feature_row, frame_features


def test_a_report_becomes_a_row_with_nan_for_what_is_missing() -> None:
    row = feature_row(make_report("female", 34, hemoglobin=121.0, mcv=81.5, crp=2.0))
    assert row[FEATURE_INDEX["sex"]] == 1.0
    assert row[FEATURE_INDEX["age"]] == 34.0
    assert row[FEATURE_INDEX["hemoglobin"]] == 121.0
    assert row[FEATURE_INDEX["crp"]] == 2.0
    assert math.isnan(row[FEATURE_INDEX["rdw_cv"]])
    assert math.isnan(row[FEATURE_INDEX["bmi"]])
    assert feature_row(make_report("male", 34))[FEATURE_INDEX["sex"]] == 0.0


def test_a_report_in_other_units_gives_the_same_row() -> None:
    canonical = make_report("female", 34, hemoglobin=121.0, mchc=330.0, mcv=81.5)
    other = make_report("female", 34)
    apply_field(other, "Hb", "12,1", "g/dL")
    apply_field(other, "MCHC", "33", "g/dl")
    apply_field(other, "MCV", "81.5", "fL")
    np.testing.assert_allclose(feature_row(canonical), feature_row(other), equal_nan=True)


def test_bmi_is_computed_from_height_and_weight_when_not_given() -> None:
    row = feature_row(make_report("female", 34, height_cm=160.0, weight_kg=64.0))
    assert row[FEATURE_INDEX["bmi"]] == pytest.approx(25.0)
    given = feature_row(make_report("female", 34, bmi=22.0, height_cm=160.0, weight_kg=64.0))
    assert given[FEATURE_INDEX["bmi"]] == 22.0


def test_a_batch_table_reads_blanks_commas_and_reports_problems() -> None:
    frame = pd.DataFrame(
        {
            "sex": ["female", "MALE", "", "other"],
            "age": ["34", "51", "40", "40"],
            "hemoglobin": ["121", "152", "130", "130"],
            "mcv": ["81,5", "90", "", "88"],
            "platelets": ["", "abc", "250", "9000"],
            "height_cm": ["160", "", "", ""],
            "weight_kg": ["64", "", "", ""],
        }
    )
    features = frame_features(frame)
    assert features.matrix.shape == (4, len(FEATURE_NAMES))
    assert features.matrix[0, FEATURE_INDEX["mcv"]] == 81.5
    assert features.matrix[0, FEATURE_INDEX["bmi"]] == pytest.approx(25.0)
    assert features.matrix[1, FEATURE_INDEX["sex"]] == 0.0
    assert math.isnan(features.matrix[1, FEATURE_INDEX["platelets"]])
    assert features.problems == [
        "",
        "not_a_number:platelets",
        "missing:sex; missing:mcv",
        "invalid:sex; implausible_value:platelets",
    ]


def test_the_minimal_required_set_is_small_and_in_the_feature_list() -> None:
    assert REQUIRED_FIELDS == ("sex", "age", "hemoglobin", "mcv")
    assert set(REQUIRED_FIELDS) <= set(FEATURE_NAMES)
    assert set(HEALTHY_PICTURE) <= set(FEATURE_NAMES)

"""The shipped artifact: integrity and schema checks at load, SHAP contributions, NaN handling, confidence."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.risk.conftest import HEALTHY_PICTURE, IRON_DEFICIENT_PICTURE, make_report
from verae.labs.catalog import BY_CODE
from verae.risk import ARTIFACT_DIR
from verae.risk.features import FEATURE_INDEX, FEATURE_NAMES, FEATURES, feature_row
from verae.risk.model import (
    METADATA_FILE,
    RISK_ADDITIVE_FILE,
    RISK_FILE,
    ModelArtifactError,
    RiskModel,
    load_model,
    sha256_of,
)


@pytest.fixture
def artifact_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "artifact"
    shutil.copytree(ARTIFACT_DIR, copy)
    return copy


def _edit_metadata(directory: Path, edit: dict[str, object]) -> None:
    path = directory / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata.update(edit)
    path.write_text(json.dumps(metadata), encoding="utf-8")


def test_the_shipped_artifact_is_small_and_records_its_provenance(shipped: RiskModel) -> None:
    size = sum(path.stat().st_size for path in ARTIFACT_DIR.iterdir())
    assert size < 3_000_000
    metadata = shipped.metadata
    assert len(metadata.training_data_sha256) == 64
    assert {"P_DEMO.XPT", "P_CBC.XPT", "P_FERTIN.XPT", "P_HSCRP.XPT"} <= set(metadata.training_files)
    assert metadata.model_version.startswith("catboost-v3+")
    assert 0 < metadata.tier_cutoffs_percent.GRAY < metadata.tier_cutoffs_percent.WARNING
    assert metadata.tier_cutoffs_percent.WARNING < metadata.tier_cutoffs_percent.HIGH < 100


def test_feature_units_are_the_catalog_canonical_units() -> None:
    for spec in FEATURES:
        if spec.name in BY_CODE:
            assert spec.unit == BY_CODE[spec.name].canonical_unit, spec.name


def test_a_feature_schema_mismatch_is_refused_with_a_clear_reason(artifact_copy: Path) -> None:
    metadata = json.loads((artifact_copy / METADATA_FILE).read_text(encoding="utf-8"))
    features = metadata["features"]
    features[FEATURE_INDEX["hemoglobin"]]["unit"] = "g/dL"
    _edit_metadata(artifact_copy, {"features": features})
    with pytest.raises(ModelArtifactError, match=r"feature schema does not match.*hemoglobin \[g/dL\]"):
        load_model(artifact_copy)


def test_an_artifact_whose_heads_are_stacked_differently_is_refused(artifact_copy: Path) -> None:
    metadata = json.loads((artifact_copy / METADATA_FILE).read_text(encoding="utf-8"))
    recalibration = metadata["recalibration"]
    recalibration["ferritin_below_15"]["weights"] = {"ferritin15.cbm": 1.0}
    _edit_metadata(artifact_copy, {"recalibration": recalibration})
    with pytest.raises(ModelArtifactError, match="stacks its heads"):
        load_model(artifact_copy)


def test_a_model_file_that_differs_from_its_recorded_hash_is_refused(artifact_copy: Path) -> None:
    model_path = artifact_copy / RISK_FILE
    model_path.write_bytes(model_path.read_bytes() + b"\0")
    with pytest.raises(ModelArtifactError, match="sha256"):
        load_model(artifact_copy)


def test_a_partial_artifact_is_refused_not_half_served(artifact_copy: Path) -> None:
    (artifact_copy / RISK_FILE).unlink()
    with pytest.raises(ModelArtifactError, match=RISK_FILE):
        load_model(artifact_copy)


def _replace_file(directory: Path, name: str, content: str) -> None:
    """Rewrite a model file and record its new hash, so only the content check can refuse it."""
    (directory / name).write_text(content, encoding="utf-8")
    metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    _edit_metadata(directory, {"files": {**metadata["files"], name: sha256_of(directory / name)}})


def test_an_unreadable_additive_model_is_refused(artifact_copy: Path) -> None:
    _replace_file(artifact_copy, RISK_ADDITIVE_FILE, '{"features": ["sex"]}')
    with pytest.raises(ModelArtifactError, match=f"{RISK_ADDITIVE_FILE} is not a readable additive model"):
        load_model(artifact_copy)


def test_an_additive_model_for_other_features_is_refused(artifact_copy: Path) -> None:
    additive = json.loads((artifact_copy / RISK_ADDITIVE_FILE).read_text(encoding="utf-8"))
    additive["features"][FEATURE_INDEX["mcv"]] = "mcv_fl"
    _replace_file(artifact_copy, RISK_ADDITIVE_FILE, json.dumps(additive))
    with pytest.raises(ModelArtifactError, match=f"{RISK_ADDITIVE_FILE} was trained on features"):
        load_model(artifact_copy)


def test_an_empty_directory_means_no_model(tmp_path: Path) -> None:
    assert load_model(tmp_path) is None


def test_shap_contributions_sum_to_the_calibrated_log_odds(shipped: RiskModel) -> None:
    for picture, sex, age in ((IRON_DEFICIENT_PICTURE, "female", 29), (HEALTHY_PICTURE, "male", 51)):
        row = feature_row(make_report(sex, age, **picture))
        prediction = shipped.predict_one(row)
        log_odds = prediction.base_log_odds + float(prediction.contributions.sum())
        assert prediction.probability == pytest.approx(1 / (1 + math.exp(-log_odds)), rel=1e-9)
        assert prediction.contributions.shape == (len(FEATURE_NAMES),)
        # the batch path computes the same probability from the models' raw outputs, without SHAP: every
        # stacked model (CatBoost and additive) must be in the contributions for the two to agree
        batch = shipped.predict_batch(row.reshape(1, -1))
        assert prediction.probability == pytest.approx(float(batch.probability[0]), rel=1e-9)


def test_shap_signs_follow_the_blood_picture(shipped: RiskModel) -> None:
    deficient = shipped.predict_one(feature_row(make_report("female", 29, **IRON_DEFICIENT_PICTURE)))
    healthy = shipped.predict_one(feature_row(make_report("male", 51, **HEALTHY_PICTURE)))
    for feature in ("hemoglobin", "mcv", "rdw_cv"):
        assert deficient.contributions[FEATURE_INDEX[feature]] > 0, feature
        assert healthy.contributions[FEATURE_INDEX[feature]] < 0, feature
    assert deficient.contributions[FEATURE_INDEX["sex"]] > 0
    assert healthy.contributions[FEATURE_INDEX["sex"]] < 0
    assert deficient.probability > 0.8
    assert healthy.probability < 0.05


def test_missing_inputs_still_give_a_probability_with_lower_confidence(shipped: RiskModel) -> None:
    full = feature_row(make_report("female", 35, **IRON_DEFICIENT_PICTURE))
    required_only = feature_row(make_report("female", 35, hemoglobin=98.0, mcv=72.0))
    assert np.isnan(required_only).sum() == len(FEATURE_NAMES) - 4
    complete, partial = shipped.predict_one(full), shipped.predict_one(required_only)
    assert 0 < partial.probability < 1
    assert partial.iron_index > 0
    assert np.isfinite(partial.contributions).all()
    assert (complete.confidence, partial.confidence) == ("high", "low")
    # the two red-cell values that were given still point the same way
    assert partial.contributions[FEATURE_INDEX["mcv"]] > 0
    assert partial.probability > 0.5


def test_batch_and_single_scoring_agree(shipped: RiskModel) -> None:
    rows = np.vstack(
        [
            feature_row(make_report("female", 29, **IRON_DEFICIENT_PICTURE)),
            feature_row(make_report("male", 51, **HEALTHY_PICTURE)),
            feature_row(make_report("female", 70, hemoglobin=118.0, mcv=84.0, rdw_cv=15.0)),
        ]
    )
    batch = shipped.predict_batch(rows)
    for position, row in enumerate(rows):
        single = shipped.predict_one(row)
        assert single.probability == pytest.approx(batch.probability[position], rel=1e-9)
        assert single.depleted_probability == pytest.approx(batch.depleted_probability[position], rel=1e-9)
        assert single.iron_index == pytest.approx(batch.iron_index[position], rel=1e-9)
        assert (single.tier, single.confidence) == (batch.tier[position], batch.confidence[position])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "high"),
        ({"platelets": None}, "medium"),
        ({"platelets": None, "wbc": None}, "medium"),
        ({"platelets": None, "wbc": None, "mchc": None}, "low"),
        ({"crp": 40.0}, "medium"),
        ({"age": 8.0}, "medium"),
        ({"age": 8.0, "crp": 40.0}, "low"),
        ({"bmi": None, "crp": None}, "high"),
    ],
)
def test_confidence_rules(shipped: RiskModel, changes: dict[str, float | None], expected: str) -> None:
    row = feature_row(make_report("male", 51, **HEALTHY_PICTURE, crp=1.0, bmi=25.0))
    for name, value in changes.items():
        row[FEATURE_INDEX[name]] = np.nan if value is None else value
    assert shipped.confidence(row.reshape(1, -1))[0] == expected

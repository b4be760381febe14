"""The risk use case as the worker, the API and `verae predict` call it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tests.risk.conftest import HEALTHY_PICTURE, IRON_DEFICIENT_PICTURE, make_report
from verae.cli.predict import predict as predict_command
from verae.labs.values import apply_field
from verae.risk import rules
from verae.risk.features import FEATURE_NAMES
from verae.risk.model import RiskModel
from verae.risk.schemas import NeedsInput
from verae.risk.service import assess, assess_frame, assess_with, shipped_model
from verae.risk.texts import CLINICAL_ACTIONS, MEASURED_DEFICIENT_ACTION, WEAK_SIGNAL_AGE_NOTE


def test_assess_uses_the_shipped_model_loaded_once(shipped: RiskModel) -> None:
    assert shipped_model() is shipped_model()
    result = assess(make_report("female", 29, **IRON_DEFICIENT_PICTURE))
    assert result.model_version == shipped.version
    assert result.risk_tier == "HIGH"
    assert result.risk_percent > 80
    assert result.depletion_risk_percent is not None
    assert result.depletion_risk_percent < result.risk_percent
    assert result.iron_index is not None
    assert result.iron_index < 30
    assert result.confidence == "high"
    assert result.clinical_action == CLINICAL_ACTIONS["HIGH"]
    assert result.measured_iron_status is None


@pytest.mark.parametrize("age", [1, 3, 5.9])
def test_a_young_child_is_told_the_estimate_is_a_weak_signal_and_never_gets_high_confidence(
    shipped: RiskModel, age: float
) -> None:
    # the same complete count that gives a woman of 29 high confidence (above)
    child = assess_with(make_report("female", age, **IRON_DEFICIENT_PICTURE), shipped)
    assert child.confidence == "medium"
    assert child.age_caveat == WEAK_SIGNAL_AGE_NOTE


def test_the_weak_signal_note_lowers_confidence_only_and_only_for_young_children(shipped: RiskModel) -> None:
    adult = assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), shipped)
    assert (adult.confidence, adult.age_caveat) == ("high", None)
    # 6-11 is outside the ages the model was trained on: that note, not this one
    school_age = assess_with(make_report("female", 8, **IRON_DEFICIENT_PICTURE), shipped)
    assert school_age.age_caveat is None
    assert [note.feature for note in school_age.outside_training_range] == ["age"]
    sparse = assess_with(make_report("male", 2, hemoglobin=98, mcv=72), shipped)
    assert (sparse.confidence, sparse.age_caveat) == ("low", WEAK_SIGNAL_AGE_NOTE)
    fallback = assess_with(make_report("male", 2, **IRON_DEFICIENT_PICTURE), None)
    assert fallback.age_caveat == WEAK_SIGNAL_AGE_NOTE
    batch = assess_frame(
        pd.DataFrame([{"sex": "female", "age": age, **IRON_DEFICIENT_PICTURE} for age in (3, 29)]), shipped
    )
    assert list(batch["confidence"]) == ["medium", "high"]


def test_explanations_are_the_largest_contributions_in_plain_words(shipped: RiskModel) -> None:
    result = assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), shipped)
    assert 1 <= len(result.explanations) <= 4
    sizes = [abs(item.contribution) for item in result.explanations]
    assert sizes == sorted(sizes, reverse=True)
    by_feature = {item.feature: item for item in result.explanations}
    assert set(by_feature) <= set(FEATURE_NAMES)
    hemoglobin = by_feature["hemoglobin"]
    assert (hemoglobin.value, hemoglobin.unit, hemoglobin.direction) == (98.0, "g/L", "raises")
    assert hemoglobin.contribution > 0
    assert (
        hemoglobin.text.en
        == "Hemoglobin 98 g/L is below the usual range (120–160 g/L) and raises the estimate."
    )
    assert hemoglobin.text.ru == "Гемоглобин 98 г/л ниже обычного диапазона (120–160 г/л) и повышает оценку."


def test_a_healthy_count_is_low_risk_with_lowering_reasons(shipped: RiskModel) -> None:
    result = assess_with(make_report("male", 51, **HEALTHY_PICTURE), shipped)
    assert result.risk_tier == "LOW"
    assert all(item.direction == "lowers" for item in result.explanations)
    assert any(item.text.ru.startswith("Мужской пол") for item in result.explanations)


def test_missing_required_fields_ask_for_input(shipped: RiskModel) -> None:
    report = make_report("female", None, hemoglobin=120.0, rdw_cv=13.0)
    with pytest.raises(NeedsInput) as caught:
        assess_with(report, shipped)
    assert caught.value.missing_required_fields == ["age", "mcv"]


def test_invalid_values_ask_for_input_even_when_the_required_set_is_there(shipped: RiskModel) -> None:
    report = make_report("female", 40, hemoglobin=120.0, mcv=85.0)
    report_with_problem = report.model_copy(deep=True)
    apply_field(report_with_problem, "platelets", "lots", "10^9/L")
    with pytest.raises(NeedsInput) as caught:
        assess_with(report_with_problem, shipped)
    assert [field.field for field in caught.value.invalid_fields] == ["platelets"]


def test_without_an_artifact_the_rules_fallback_answers_with_low_confidence() -> None:
    result = assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), None)
    assert result.model_version == rules.MODEL_VERSION == "rules-v1"
    assert result.confidence == "low"
    assert result.iron_index is None
    assert result.depletion_risk_percent is None
    assert result.risk_tier == "HIGH"


def test_a_measured_ferritin_is_reported_as_measured_and_drives_the_action(shipped: RiskModel) -> None:
    report = make_report("male", 51, **HEALTHY_PICTURE, ferritin=9.0)
    result = assess_with(report, shipped)
    assert result.measured_iron_status is not None
    assert result.measured_iron_status.basis == "measured"
    assert result.measured_iron_status.status == "deficient"
    assert result.clinical_action == MEASURED_DEFICIENT_ACTION
    # ferritin is not a model input: the prediction is the same without it
    without = assess_with(make_report("male", 51, **HEALTHY_PICTURE), shipped)
    assert result.risk_percent == without.risk_percent


def test_bmi_from_height_and_weight_counts_like_a_given_bmi(shipped: RiskModel) -> None:
    given = assess_with(make_report("female", 35, **IRON_DEFICIENT_PICTURE, bmi=24.2), shipped)
    computed = assess_with(
        make_report("female", 35, **IRON_DEFICIENT_PICTURE, height_cm=165.0, weight_kg=24.2 * 1.65**2),
        shipped,
    )
    assert given.risk_percent == computed.risk_percent


def _predict_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(predict_command)
    return app


def test_predict_csv_scores_rows_and_explains_unscored_ones(tmp_path: Path, shipped: RiskModel) -> None:
    source = tmp_path / "in.csv"
    rows = [
        {"id": "a", "sex": "female", "age": "29", **{k: str(v) for k, v in IRON_DEFICIENT_PICTURE.items()}},
        {"id": "b", "sex": "male", "age": "51", **{k: str(v) for k, v in HEALTHY_PICTURE.items()}},
        {"id": "c", "sex": "female", "age": "35", "hemoglobin": "98", "mcv": "72,0"},
        {"id": "d", "sex": "female", "age": "35", "hemoglobin": "98"},
        {"id": "e", "sex": "x", "age": "35", "hemoglobin": "9.8", "mcv": "72"},
        {"id": "f", "sex": "female", "age": "30", "hemoglobin": "67", "mcv": "35.4", "rdw_cv": "36.5"},
    ]
    columns = ["id", "sex", "age", *IRON_DEFICIENT_PICTURE]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out.csv"
    outcome = CliRunner().invoke(_predict_app(), ["--csv", str(source), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    scored = pd.read_csv(out, dtype={"problems": str}, keep_default_na=False).set_index("id")
    assert list(scored.columns[-8:]) == [
        "risk_percent",
        "depletion_risk_percent",
        "risk_tier",
        "iron_index",
        "confidence",
        "outside_training_range",
        "model_version",
        "problems",
    ]
    single = assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), shipped)
    assert float(str(scored.loc["a", "risk_percent"])) == single.risk_percent
    assert float(str(scored.loc["a", "depletion_risk_percent"])) == single.depletion_risk_percent
    assert scored.loc["a", "risk_tier"] == single.risk_tier
    assert float(str(scored.loc["a", "iron_index"])) == single.iron_index
    assert scored.loc["b", "risk_tier"] == "LOW"
    assert scored.loc["c", "confidence"] == "low"
    assert scored.loc["c", "problems"] == ""
    assert scored.loc["d", "problems"] == "missing:mcv"
    assert scored.loc["d", "risk_percent"] == ""
    assert scored.loc["e", "problems"] == "invalid:sex; implausible_value:hemoglobin"
    # beyond the training data but possible: scored, with what lies outside named
    assert scored.loc["f", "problems"] == ""
    assert scored.loc["f", "outside_training_range"] == "hemoglobin mcv rdw_cv"
    assert scored.loc["f", "confidence"] == "low"
    assert scored.loc["d", "depletion_risk_percent"] == ""


def test_batch_without_an_artifact_uses_the_rules() -> None:
    frame = pd.DataFrame([{"sex": "female", "age": 29, **IRON_DEFICIENT_PICTURE}])
    scored = assess_frame(frame, None)
    assert scored.loc[0, "model_version"] == "rules-v1"
    assert scored.loc[0, "confidence"] == "low"
    assert np.isnan(scored["iron_index"].to_numpy()[0])
    assert (
        scored.loc[0, "risk_percent"]
        == assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), None).risk_percent
    )

"""Training pieces on real NHANES rows: reproducibility, the split, cut-offs and calibration metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from verae.risk.features import FEATURE_NAMES
from verae.risk.model import MODEL_FILES, RiskModel
from verae.training import evaluation, nhanes
from verae.training.training import TrainingConfig, split_test, train_models, write_artifact

TINY = TrainingConfig(max_iterations=40, folds=3, bootstrap=False)


def test_the_cohort_is_in_canonical_units(cohort: pd.DataFrame) -> None:
    assert list(cohort.columns[: len(FEATURE_NAMES)]) == list(FEATURE_NAMES)
    # NHANES prints hemoglobin and MCHC in g/dL; ours are g/L
    assert 100 < cohort["hemoglobin"].median() < 160
    assert 300 < cohort["mchc"].median() < 370
    assert set(cohort["sex"].unique()) == {0.0, 1.0}
    assert cohort[["ferritin", "hemoglobin", "mcv", "rdw_cv"]].notna().all().all()
    assert not ((cohort["age"] >= 6) & (cohort["age"] < 12)).any()


def test_labels_exclude_inflammation_and_pregnancy(cohort: pd.DataFrame) -> None:
    valid = nhanes.label_valid(cohort)
    assert not (valid & (cohort["crp"] > 5)).any()
    assert not (valid & cohort["pregnant"]).any()
    assert not (valid & cohort["crp"].isna()).any()
    assert 0.7 < valid.mean() < 0.85


def test_rows_without_crp_are_extra_training_rows_never_labelled_rows(cohort: pd.DataFrame) -> None:
    extra = nhanes.without_crp(cohort)
    assert extra.sum() > 100
    assert not (extra & nhanes.label_valid(cohort)).any()
    assert not (extra & cohort["pregnant"]).any()


def test_the_1999_adults_are_in_canonical_units_with_unmeasured_inputs_blank(tmp_path: Path) -> None:
    # The file itself cannot be committed (no licence, data/nhanes/SOURCES.md): rows in its format instead.
    (tmp_path / nhanes.NHANES_1999_FILE).write_text(
        "sex,age,hgb,rdw,wbc,ferr\nFemale,34,11.2,15.1,6.2,9\nMale,85,14.9,12.8,5.1,120\nMale,50,15.0,13.0,7.0,0\n"
    )
    rows = nhanes.load_nhanes_1999(tmp_path)
    assert list(rows.columns) == [*FEATURE_NAMES, "ferritin"]
    assert rows["hemoglobin"].tolist() == pytest.approx([112.0, 149.0])  # g/dL → g/L
    assert rows["age"].max() == nhanes.TOP_CODED_AGE
    assert rows["sex"].tolist() == [1.0, 0.0]
    assert rows[["mcv", "rbc", "crp"]].isna().all().all()
    assert rows[["hemoglobin", "rdw_cv", "wbc", "ferritin"]].notna().all().all()
    assert len(rows) == 2  # a ferritin of 0 (not measured) is no row


def test_without_the_1999_file_there_are_no_extra_adults(tmp_path: Path) -> None:
    assert nhanes.load_nhanes_1999(tmp_path).empty


def test_the_split_is_seeded_stratified_and_disjoint(cohort: pd.DataFrame) -> None:
    first, second = split_test(cohort, TrainingConfig()), split_test(cohort, TrainingConfig())
    assert first.equals(second)
    assert first.mean() == pytest.approx(0.2, abs=0.001)
    valid = nhanes.label_valid(cohort)
    deficient = cohort["ferritin"] < 30
    assert deficient[first & valid].mean() == pytest.approx(deficient[~first & valid].mean(), abs=0.01)
    assert not split_test(cohort, TrainingConfig(seed=1)).equals(first)


def _tiny_slice(cohort: pd.DataFrame) -> pd.DataFrame:
    return cohort.sample(n=900, random_state=0).sort_index()


def test_training_is_reproducible_to_the_byte(cohort: pd.DataFrame, nhanes_dir: Path, tmp_path: Path) -> None:
    rows = _tiny_slice(cohort)
    is_test = split_test(rows, TINY)
    hashes = {"P_FAKE.XPT": "0" * 64}
    directories = []
    for attempt in ("first", "second"):
        trained = train_models(rows, is_test, hashes, TINY, nhanes.load_nhanes_1999(nhanes_dir))
        directory = tmp_path / attempt
        write_artifact(trained, directory, metrics={})
        directories.append(directory)
    for name in MODEL_FILES:
        assert (directories[0] / name).read_bytes() == (directories[1] / name).read_bytes(), name
    model = RiskModel.load(directories[0])
    prediction = model.predict_batch(rows[list(FEATURE_NAMES)].to_numpy(dtype=np.float64))
    assert ((prediction.probability > 0) & (prediction.probability < 1)).all()
    assert model.metadata.training_data_sha256 == nhanes.combined_sha256(hashes)


def test_tier_cutoffs_do_what_they_say() -> None:
    generator = np.random.default_rng(0)
    probabilities = generator.beta(1.0, 4.0, size=5000)
    labels = (generator.uniform(size=5000) < probabilities).astype(int)
    cutoffs = evaluation.choose_tier_cutoffs(labels, probabilities, gray_sensitivity=0.9, high_ppv=0.6)
    assert cutoffs["GRAY"] <= cutoffs["WARNING"] <= cutoffs["HIGH"]
    gray = evaluation.operating_point(labels, probabilities, cutoffs["GRAY"])
    high = evaluation.operating_point(labels, probabilities, cutoffs["HIGH"])
    assert gray["sensitivity"] is not None
    assert gray["sensitivity"] >= 0.9
    assert high["ppv"] is not None
    assert high["ppv"] >= 0.6


def test_ece_separates_calibrated_from_overconfident_predictions() -> None:
    generator = np.random.default_rng(1)
    probabilities = generator.uniform(size=20000)
    labels = (generator.uniform(size=20000) < probabilities).astype(int)
    assert evaluation.expected_calibration_error(labels, probabilities) < 0.02
    overconfident = np.clip(probabilities * 1.6 - 0.3, 0, 1)
    assert evaluation.expected_calibration_error(labels, overconfident) > 0.08
    assert evaluation.chance_ece(probabilities) < 0.02


def test_the_rank_auroc_equals_sklearns_with_ties_and_resampled_rows() -> None:
    generator = np.random.default_rng(1)
    labels = (generator.uniform(size=400) < 0.3).astype(int)
    # rounded scores tie often, as a resample's repeated rows and the rules' whole-number scores do
    scores = np.round(labels * 0.4 + generator.uniform(size=400), 1)
    pick = generator.integers(0, 400, 400)
    for chosen in (np.arange(400), pick):
        expected = roc_auc_score(labels[chosen], scores[chosen])
        assert evaluation.rank_auroc(labels[chosen], scores[chosen]) == pytest.approx(expected, abs=1e-12)


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(nhanes.NhanesDataError, match=r"P_DEMO\.XPT"):
        nhanes.load_cohort(tmp_path)

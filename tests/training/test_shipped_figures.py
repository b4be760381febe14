"""The shipped artifact against the NHANES rows it was trained and tested on (moved from tests/risk/test_model.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from verae.risk.features import FEATURE_NAMES
from verae.risk.model import RiskModel
from verae.training import nhanes
from verae.training.training import TrainingConfig, split_test


def test_the_artifact_reproduces_its_recorded_test_figures(shipped: RiskModel, cohort: pd.DataFrame) -> None:
    """The metadata's held-out AUROC is what this artifact actually scores on the documented split."""
    config = TrainingConfig(**shipped.metadata.training["config"])
    test_rows = cohort[split_test(cohort, config) & nhanes.label_valid(cohort)]
    matrix = test_rows[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
    prediction = shipped.predict_batch(matrix)
    for head, probabilities, threshold in (
        ("ferritin_below_30", prediction.probability, 30.0),
        ("ferritin_below_15", prediction.depleted_probability, 15.0),
    ):
        labels = (test_rows["ferritin"] < threshold).to_numpy()
        recorded = shipped.metadata.metrics[head]["test_auroc"]
        assert roc_auc_score(labels, probabilities) == pytest.approx(recorded, abs=1e-12)

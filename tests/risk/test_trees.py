"""The numpy evaluator of CatBoost's oblivious trees gives CatBoost's own raw outputs and SHAP values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from catboost import CatBoost, Pool

from verae.risk import ARTIFACT_DIR
from verae.risk.features import FEATURE_NAMES, FloatArray
from verae.risk.model import TREE_FILES
from verae.risk.trees import ObliviousTrees, TreeModelError, tree_document
from verae.training.training import write_tree_document

SHIPPED = ("ferritin30.cbm", "ferritin15.cbm", "iron_index.cbm")


def _catboost(name: str) -> CatBoost:
    model = CatBoost()
    model.load_model(str(ARTIFACT_DIR / name))
    return model


def _exported(model: CatBoost, tmp_path: Path) -> ObliviousTrees:
    path = tmp_path / "model.json"
    model.save_model(str(path), format="json")
    return ObliviousTrees(tree_document(json.loads(path.read_text())), len(FEATURE_NAMES))


def _rows(model: CatBoost, count: int, seed: int) -> FloatArray:
    """Rows spread over every border of every feature (so every branch of every tree is taken), with
    about one value in six missing."""
    rng = np.random.default_rng(seed)
    borders = model.get_borders()
    matrix = np.empty((count, len(FEATURE_NAMES)))
    for index in range(len(FEATURE_NAMES)):
        cuts = np.asarray(borders.get(index) or [0.0])
        matrix[:, index] = rng.uniform(cuts.min() - 1.0, cuts.max() + 1.0, count)
    matrix[rng.random(matrix.shape) < 1 / 6] = np.nan
    return matrix


@pytest.mark.parametrize("name", SHIPPED)
def test_raw_outputs_equal_catboosts(name: str, tmp_path: Path) -> None:
    model = _catboost(name)
    rows = _rows(model, 5000, seed=1)
    expected = model.predict(rows, prediction_type="RawFormulaVal")
    trees = _exported(model, tmp_path)
    np.testing.assert_allclose(trees.raw(rows), expected, rtol=0, atol=1e-12)
    # A few rows take the other path (all trees at once).
    np.testing.assert_allclose(trees.raw(rows[:7]), expected[:7], rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", SHIPPED)
def test_shap_values_equal_catboosts_and_sum_to_the_raw_output(name: str, tmp_path: Path) -> None:
    model = _catboost(name)
    rows = _rows(model, 60, seed=2)
    trees = _exported(model, tmp_path)
    expected = model.get_feature_importance(Pool(rows, feature_names=list(FEATURE_NAMES)), type="ShapValues")
    actual = trees.shap_values(rows)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(actual.sum(axis=1), trees.raw(rows), rtol=0, atol=1e-10)


def test_a_model_with_other_split_kinds_is_refused() -> None:
    document = {
        "features_info": {"float_features": []},
        "oblivious_trees": [
            {"splits": [{"split_type": "OneHotFeature"}], "leaf_values": [0, 1], "leaf_weights": [1, 1]}
        ],
        "scale_and_bias": [1, [0]],
    }
    with pytest.raises(TreeModelError, match="float features"):
        ObliviousTrees(document, 1)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_shipped_trees_are_the_shipped_catboost_models(name: str, tmp_path: Path) -> None:
    written = tmp_path / "trees.json"
    write_tree_document(_catboost(name), written)
    assert written.read_bytes() == (ARTIFACT_DIR / TREE_FILES[name]).read_bytes()

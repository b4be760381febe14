"""CatBoost's oblivious trees, evaluated with numpy: raw predictions and exact SHAP values.

Training fits the models with CatBoost and exports each one as JSON (`CatBoost.save_model(format="json")`,
reduced by `tree_document`). Serving reads that export, so no API, worker or command-line process imports
catboost (with pandas and scipy, a second and a half of start-up). Both outputs equal CatBoost's own to
floating-point rounding, checked against it on every row of the training data (tests/risk/test_trees.py).

An oblivious tree of depth d asks the same d questions `x[feature] > border` on every path; the answers
are the bits of the leaf's index (split j is bit j). SHAP values are CatBoost's path-dependent TreeSHAP:
the value of a set S of features is the expected leaf value when the features in S follow x and the
others split by the training weight (cover) of each branch, traversing from the last split (the root) to
the first. Shapley values over a tree's distinct features are computed exactly from the 2^d values of
all subsets: d ≤ 6 keeps that small, and features the tree does not use are null players, so every tree
of one depth shares one table of Shapley coefficients.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
MAX_DEPTH = 6
# Up to this many rows, all trees are scored at once (a rows × trees × levels array of answers).
FEW_ROWS = 64
# Trees whose SHAP values are computed together: bounds the (masks × trees × leaves × levels) array.
SHAP_CHUNK = 64


class TreeModelError(ValueError):
    """The exported model is not one this evaluator reads (not oblivious, not float features, too deep)."""


def tree_document(catboost_json: dict[str, Any]) -> dict[str, Any]:
    """The parts of CatBoost's JSON export that scoring needs (no training metadata, which varies)."""
    return {
        "features_info": {
            "float_features": [
                {key: feature[key] for key in ("feature_index", "feature_id", "nan_value_treatment")}
                for feature in catboost_json["features_info"]["float_features"]
            ]
        },
        "oblivious_trees": catboost_json["oblivious_trees"],
        "scale_and_bias": catboost_json["scale_and_bias"],
    }


@dataclass(frozen=True)
class _DepthGroup:
    """All trees of one depth d, as arrays over (tree, leaf, level)."""

    features: IntArray  # (trees, d): the feature each level asks about
    borders: npt.NDArray[np.float32]  # (trees, d)
    nan_is_true: BoolArray  # (trees, d): a missing value answers yes ("AsTrue"); otherwise no
    leaf_values: FloatArray  # (trees, 2^d)
    cover_ratios: FloatArray  # (trees, 2^d, d): a leaf's share of its parent's cover at each level
    players: IntArray  # (trees, d): the tree's distinct features, then -1 for null players
    subset_levels: IntArray  # (trees, 2^d): for each subset of players, the mask of levels they ask


class ObliviousTrees:
    def __init__(self, document: dict[str, Any], feature_count: int) -> None:
        self.feature_count = feature_count
        scale, bias = document["scale_and_bias"]
        if len(bias) != 1:
            raise TreeModelError("only single-output models are supported")
        self.scale, self.bias = float(scale), float(bias[0])
        nan_true = {
            feature["feature_index"]: feature["nan_value_treatment"] == "AsTrue"
            for feature in document["features_info"]["float_features"]
        }
        by_depth: dict[int, list[dict[str, Any]]] = {}
        for tree in document["oblivious_trees"]:
            if any(split.get("split_type") != "FloatFeature" for split in tree["splits"]):
                raise TreeModelError("only splits on float features are supported")
            by_depth.setdefault(len(tree["splits"]), []).append(tree)
        if max(by_depth, default=0) > MAX_DEPTH:
            raise TreeModelError(f"trees deeper than {MAX_DEPTH} are not supported")
        self._groups = [_group(trees, depth, nan_true) for depth, trees in sorted(by_depth.items())]
        # SHAP works on a bounded number of trees at a time (SHAP_CHUNK), cut once here.
        self._shap_chunks = [
            _chunk(group, slice(start, start + SHAP_CHUNK))
            for group in self._groups
            for start in range(0, len(group.features), SHAP_CHUNK)
        ]

    def raw(self, matrix: FloatArray) -> FloatArray:
        """RawFormulaVal for each row (NaN = missing): log-odds, or the regression value. A few rows are
        scored with every tree at once; many rows tree by tree, column by column, which keeps the work
        in long vector operations (about 230,000 rows a second for 250 trees on this machine)."""
        total = np.zeros(len(matrix))
        for group in self._groups:
            if len(matrix) <= FEW_ROWS:
                leaves = _leaf_indices(group, matrix)  # (rows, trees)
                total += group.leaf_values[np.arange(len(group.leaf_values)), leaves].sum(axis=1)
            else:
                columns = np.ascontiguousarray(matrix.T, dtype=np.float32)
                for tree in range(len(group.features)):
                    total += group.leaf_values[tree][_tree_leaf_indices(group, tree, columns)]
        return self.scale * total + self.bias

    def shap_values(self, matrix: FloatArray) -> FloatArray:
        """One column per feature, then the expected value; each row sums to `raw`."""
        result = np.zeros((len(matrix), self.feature_count + 1))
        for row, values in zip(result, matrix, strict=True):
            for chunk in self._shap_chunks:
                _add_shap(chunk, values, row)
        result[:, : self.feature_count] *= self.scale
        result[:, -1] = self.scale * result[:, -1] + self.bias
        return result


def _group(trees: list[dict[str, Any]], depth: int, nan_true: dict[int, bool]) -> _DepthGroup:
    features = np.array([[split["float_feature_index"] for split in tree["splits"]] for tree in trees])
    features = features.reshape(len(trees), depth).astype(np.int64)
    borders = np.array([[split["border"] for split in tree["splits"]] for tree in trees], dtype=np.float32)
    leaf_values = np.array([tree["leaf_values"] for tree in trees], dtype=np.float64)
    weights = np.array([tree["leaf_weights"] for tree in trees], dtype=np.float64)
    players = np.full((len(trees), depth), -1, dtype=np.int64)
    subset_levels = np.zeros((len(trees), 2**depth), dtype=np.int64)
    for index, tree_features in enumerate(features):
        distinct = sorted(set(tree_features.tolist()))
        players[index, : len(distinct)] = distinct
        for subset in range(2**depth):
            chosen = {players[index, player] for player in range(depth) if subset >> player & 1}
            subset_levels[index, subset] = sum(
                1 << level for level in range(depth) if tree_features[level] in chosen
            )
    return _DepthGroup(
        features=features,
        borders=borders.reshape(len(trees), depth),
        nan_is_true=np.array(
            [[nan_true[feature] for feature in row] for row in features], dtype=bool
        ).reshape(len(trees), depth),
        leaf_values=leaf_values.reshape(len(trees), 2**depth),
        cover_ratios=_cover_ratios(weights.reshape(len(trees), 2**depth), depth),
        players=players,
        subset_levels=subset_levels,
    )


def _chunk(group: _DepthGroup, trees: slice) -> _DepthGroup:
    return _DepthGroup(**{name: getattr(group, name)[trees] for name in _DepthGroup.__dataclass_fields__})


def _cover_ratios(weights: FloatArray, depth: int) -> FloatArray:
    """For each leaf and level j: the cover of the leaf's branch at j over the cover of its parent, the
    traversal going from level d-1 (the root) down to level 0 (an empty branch counts as 0)."""
    leaves = np.arange(2**depth)
    ratios = np.zeros((len(weights), 2**depth, depth))
    for level in range(depth):
        # The branch at `level` fixes the bits of levels level..d-1; its parent fixes level+1..d-1.
        branch = leaves >> level
        parent = leaves >> (level + 1)
        branch_cover = np.stack(
            [np.bincount(branch, tree, minlength=2 ** (depth - level)) for tree in weights]
        )
        parent_cover = np.stack(
            [np.bincount(parent, tree, minlength=2 ** (depth - level - 1)) for tree in weights]
        )
        child, above = branch_cover[:, branch], parent_cover[:, parent]
        ratios[:, :, level] = np.divide(child, above, out=np.zeros_like(child), where=above > 0)
    return ratios


def _answers(group: _DepthGroup, matrix: FloatArray) -> BoolArray:
    """(rows, trees, d): each level's answer for each row. CatBoost compares in single precision, so a
    value that rounds to a border is not above it."""
    values = matrix[:, group.features].astype(np.float32)
    answers: BoolArray = values > group.borders
    return answers | (np.isnan(values) & group.nan_is_true)


def _leaf_indices(group: _DepthGroup, matrix: FloatArray) -> IntArray:
    depth = group.features.shape[1]
    bits = _answers(group, matrix).astype(np.int64) << np.arange(depth)
    indices: IntArray = bits.sum(axis=2)
    return indices


def _tree_leaf_indices(group: _DepthGroup, tree: int, columns: npt.NDArray[np.float32]) -> IntArray:
    indices = np.zeros(columns.shape[1], dtype=np.int64)
    for level, feature in enumerate(group.features[tree]):
        answers = columns[feature] > group.borders[tree, level]
        if group.nan_is_true[tree, level]:
            answers |= np.isnan(columns[feature])
        indices |= answers.astype(np.int64) << level
    return indices


def _add_shap(group: _DepthGroup, values: FloatArray, row: FloatArray) -> None:
    depth = group.features.shape[1]
    if depth == 0:
        row[-1] += group.leaf_values.sum()
        return
    answers = _answers(group, values.reshape(1, -1))[0]  # (trees, d)
    leaf_bits = _level_bits(depth)  # (2^d, d)
    # Whether each leaf agrees with x at each level: (trees, 2^d, d).
    agrees = leaf_bits[np.newaxis, :, :] == answers[:, np.newaxis, :]
    # For every mask of levels that follow x, each leaf's weight is the product over levels of "agrees"
    # where the level follows x and of its cover ratio where it does not; built one level at a time, each
    # level adding the next bit of the mask.
    weights = np.ones((1, *agrees.shape[:2]))
    for level in range(depth):
        weights = np.concatenate(
            (weights * group.cover_ratios[:, :, level], weights * agrees[:, :, level]), axis=0
        )  # (masks so far, trees, 2^d)
    expected = np.einsum("mtl,tl->tm", weights, group.leaf_values)  # (trees, masks)
    by_subset = np.take_along_axis(expected, group.subset_levels, axis=1)  # (trees, 2^d subsets)
    contributions = by_subset @ _shapley_coefficients(depth).T  # (trees, d players)
    used = group.players >= 0
    np.add.at(row, group.players[used], contributions[used])
    row[-1] += expected[:, 0].sum()


@functools.cache
def _level_bits(depth: int) -> npt.NDArray[np.int64]:
    return (np.arange(2**depth)[:, np.newaxis] >> np.arange(depth)) & 1


@functools.cache
def _shapley_coefficients(players: int) -> FloatArray:
    """coefficients[i, subset] such that player i's Shapley value is Σ coefficients[i, s] × value(s)."""
    coefficients = np.zeros((players, 2**players))
    for player, subset in itertools.product(range(players), range(2**players)):
        size = bin(subset).count("1")
        if subset >> player & 1:
            others = size - 1
            weight = math.factorial(others) * math.factorial(players - others - 1) / math.factorial(players)
            coefficients[player, subset] = weight
        else:
            weight = math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)
            coefficients[player, subset] = -weight
    return coefficients

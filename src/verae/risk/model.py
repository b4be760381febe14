"""The trained model artifact: loading with a schema check, scoring one row with SHAP, scoring batches.

An artifact directory holds three CatBoost models — each as CatBoost's own file (.cbm) and as the trees
serving evaluates with numpy (.trees.json, risk/trees.py; no process that scores imports catboost) —, an
additive spline model (risk/additive.py, JSON) and `metadata.json`:
- ferritin30.cbm and ferritin30_additive.json: ferritin < 30 µg/L, the risk shown to people
  (risk_percent), explained with SHAP;
- ferritin15.cbm: ferritin < 15 µg/L, depleted stores;
- iron_index.cbm: predicted log10 ferritin, reported as iron_index = 10 ** prediction (µg/L).
Each probability is a logistic regression on the raw log-odds of some of these models (HEAD_STACKS),
fitted on their cross-validated outputs: P(< 30) stacks the < 30 CatBoost and additive models; P(< 15)
stacks the < 15 model with the < 30 CatBoost model (trained on three times as many positives, it steadies
the ranking). The combination is linear in raw outputs, so a head's SHAP values stay exact: the same
weighted sum of its models' SHAP values (CatBoost's TreeSHAP, and the additive model's exact terms).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ValidationError

from verae.risk.additive import AdditiveModel
from verae.risk.features import (
    CONFIDENCE_CBC_CODES,
    FEATURE_INDEX,
    FEATURE_NAMES,
    FEATURES,
    REQUIRED_FIELDS,
    FloatArray,
)
from verae.risk.schemas import Confidence, RiskTier
from verae.risk.trees import ObliviousTrees, TreeModelError

SCHEMA_VERSION = 4
METADATA_FILE = "metadata.json"
RISK_FILE = "ferritin30.cbm"
DEPLETED_FILE = "ferritin15.cbm"
INDEX_FILE = "iron_index.cbm"
RISK_ADDITIVE_FILE = "ferritin30_additive.json"
CATBOOST_FILES: tuple[str, ...] = (RISK_FILE, DEPLETED_FILE, INDEX_FILE)
# Each CatBoost model as the trees serving evaluates (risk/trees.py): scoring never imports catboost.
TREE_FILES: dict[str, str] = {name: name.removesuffix(".cbm") + ".trees.json" for name in CATBOOST_FILES}
ADDITIVE_FILES: tuple[str, ...] = (RISK_ADDITIVE_FILE,)
MODEL_FILES: tuple[str, ...] = (*CATBOOST_FILES, *TREE_FILES.values(), *ADDITIVE_FILES)
# The models whose outputs the heads combine, named by their CatBoost or additive file.
SCORING_MODELS: tuple[str, ...] = (*CATBOOST_FILES, *ADDITIVE_FILES)
HEADS = ("ferritin_below_30", "ferritin_below_15")
# which models' raw outputs each head's probability is stacked on (chosen in cross-validation); the
# first is the head's own CatBoost model
HEAD_STACKS: dict[str, tuple[str, ...]] = {
    HEADS[0]: (RISK_FILE, RISK_ADDITIVE_FILE),
    HEADS[1]: (DEPLETED_FILE, RISK_FILE),
}

# Ages at which a blood count ranks ferritin < 30 only a little better than chance, whatever the model:
# children 1-5 (cross-validated AUROC 0.66, at most 0.69 for any score tried; docs/decisions/0009). An
# estimate there is never of high confidence, and says why (risk/texts.py).
WEAK_SIGNAL_AGES: tuple[tuple[float, float], ...] = ((1.0, 6.0),)


def in_age_spans(age: FloatArray, spans: Sequence[tuple[float, float]]) -> npt.NDArray[np.bool_]:
    """Per row, whether its age lies in one of the [low, high) spans."""
    inside = np.zeros(len(age), dtype=bool)
    for low, high in spans:
        inside |= (age >= low) & (age < high)
    return inside


class ModelArtifactError(Exception):
    """The artifact cannot be served by this code: wrong feature schema, missing or altered files."""


class FeatureEntry(BaseModel):
    name: str
    unit: str


class Recalibration(BaseModel):
    """calibrated log-odds = Σ weights[file] × raw output of that model file + intercept"""

    weights: dict[str, float]
    intercept: float


class TierCutoffs(BaseModel):
    """Lower bounds of each tier, in risk percent."""

    HIGH: float
    WARNING: float
    GRAY: float


class ArtifactMetadata(BaseModel):
    schema_version: int
    model_version: str
    catboost_version: str
    features: list[FeatureEntry]
    required_fields: list[str]
    training_data_sha256: str
    training_files: dict[str, str]
    files: dict[str, str]
    recalibration: dict[str, Recalibration]
    tier_cutoffs_percent: TierCutoffs
    feature_ranges: dict[str, tuple[float, float]]
    supported_ages: list[tuple[float, float]]
    labels: dict[str, str]
    metrics: dict[str, Any]
    training: dict[str, Any]


def expected_features() -> list[FeatureEntry]:
    return [FeatureEntry(name=spec.name, unit=spec.unit) for spec in FEATURES]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sigmoid(log_odds: FloatArray) -> FloatArray:
    result: FloatArray = 1.0 / (1.0 + np.exp(-log_odds))
    return result


@dataclass(frozen=True)
class SinglePrediction:
    probability: float
    depleted_probability: float
    iron_index: float
    tier: RiskTier
    confidence: Confidence
    # per feature, in calibrated log-odds; they sum with `base_log_odds` to the calibrated log-odds
    contributions: FloatArray
    base_log_odds: float


@dataclass(frozen=True)
class BatchPrediction:
    probability: FloatArray
    depleted_probability: FloatArray
    iron_index: FloatArray
    tier: npt.NDArray[np.str_]
    confidence: npt.NDArray[np.str_]


class RiskModel:
    def __init__(
        self,
        models: dict[str, ObliviousTrees],
        additive: dict[str, AdditiveModel],
        metadata: ArtifactMetadata,
    ) -> None:
        self._models = models
        self._additive = additive
        self.metadata = metadata
        self.version = metadata.model_version
        cutoffs = metadata.tier_cutoffs_percent
        self._cutoffs = np.array([cutoffs.HIGH, cutoffs.WARNING, cutoffs.GRAY]) / 100.0
        self._lows = np.array([metadata.feature_ranges[name][0] for name in FEATURE_NAMES])
        self._highs = np.array([metadata.feature_ranges[name][1] for name in FEATURE_NAMES])
        self._confidence_columns = [FEATURE_INDEX[code] for code in CONFIDENCE_CBC_CODES]

    @classmethod
    def load(cls, directory: Path) -> RiskModel:
        """Load and check an artifact directory; ModelArtifactError explains any mismatch."""
        try:
            raw = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
            metadata = ArtifactMetadata.model_validate(raw)
        except (OSError, json.JSONDecodeError, ValidationError) as error:
            raise ModelArtifactError(
                f"{directory / METADATA_FILE} is not readable model metadata: {error}"
            ) from error
        if metadata.schema_version != SCHEMA_VERSION:
            raise ModelArtifactError(
                f"model metadata schema {metadata.schema_version} is not the supported {SCHEMA_VERSION}"
            )
        if metadata.features != expected_features():
            raise ModelArtifactError(
                "the model artifact's feature schema does not match this code: artifact has "
                f"{_describe(metadata.features)}, code expects {_describe(expected_features())}; "
                "retrain with `verae model train` or install the matching artifact"
            )
        stacks = {head: tuple(entry.weights) for head, entry in metadata.recalibration.items()}
        if stacks != HEAD_STACKS:
            raise ModelArtifactError(
                f"the artifact stacks its heads as {stacks}, this code expects {HEAD_STACKS}"
            )
        if list(metadata.required_fields) != list(REQUIRED_FIELDS):
            raise ModelArtifactError(
                f"the artifact was trained for required fields {metadata.required_fields}, "
                f"this code requires {list(REQUIRED_FIELDS)}"
            )
        for name in MODEL_FILES:
            path = directory / name
            if not path.is_file():
                raise ModelArtifactError(f"the model artifact lacks {name}")
            if sha256_of(path) != metadata.files.get(name):
                raise ModelArtifactError(f"{name} does not match the sha256 recorded in {METADATA_FILE}")
        models: dict[str, ObliviousTrees] = {}
        for name, trees_file in TREE_FILES.items():
            document = json.loads((directory / trees_file).read_text(encoding="utf-8"))
            names = [feature.get("feature_id") for feature in document["features_info"]["float_features"]]
            if names != list(FEATURE_NAMES):
                raise ModelArtifactError(f"{trees_file} was trained on features {names}")
            try:
                models[name] = ObliviousTrees(document, len(FEATURE_NAMES))
            except TreeModelError as error:
                raise ModelArtifactError(f"{trees_file} cannot be served: {error}") from error
        additive: dict[str, AdditiveModel] = {}
        for name in ADDITIVE_FILES:
            try:
                additive[name] = AdditiveModel.model_validate_json((directory / name).read_bytes())
            except ValidationError as error:
                raise ModelArtifactError(f"{name} is not a readable additive model: {error}") from error
            if additive[name].features != list(FEATURE_NAMES):
                raise ModelArtifactError(f"{name} was trained on features {additive[name].features}")
        return cls(models, additive, metadata)

    def _raw(self, matrix: FloatArray, names: tuple[str, ...] = SCORING_MODELS) -> dict[str, FloatArray]:
        """Raw outputs (log-odds, or log10 ferritin for the index) of the named models."""
        raw = {name: self._models[name].raw(matrix) for name in names if name in self._models}
        raw.update({name: self._additive[name].log_odds(matrix) for name in names if name in self._additive})
        return raw

    def _calibrated(self, head: str, raw: dict[str, FloatArray]) -> FloatArray:
        recalibration = self.metadata.recalibration[head]
        log_odds = recalibration.intercept + sum(
            weight * raw[name] for name, weight in recalibration.weights.items()
        )
        return _sigmoid(np.asarray(log_odds, dtype=np.float64))

    def tiers(self, probability: FloatArray) -> npt.NDArray[np.str_]:
        high, warning, gray = self._cutoffs
        tiers: npt.NDArray[np.str_] = np.select(
            [probability >= high, probability >= warning, probability >= gray],
            ["HIGH", "WARNING", "GRAY"],
            default="LOW",
        )
        return tiers

    def confidence(self, matrix: FloatArray) -> npt.NDArray[np.str_]:
        """high: every CBC value present and inside the training range; low: ≥ 3 CBC values missing,
        or ≥ 2 values outside the range the model was trained on; medium otherwise.

        An age the training data has no one of (under 1, or 6–11 which NHANES did not sample for
        ferritin) counts as one value out of range (an infant, also below the age range, as two). At a
        weak-signal age (WEAK_SIGNAL_AGES) the confidence is at most medium, whatever the inputs.
        """
        missing = np.isnan(matrix[:, self._confidence_columns]).sum(axis=1)
        outside = self._outside_range(matrix).sum(axis=1) + ~self._supported_age(matrix)
        weak = in_age_spans(matrix[:, FEATURE_INDEX["age"]], WEAK_SIGNAL_AGES)
        levels: npt.NDArray[np.str_] = np.select(
            [(missing == 0) & (outside == 0) & ~weak, (missing <= 2) & (outside <= 1)],
            ["high", "medium"],
            default="low",
        )
        return levels

    def _outside_range(self, matrix: FloatArray) -> npt.NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            outside: npt.NDArray[np.bool_] = (matrix < self._lows) | (matrix > self._highs)
        return outside

    def _supported_age(self, matrix: FloatArray) -> npt.NDArray[np.bool_]:
        return in_age_spans(matrix[:, FEATURE_INDEX["age"]], self.metadata.supported_ages)

    def outside_mask(self, matrix: FloatArray) -> npt.NDArray[np.bool_]:
        """Per row and feature, whether a given input lies outside the range the model was trained on;
        an age the training data has no one of counts as outside."""
        outside = self._outside_range(matrix)
        outside[:, FEATURE_INDEX["age"]] |= ~self._supported_age(matrix)
        return outside

    def outside_training_range(self, row: FloatArray) -> list[tuple[str, float, float]]:
        """The inputs of one row outside the training range, with that range: (feature, low, high)."""
        outside = self.outside_mask(row.reshape(1, -1))[0]
        return [
            (FEATURE_NAMES[position], *self.metadata.feature_ranges[FEATURE_NAMES[position]])
            for position in np.flatnonzero(outside)
        ]

    def predict_batch(self, matrix: FloatArray) -> BatchPrediction:
        """Scores for rows in FEATURE_NAMES order (NaN = missing); no explanations."""
        raw = self._raw(matrix)
        risk = self._calibrated(HEADS[0], raw)
        return BatchPrediction(
            probability=risk,
            depleted_probability=self._calibrated(HEADS[1], raw),
            iron_index=np.power(10.0, raw[INDEX_FILE]),
            tier=self.tiers(risk),
            confidence=self.confidence(matrix),
        )

    def contributions(self, matrix: FloatArray) -> FloatArray:
        """Exact SHAP values of the primary head, on the calibrated log-odds scale: CatBoost's path-dependent
        TreeSHAP for its trees (risk/trees.py), the additive model's terms for its curves.

        One column per feature plus a last column for the base value; each row sums to the calibrated
        log-odds, because the head is a weighted sum of its models' raw outputs.
        """
        recalibration = self.metadata.recalibration[HEADS[0]]
        scaled: FloatArray = np.zeros((len(matrix), len(FEATURE_NAMES) + 1))
        for name, weight in recalibration.weights.items():
            if name in self._additive:
                additive = self._additive[name]
                scaled[:, :-1] += weight * additive.terms(matrix)
                scaled[:, -1] += weight * additive.base_log_odds
            else:
                scaled += weight * self._models[name].shap_values(matrix)
        scaled[:, -1] += recalibration.intercept
        return scaled

    def predict_one(self, row: FloatArray) -> SinglePrediction:
        """Scores for one row with per-feature SHAP contributions to the calibrated log-odds."""
        matrix = row.reshape(1, -1)
        shap = self.contributions(matrix)[0]
        contributions, base = shap[:-1], float(shap[-1])
        log_odds = np.array([base + contributions.sum()])
        probability = _sigmoid(log_odds)
        # the primary head's log-odds come from the contributions; only the rest needs raw outputs
        raw = self._raw(matrix, names=(*HEAD_STACKS[HEADS[1]], INDEX_FILE))
        return SinglePrediction(
            probability=float(probability[0]),
            depleted_probability=float(self._calibrated(HEADS[1], raw)[0]),
            iron_index=float(10.0 ** raw[INDEX_FILE][0]),
            tier=self.tiers(probability)[0],
            confidence=self.confidence(matrix)[0],
            contributions=contributions,
            base_log_odds=base,
        )


def _describe(features: list[FeatureEntry]) -> str:
    return ", ".join(f"{entry.name} [{entry.unit}]" for entry in features)


def load_model(directory: Path) -> RiskModel | None:
    """The artifact in `directory`, or None when there is none (the caller falls back to rules-v1).

    A directory that holds an artifact which does not match this code is refused, never served.
    """
    if not any((directory / name).exists() for name in (METADATA_FILE, *MODEL_FILES)):
        return None
    return RiskModel.load(directory)

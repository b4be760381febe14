"""Training the shipped model from NHANES, reproducibly, and measuring it on a held-out split.

Order of work, so that the test split is looked at exactly once, at the end:
1. Split participants 80/20 (stratified by label, sex and age band) into development and test.
2. On development rows with a valid label: k-fold cross-validation fixes the number of trees (lowest
   mean validation loss) and gives out-of-fold outputs, for the additive < 30 model too (same folds); on
   those, each head's stacked logistic recalibration (model.HEAD_STACKS) and the tier cut-offs are
   fitted, and optional feature sets are compared. The < 15 model also trains on extra rows whose < 15
   label is still trustworthy (no CRP result; NHANES 1999-2000 adults); they are only ever in training
   folds, never scored.
3. Fit the final models on all development rows; evaluate them, the baselines and the subgroups on
   the test split.
Training rows are augmented with one copy whose optional inputs are randomly blanked, so the model has
learnt what a missing value means (CatBoost otherwise treats NaN as "smaller than every value").
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pandas as pd
from catboost import CatBoost, CatBoostClassifier, CatBoostRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from verae.risk.additive import AdditiveModel
from verae.risk.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    REQUIRED_FIELDS,
    FloatArray,
    report_from_features,
)
from verae.risk.model import (
    DEPLETED_FILE,
    HEAD_STACKS,
    HEADS,
    INDEX_FILE,
    METADATA_FILE,
    RISK_ADDITIVE_FILE,
    RISK_FILE,
    SCHEMA_VERSION,
    TREE_FILES,
    ArtifactMetadata,
    Recalibration,
    RiskModel,
    TierCutoffs,
    expected_features,
    sha256_of,
)
from verae.risk.rules import score as rules_score
from verae.risk.trees import tree_document
from verae.training import evaluation, nhanes
from verae.training.additive import fit_additive

MODEL_FAMILY = "catboost-v3"
EXTRA_CANDIDATES: tuple[str, ...] = ("glucose", "cholesterol")
THRESHOLDS = {"ferritin_below_30": 30.0, "ferritin_below_15": 15.0}
WHO_INFLAMMATION_THRESHOLD = 70.0


@dataclass(frozen=True)
class TrainingConfig:
    seed: int = 20240611
    test_fraction: float = 0.2
    folds: int = 5
    max_iterations: int = 1500
    learning_rate: float = 0.05
    # cross-validation kept the slower rate for the < 15 model only; the < 30 model's tree count is also
    # the cost of the SHAP values of every explained prediction
    depleted_learning_rate: float = 0.03
    depth: int = 5
    l2_leaf_reg: float = 10.0
    masked_copies: int = 1
    # fixed so that the same data gives the same trees on any machine
    thread_count: int = 2
    gray_sensitivity: float = 0.90
    high_ppv: float = 0.70
    bootstrap: bool = True


def labels_for(cohort: pd.DataFrame, threshold: float) -> FloatArray:
    return np.asarray(cohort["ferritin"].to_numpy() < threshold, dtype=np.float64)


def split_test(cohort: pd.DataFrame, config: TrainingConfig) -> pd.Series:
    """True for the held-out test rows. Strata: valid label (<30, ≥30, or not valid) × sex × age band."""
    valid = nhanes.label_valid(cohort)
    label = np.where(valid, np.where(cohort["ferritin"] < 30, "d", "n"), "x")
    band = pd.cut(cohort["age"], [0, 6, 18, 50, 65, 200], right=False).astype(str).to_numpy()
    sex = cohort["sex"].astype(int).astype(str).to_numpy()
    # the class names fix the order of strata and so the split itself: keep them as they are
    strata = [f"{a}{b}{c}" for a, b, c in zip(label, sex, band, strict=True)]
    _, test_index = train_test_split(
        cohort.index.to_numpy(), test_size=config.test_fraction, random_state=config.seed, stratify=strata
    )
    return pd.Series(cohort.index.isin(test_index), index=cohort.index)


def with_masked_copies(
    matrix: FloatArray, target: FloatArray, columns: list[str], config: TrainingConfig, seed: int
) -> tuple[FloatArray, FloatArray]:
    """The rows plus copies whose optional inputs are blanked, each row with its own blanking rate."""
    generator = np.random.default_rng(seed)
    maskable = [columns.index(name) for name in columns if name not in REQUIRED_FIELDS]
    parts, targets = [matrix], [target]
    for _ in range(config.masked_copies):
        copy = matrix.copy()
        rate = generator.uniform(0.0, 1.0, size=(len(copy), 1))
        blank = generator.uniform(size=(len(copy), len(maskable))) < rate
        block = copy[:, maskable]
        block[blank] = np.nan
        copy[:, maskable] = block
        parts.append(copy)
        targets.append(target)
    return np.vstack(parts), np.concatenate(targets)


def new_catboost(kind: str, config: TrainingConfig, iterations: int, seed: int) -> CatBoost:
    params: dict[str, Any] = {
        "iterations": iterations,
        "learning_rate": config.learning_rate,
        "depth": config.depth,
        "l2_leaf_reg": config.l2_leaf_reg,
        "random_seed": seed,
        "thread_count": config.thread_count,
        "verbose": 0,
        "allow_writing_files": False,
    }
    if kind == "classifier":
        return CatBoostClassifier(loss_function="Logloss", **params)
    return CatBoostRegressor(loss_function="RMSE", **params)


@dataclass
class CrossValidation:
    iterations: int
    out_of_fold: FloatArray  # raw log-odds (classifier) or predicted log10 ferritin (regressor)
    fold_auroc: list[float]


@dataclass(frozen=True)
class ExtraRows:
    """Training-only rows (never validated on): features in the model's columns and their target."""

    matrix: FloatArray
    target: FloatArray


def folds_of(
    strata: FloatArray, config: TrainingConfig, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The k folds; `seed` (default config.seed) lets repeated CV reshuffle folds with the same models."""
    splitter = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed if seed is None else seed)
    return list(splitter.split(np.zeros(len(strata)), strata))


def cross_validate(
    matrix: FloatArray,
    target: FloatArray,
    strata: FloatArray,
    columns: list[str],
    kind: str,
    config: TrainingConfig,
    extra: ExtraRows | None = None,
    fold_seed: int | None = None,
) -> CrossValidation:
    """k-fold CV: one tree count for all folds (lowest mean validation loss) and out-of-fold predictions."""
    models: list[tuple[CatBoost, np.ndarray]] = []
    curves = []
    for fold, (train_rows, valid_rows) in enumerate(folds_of(strata, config, fold_seed)):
        train_x, train_y = with_masked_copies(
            *_with_extra(matrix[train_rows], target[train_rows], extra), columns, config, config.seed + fold
        )
        model = new_catboost(kind, config, config.max_iterations, config.seed + fold)
        model.fit(
            pd.DataFrame(train_x, columns=columns),
            train_y,
            eval_set=(pd.DataFrame(matrix[valid_rows], columns=columns), target[valid_rows]),
            use_best_model=False,
        )
        metric = "Logloss" if kind == "classifier" else "RMSE"
        curves.append(model.get_evals_result()["validation"][metric])
        models.append((model, valid_rows))
    iterations = int(np.argmin(np.mean(curves, axis=0))) + 1
    out_of_fold = np.zeros(len(target))
    fold_auroc = []
    for model, valid_rows in models:
        frame = pd.DataFrame(matrix[valid_rows], columns=columns)
        out_of_fold[valid_rows] = model.predict(frame, prediction_type="RawFormulaVal", ntree_end=iterations)
        if kind == "classifier":
            fold_auroc.append(float(roc_auc_score(target[valid_rows], out_of_fold[valid_rows])))
    return CrossValidation(iterations=iterations, out_of_fold=out_of_fold, fold_auroc=fold_auroc)


def cross_validate_additive(
    matrix: FloatArray, target: FloatArray, columns: list[str], folds: list[tuple[np.ndarray, np.ndarray]]
) -> FloatArray:
    """Out-of-fold log-odds of the additive model (risk/additive.py) on the given folds."""
    out_of_fold = np.zeros(len(target))
    for train_rows, valid_rows in folds:
        fitted = fit_additive(matrix[train_rows], target[train_rows], columns)
        out_of_fold[valid_rows] = fitted.log_odds(matrix[valid_rows])
    return out_of_fold


def _with_extra(
    matrix: FloatArray, target: FloatArray, extra: ExtraRows | None
) -> tuple[FloatArray, FloatArray]:
    if extra is None:
        return matrix, target
    return np.vstack([matrix, extra.matrix]), np.concatenate([target, extra.target])


def fit_final(
    matrix: FloatArray,
    target: FloatArray,
    columns: list[str],
    kind: str,
    iterations: int,
    config: TrainingConfig,
    extra: ExtraRows | None = None,
) -> CatBoost:
    train_x, train_y = with_masked_copies(
        *_with_extra(matrix, target, extra), columns, config, config.seed + 1000
    )
    model = new_catboost(kind, config, iterations, config.seed)
    model.fit(pd.DataFrame(train_x, columns=columns), train_y)
    return model


def fit_recalibration(raw: dict[str, FloatArray], labels: FloatArray) -> Recalibration:
    """Logistic regression on the raw outputs of a head's models (Platt scaling when there is one)."""
    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(np.column_stack(list(raw.values())), labels)
    return Recalibration(
        weights={name: float(weight) for name, weight in zip(raw, fitted.coef_[0], strict=True)},
        intercept=float(fitted.intercept_[0]),
    )


def _calibrate(raw: dict[str, FloatArray], recalibration: Recalibration) -> FloatArray:
    log_odds = recalibration.intercept + sum(
        weight * raw[name] for name, weight in recalibration.weights.items()
    )
    result: FloatArray = 1.0 / (1.0 + np.exp(-np.asarray(log_odds, dtype=np.float64)))
    return result


def cross_fitted_probability(
    raw: dict[str, FloatArray], labels: FloatArray, folds: list[tuple[np.ndarray, np.ndarray]]
) -> FloatArray:
    """Each fold's probability from a recalibration fitted on the other folds' out-of-fold outputs, so the
    cross-validated figures of a stacked head do not benefit from fitting its weights on the same rows."""
    probability = np.zeros(len(labels))
    for train_rows, valid_rows in folds:
        fitted = fit_recalibration(
            {name: values[train_rows] for name, values in raw.items()}, labels[train_rows]
        )
        probability[valid_rows] = _calibrate(
            {name: values[valid_rows] for name, values in raw.items()}, fitted
        )
    return probability


RANGE_PERCENTILES = (0.1, 99.9)
# hs-CRP below the assay's detection limit is common and harmless: only its upper side is a range
OPEN_BELOW = ("crp",)


def feature_ranges(dev: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The central 99.8% of each feature among development rows: beyond it the model has little data."""
    ranges = {}
    for name in FEATURE_NAMES:
        column = dev[name].dropna()
        if name in ("sex", "age"):
            ranges[name] = (float(column.min()), float(column.max()))
        else:
            low, high = np.percentile(column, RANGE_PERCENTILES)
            ranges[name] = (0.0 if name in OPEN_BELOW else float(low), float(high))
    return ranges


def supported_ages(dev: pd.DataFrame) -> list[tuple[float, float]]:
    """Runs of whole years present in training; NHANES top-codes age at 80, so the last run is open."""
    years = sorted({int(age) for age in dev["age"]})
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][1]:
            runs[-1][1] = year + 1
        else:
            runs.append([year, year + 1])
    runs[-1][1] = 121
    return [(float(low), float(high)) for low, high in runs]


def _logistic_design(frame: pd.DataFrame) -> pd.DataFrame:
    """Inputs for the logistic-regression baseline: the model's features with CRP on a log scale and
    sex-by-age-band indicators, since risk is far from linear in age."""
    design = frame[list(FEATURE_NAMES)].copy()
    design["crp"] = np.log1p(design["crp"])
    bands = pd.cut(frame["age"], [0, 6, 18, 50, 65, 200], right=False, labels=False)
    for band in range(5):
        in_band = (bands == band).astype(float)
        design[f"band{band}"] = in_band
        design[f"band{band}_female"] = in_band * frame["sex"]
    return design


DEMOGRAPHIC_BASELINE = "age and sex only (logistic, sex × age band)"
SINGLE_INDEX_BASELINES: dict[str, list[str]] = {
    "hemoglobin": ["hemoglobin"],
    "MCV": ["mcv"],
    "MCH": ["mch"],
    "RDW-CV": ["rdw_cv"],
    "Mentzer index (MCV/RBC)": ["mentzer"],
}


def _baseline_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    inputs = frame[["hemoglobin", "mcv", "mch", "rdw_cv"]].copy()
    inputs["mentzer"] = frame["mcv"] / frame["rbc"]
    return inputs


def baselines(
    dev: pd.DataFrame, test: pd.DataFrame, threshold: float, config: TrainingConfig
) -> dict[str, dict[str, Any]]:
    """Each baseline is fitted on development rows (a univariate logistic fit sets direction and scale)
    and scored on the test rows, like the model."""
    dev_labels = labels_for(dev, threshold)
    test_labels = labels_for(test, threshold).astype(int)
    results: dict[str, dict[str, Any]] = {}
    dev_inputs, test_inputs = _baseline_inputs(dev), _baseline_inputs(test)
    for name, columns in SINGLE_INDEX_BASELINES.items():
        fitted = LogisticRegression(max_iter=1000).fit(dev_inputs[columns], dev_labels)
        probabilities = fitted.predict_proba(test_inputs[columns])[:, 1]
        results[name] = evaluation.probability_metrics(test_labels, probabilities, config.bootstrap)
    dev_design, test_design = _logistic_design(dev), _logistic_design(test)
    demographic = [column for column in dev_design.columns if column.startswith("band")]
    for name, columns in (
        (DEMOGRAPHIC_BASELINE, demographic),
        ("logistic regression (same inputs)", list(dev_design.columns)),
    ):
        logistic = make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=5000)
        )
        logistic.fit(dev_design[columns], dev_labels)
        probabilities = logistic.predict_proba(test_design[columns])[:, 1]
        results[name] = evaluation.probability_metrics(test_labels, probabilities, config.bootstrap)
    rules_percent = np.array(
        [
            rules_score(report_from_features(row), _sex(row), float(row[FEATURE_INDEX["age"]]))[0]
            for row in test[list(FEATURE_NAMES)].to_numpy()
        ]
    )
    results["rules-v1 (fallback)"] = evaluation.discrimination(test_labels, rules_percent, config.bootstrap)
    return results


def _sex(row: FloatArray) -> str:
    return "female" if row[FEATURE_INDEX["sex"]] == 1.0 else "male"


def _masked(frame: pd.DataFrame, keep: tuple[str, ...]) -> FloatArray:
    matrix = frame[list(FEATURE_NAMES)].to_numpy(dtype=np.float64).copy()
    for name in FEATURE_NAMES:
        if name not in keep:
            matrix[:, FEATURE_INDEX[name]] = np.nan
    return matrix


INPUT_SCENARIOS: dict[str, tuple[str, ...]] = {
    "all inputs": FEATURE_NAMES,
    "CBC, age, sex (no BMI, no CRP)": tuple(name for name in FEATURE_NAMES if name not in ("bmi", "crp")),
    "required set only (sex, age, hemoglobin, MCV)": REQUIRED_FIELDS,
}


def evaluate_model(model: RiskModel, cohort: pd.DataFrame, bootstrap: bool = True) -> dict[str, Any]:
    """The model's figures on a cohort, as used for the test split and by `verae model evaluate`."""
    valid = nhanes.label_valid(cohort)
    rows = cohort[valid]
    matrix = rows[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
    prediction = model.predict_batch(matrix)
    cutoffs = model.metadata.tier_cutoffs_percent
    cutoff_probabilities = {
        "HIGH": cutoffs.HIGH / 100,
        "WARNING": cutoffs.WARNING / 100,
        "GRAY": cutoffs.GRAY / 100,
    }
    result: dict[str, Any] = {"n_participants": len(cohort), "n_label_valid": len(rows)}
    for head, probabilities in (
        (HEADS[0], prediction.probability),
        (HEADS[1], prediction.depleted_probability),
    ):
        labels = labels_for(rows, THRESHOLDS[head]).astype(int)
        metrics = evaluation.probability_metrics(labels, probabilities, bootstrap)
        metrics["reliability"] = evaluation.reliability_table(labels, probabilities)
        metrics["operating_points"] = {
            tier: evaluation.operating_point(labels, probabilities, threshold)
            for tier, threshold in cutoff_probabilities.items()
        }
        result[head] = metrics
    labels30 = labels_for(rows, 30.0).astype(int)
    result["tiers"] = evaluation.tier_shares(prediction.probability, labels30, cutoff_probabilities)
    result["ferritin_below_15_by_primary_score"] = evaluation.discrimination(
        labels_for(rows, 15.0).astype(int), prediction.probability, bootstrap
    )
    subgroups = {}
    for name, mask in evaluation.subgroup_masks(rows, nhanes.anaemic(rows)).items():
        chosen = mask.to_numpy()
        subgroup: dict[str, Any] = {}
        for head, probabilities in (
            (HEADS[0], prediction.probability),
            (HEADS[1], prediction.depleted_probability),
        ):
            labels = labels_for(rows[chosen], THRESHOLDS[head]).astype(int)
            subgroup[head] = evaluation.probability_metrics(labels, probabilities[chosen], bootstrap)
        subgroups[name] = subgroup
    result["subgroups"] = subgroups
    result["input_scenarios"] = {
        name: evaluation.discrimination(
            labels30, model.predict_batch(_masked(rows, keep)).probability, interval=False
        )
        | {"confidence": _counts(model.confidence(_masked(rows, keep)))}
        for name, keep in INPUT_SCENARIOS.items()
    }
    inflamed_rows = cohort[nhanes.inflamed(cohort)]
    if len(inflamed_rows):
        inflamed_probability = model.predict_batch(inflamed_rows[list(FEATURE_NAMES)].to_numpy()).probability
        result["inflamed"] = {
            "ferritin_below_30": evaluation.discrimination(
                labels_for(inflamed_rows, 30.0).astype(int), inflamed_probability, bootstrap
            ),
            "ferritin_below_70_who_inflammation": evaluation.discrimination(
                labels_for(inflamed_rows, WHO_INFLAMMATION_THRESHOLD).astype(int),
                inflamed_probability,
                bootstrap,
            ),
        }
    everyone = cohort[~cohort["pregnant"]]
    result["all_non_pregnant_any_crp"] = evaluation.discrimination(
        labels_for(everyone, 30.0).astype(int),
        model.predict_batch(everyone[list(FEATURE_NAMES)].to_numpy()).probability,
        bootstrap,
    )
    log_ferritin = np.log10(rows["ferritin"].to_numpy())
    predicted = np.log10(prediction.iron_index)
    index_metrics: dict[str, Any] = {
        "r2_log10_ferritin": float(1 - np.mean((log_ferritin - predicted) ** 2) / np.var(log_ferritin)),
        "spearman_ferritin": _spearman(predicted, log_ferritin),
        "median_fold_error": float(10 ** np.median(np.abs(log_ferritin - predicted))),
    }
    body_iron = nhanes.body_iron_mg_kg(rows)
    measured = body_iron.notna().to_numpy()
    if measured.sum() >= 10:
        index_metrics["spearman_body_iron"] = _spearman(predicted[measured], body_iron.to_numpy()[measured])
        index_metrics["n_body_iron"] = int(measured.sum())
    result["iron_index"] = index_metrics
    return result


def _spearman(first: FloatArray, second: FloatArray) -> float:
    return float(pd.Series(first).corr(pd.Series(second), method="spearman"))


def _counts(levels: np.ndarray) -> dict[str, int]:
    values, counts = np.unique(levels, return_counts=True)
    return {str(value): int(count) for value, count in zip(values, counts, strict=True)}


@dataclass
class TrainedArtifact:
    models: dict[str, CatBoost]
    additive: dict[str, AdditiveModel]
    metadata: ArtifactMetadata
    cross_validation: dict[str, Any]


def train_models(
    cohort: pd.DataFrame,
    is_test: pd.Series,
    file_hashes: dict[str, str],
    config: TrainingConfig,
    auxiliary: pd.DataFrame,
) -> TrainedArtifact:
    """Steps 2 and 3 of the module docstring, up to (not including) the test evaluation."""
    dev = cohort[~is_test & nhanes.label_valid(cohort)]
    columns = list(FEATURE_NAMES)
    matrix = dev[columns].to_numpy(dtype=np.float64)
    risk_labels = labels_for(dev, 30.0)  # the primary label; every model's folds are stratified by it
    without_crp = cohort.loc[~is_test & nhanes.without_crp(cohort), [*columns, "ferritin"]]
    depletion_extra = pd.concat([without_crp, auxiliary]) if len(auxiliary) else without_crp
    index_target = np.log10(dev["ferritin"].to_numpy())
    models: dict[str, CatBoost] = {}
    out_of_fold: dict[str, FloatArray] = {}
    cv_report: dict[str, Any] = {}
    for file_name, kind, target, extra, model_config in (
        (RISK_FILE, "classifier", risk_labels, None, config),
        (
            DEPLETED_FILE,
            "classifier",
            labels_for(dev, 15.0),
            ExtraRows(depletion_extra[columns].to_numpy(dtype=np.float64), labels_for(depletion_extra, 15.0)),
            replace(config, learning_rate=config.depleted_learning_rate),
        ),
        (INDEX_FILE, "regressor", index_target, None, config),
    ):
        cv = cross_validate(matrix, target, risk_labels, columns, kind, model_config, extra)
        out_of_fold[file_name] = cv.out_of_fold
        cv_report[file_name] = {"iterations": cv.iterations, "fold_auroc": cv.fold_auroc}
        models[file_name] = fit_final(matrix, target, columns, kind, cv.iterations, model_config, extra)
    folds = folds_of(risk_labels, config)
    out_of_fold[RISK_ADDITIVE_FILE] = cross_validate_additive(matrix, risk_labels, columns, folds)
    additive = {RISK_ADDITIVE_FILE: fit_additive(matrix, risk_labels, columns)}
    recalibration: dict[str, Recalibration] = {}
    for head in HEADS:
        labels = labels_for(dev, THRESHOLDS[head])
        stack = {name: out_of_fold[name] for name in HEAD_STACKS[head]}
        recalibration[head] = fit_recalibration(stack, labels)
        calibrated = cross_fitted_probability(stack, labels, folds)
        int_labels = labels.astype(int)
        own_model = HEAD_STACKS[head][0]
        cv_report[head] = {
            "fold_auroc": [
                float(roc_auc_score(labels[valid_rows], calibrated[valid_rows])) for _, valid_rows in folds
            ],
            "out_of_fold": evaluation.probability_metrics(int_labels, calibrated, interval=False),
            "member_auroc": {
                name: float(roc_auc_score(labels, out_of_fold[name])) for name in HEAD_STACKS[head]
            },
            "out_of_fold_raw_ece": evaluation.expected_calibration_error(
                int_labels, 1 / (1 + np.exp(-out_of_fold[own_model]))
            ),
        }
        if head == HEADS[0]:
            cutoffs = evaluation.choose_tier_cutoffs(
                int_labels, calibrated, config.gray_sensitivity, config.high_ppv
            )
            cv_report["tier_validation"] = {
                tier: evaluation.operating_point(int_labels, calibrated, threshold)
                for tier, threshold in cutoffs.items()
            }
    residual = index_target - out_of_fold[INDEX_FILE]
    cv_report["iron_index"] = {
        "iterations": cv_report[INDEX_FILE]["iterations"],
        "r2_log10_ferritin": float(1 - residual.var() / index_target.var()),
    }
    cv_report["depletion_extra_rows"] = {
        "without_crp": int((~is_test & nhanes.without_crp(cohort)).sum()),
        "nhanes_1999": len(auxiliary),
    }
    cv_report["extra_inputs_ablation"] = extra_inputs_ablation(dev, config)
    metadata = ArtifactMetadata(
        schema_version=SCHEMA_VERSION,
        model_version=f"{MODEL_FAMILY}+{nhanes.combined_sha256(file_hashes)[:8]}",
        catboost_version=catboost.__version__,
        features=expected_features(),
        required_fields=list(REQUIRED_FIELDS),
        training_data_sha256=nhanes.combined_sha256(file_hashes),
        training_files=file_hashes,
        files={},
        recalibration=recalibration,
        tier_cutoffs_percent=TierCutoffs(**{tier: round(value * 100, 2) for tier, value in cutoffs.items()}),
        feature_ranges=feature_ranges(dev),
        supported_ages=supported_ages(dev),
        labels={
            HEADS[0]: "serum ferritin < 30 µg/L (primary; risk_percent)",
            HEADS[1]: "serum ferritin < 15 µg/L (depleted stores)",
            "iron_index": "predicted ferritin in µg/L (10 ** predicted log10 ferritin)",
            "cohort": (
                "NHANES 2017-March 2020 participants with ferritin, a complete CBC, age and sex; "
                "labels only where hs-CRP ≤ 5 mg/L and not pregnant; the < 15 model also trains on "
                "non-pregnant development participants without hs-CRP and on NHANES 1999-2000 adults"
            ),
        },
        metrics={},
        training={
            "config": asdict(config),
            "n_participants": len(cohort),
            "n_development": len(dev),
            "n_test": int(is_test.sum()),
            "iterations": {
                HEADS[0]: cv_report[RISK_FILE]["iterations"],
                HEADS[1]: cv_report[DEPLETED_FILE]["iterations"],
                "iron_index": cv_report[INDEX_FILE]["iterations"],
            },
            "depletion_extra_rows": cv_report["depletion_extra_rows"],
        },
    )
    return TrainedArtifact(models=models, additive=additive, metadata=metadata, cross_validation=cv_report)


def extra_inputs_ablation(dev: pd.DataFrame, config: TrainingConfig) -> dict[str, Any]:
    """Cross-validated AUROC with and without the optional chemistry inputs (fasting glucose, total
    cholesterol): they join the model only if they help on held-out folds."""
    if dev[list(EXTRA_CANDIDATES)].isna().all().all():
        return {"available": False}
    report: dict[str, Any] = {"available": True}
    for head in HEADS:
        labels = labels_for(dev, THRESHOLDS[head])
        strata = labels_for(dev, 30.0)
        for name, columns in (
            ("shipped inputs", list(FEATURE_NAMES)),
            ("plus glucose and cholesterol", [*FEATURE_NAMES, *EXTRA_CANDIDATES]),
        ):
            cv = cross_validate(
                dev[columns].to_numpy(dtype=np.float64), labels, strata, columns, "classifier", config
            )
            report.setdefault(head, {})[name] = float(roc_auc_score(labels, cv.out_of_fold))
    return report


def write_tree_document(model: CatBoost, path: Path) -> None:
    """The model as serving reads it (risk/trees.py): CatBoost's JSON export without its training
    metadata, written deterministically."""
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "model.json"
        model.save_model(str(exported), format="json")
        document = tree_document(json.loads(exported.read_text(encoding="utf-8")))
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")


def write_artifact(trained: TrainedArtifact, directory: Path, metrics: dict[str, Any]) -> ArtifactMetadata:
    directory.mkdir(parents=True, exist_ok=True)
    for name, model in trained.models.items():
        # CatBoost stamps a finish time and a random guid into the file; drop them so the same data
        # and seed give byte-identical files (and the sha256 in the metadata stays meaningful)
        info = model.get_metadata()
        if "train_finish_time" in info:
            del info["train_finish_time"]
        info["model_guid"] = f"{trained.metadata.model_version}/{name}"
        model.save_model(str(directory / name))
        write_tree_document(model, directory / TREE_FILES[name])
    for name, additive in trained.additive.items():
        (directory / name).write_text(additive.model_dump_json(indent=1) + "\n", encoding="utf-8")
    metadata = trained.metadata.model_copy(
        update={
            "files": {
                name: sha256_of(directory / name)
                for name in sorted(
                    [*trained.models, *(TREE_FILES[name] for name in trained.models), *trained.additive]
                )
            },
            "metrics": metrics,
        }
    )
    (directory / METADATA_FILE).write_text(
        json.dumps(metadata.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return metadata


def summary_metrics(cv_report: dict[str, Any], test_metrics: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for head in HEADS:
        summary[head] = {
            "cv_auroc": cv_report[head]["out_of_fold"]["auroc"],
            "test_auroc": test_metrics[head]["auroc"],
            "test_auroc_ci95": test_metrics[head]["auroc_ci95"],
            "test_auprc": test_metrics[head]["auprc"],
            "test_ece": test_metrics[head]["ece"],
        }
    summary["tier_validation"] = cv_report["tier_validation"]
    summary["tier_test"] = test_metrics[HEADS[0]]["operating_points"]
    return summary


@dataclass
class TrainingRun:
    metadata: ArtifactMetadata
    cross_validation: dict[str, Any]
    test: dict[str, Any]
    model: RiskModel
    test_rows: pd.DataFrame


def train(data_dir: Path, artifact_dir: Path, config: TrainingConfig) -> TrainingRun:
    """Train on an NHANES folder, write the artifact, and measure it on the held-out split."""
    file_hashes = nhanes.files_sha256(nhanes.present_files(data_dir))
    cohort = nhanes.load_cohort(data_dir)
    return train_cohort(cohort, file_hashes, nhanes.load_nhanes_1999(data_dir), artifact_dir, config)


def train_cohort(
    cohort: pd.DataFrame,
    file_hashes: dict[str, str],
    adults_1999: pd.DataFrame,
    artifact_dir: Path,
    config: TrainingConfig,
) -> TrainingRun:
    """`train` on rows already loaded (the tests train on a small slice)."""
    is_test = split_test(cohort, config)
    trained = train_models(cohort, is_test, file_hashes, config, adults_1999)
    write_artifact(trained, artifact_dir, metrics={})
    # evaluate exactly what ships: the files as written, loaded through the serving path
    model = RiskModel.load(artifact_dir)
    test = cohort[is_test]
    test_metrics = evaluate_model(model, test, config.bootstrap)
    dev = cohort[~is_test & nhanes.label_valid(cohort)]
    test_valid = test[nhanes.label_valid(test)]
    test_metrics["baselines"] = {head: baselines(dev, test_valid, THRESHOLDS[head], config) for head in HEADS}
    metadata = write_artifact(trained, artifact_dir, summary_metrics(trained.cross_validation, test_metrics))
    return TrainingRun(
        metadata=metadata,
        cross_validation=trained.cross_validation,
        test=test_metrics,
        model=RiskModel.load(artifact_dir),
        test_rows=test_valid,
    )

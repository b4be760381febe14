"""Calibration by group in cross-validation: is the < 30 head miscalibrated in the groups issue 13 names,
and does a recalibration by group help? (docs/decisions/0007, bench/group_calibration.py)

Every candidate is cross-fitted on the stack members' out-of-fold outputs: fitted on the other folds,
applied to the held-out fold, so its figures do not benefit from fitting on the rows they are read on.
Binned ECE on a few hundred rows is noisy, and a recalibration that flattens predictions into fewer bins
lowers it without being better calibrated; the log loss, a proper score, is what the rule reads first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from verae.risk.features import FloatArray
from verae.training import evaluation
from verae.training.anaemia import CALIBRATION_GROUPS

IntArray = evaluation.IntArray
Folds = list[tuple[np.ndarray, np.ndarray]]
# every row in exactly one group; the five groups are unions of these
PARTITION = ("children under 12", "girls 12-17", "boys 12-17", "women 18-49", "women 50+", "men 18+")
TARGET_GROUP_ECE = 0.04
# ADR 0007's rule: a candidate against the shipped stack, on the fresh fold seeds
BASELINE = "shipped stack"
MISSED_GROUPS = ("women 12-49", "children 1-5", "adolescents 12-17")
AUROC_GROUPS = ("women 12-49", "children 1-5")
MAX_AUROC_LOSS = 0.0005
MAX_GROUP_ECE_RISE = 0.005


def partition(age: FloatArray, sex: FloatArray) -> IntArray:
    """The index in PARTITION of each row (sex 1 = female)."""
    female = sex == 1.0
    codes: IntArray = np.select(
        [age < 12, (age < 18) & female, age < 18, female & (age < 50), female], [0, 1, 2, 3, 4], default=5
    )
    return codes


def _stack(members: FloatArray, labels: FloatArray) -> LogisticRegression:
    # unpenalised, like training.fit_recalibration
    return LogisticRegression(C=1e6, max_iter=2000).fit(members, labels)


# A candidate maps (members, labels, groups, training rows, held-out rows) to held-out probabilities.
Candidate = Callable[[FloatArray, FloatArray, IntArray, np.ndarray, np.ndarray], FloatArray]


def shipped_stack(
    members: FloatArray, labels: FloatArray, groups: IntArray, train: np.ndarray, valid: np.ndarray
) -> FloatArray:
    """The shipped form: one logistic regression on the members' log-odds."""
    probability: FloatArray = _stack(members[train], labels[train]).predict_proba(members[valid])[:, 1]
    return probability


def group_offsets(
    members: FloatArray, labels: FloatArray, groups: IntArray, train: np.ndarray, valid: np.ndarray
) -> FloatArray:
    """The stack with an intercept per group."""
    design = np.column_stack([members, np.eye(len(PARTITION))[groups][:, 1:]])
    probability: FloatArray = _stack(design[train], labels[train]).predict_proba(design[valid])[:, 1]
    return probability


def group_platt(
    members: FloatArray, labels: FloatArray, groups: IntArray, train: np.ndarray, valid: np.ndarray
) -> FloatArray:
    """Platt scaling per group (a slope and an intercept) of the stacked log-odds."""
    stack = _stack(members[train], labels[train])
    indicator = np.eye(len(PARTITION))[groups]
    design = np.column_stack([stack.decision_function(members)[:, None] * indicator, indicator])
    fitted = LogisticRegression(C=1e6, max_iter=5000, fit_intercept=False).fit(design[train], labels[train])
    probability: FloatArray = fitted.predict_proba(design[valid])[:, 1]
    return probability


def group_isotonic(
    members: FloatArray, labels: FloatArray, groups: IntArray, train: np.ndarray, valid: np.ndarray
) -> FloatArray:
    """Isotonic regression per group of the stacked log-odds."""
    stack = _stack(members[train], labels[train])
    log_odds = stack.decision_function(members)
    probability = np.zeros(len(valid))
    for group in range(len(PARTITION)):
        fit_rows, apply_rows = train[groups[train] == group], groups[valid] == group
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        probability[apply_rows] = isotonic.fit(log_odds[fit_rows], labels[fit_rows]).predict(
            log_odds[valid][apply_rows]
        )
    return probability


CANDIDATES: dict[str, Candidate] = {
    BASELINE: shipped_stack,
    "intercept per group": group_offsets,
    "Platt scaling per group": group_platt,
    "isotonic per group": group_isotonic,
}


def cross_fitted(
    candidate: Candidate, members: FloatArray, labels: FloatArray, groups: IntArray, folds: Folds
) -> FloatArray:
    probability = np.zeros(len(labels))
    for train, valid in folds:
        probability[valid] = candidate(members, labels, groups, train, valid)
    return probability


def _clipped(probability: FloatArray) -> FloatArray:
    # isotonic regression gives exact 0 and 1; log loss needs them finite
    clipped: FloatArray = np.clip(probability, 1e-6, 1 - 1e-6)
    return clipped


def scores(labels: IntArray, probability: FloatArray, masks: dict[str, np.ndarray]) -> dict[str, Any]:
    """Overall and per group: log loss, ECE, AUROC."""
    result: dict[str, Any] = {}
    for name, mask in {"all": np.ones(len(labels), dtype=bool), **masks}.items():
        result[name] = {
            "log_loss": float(log_loss(labels[mask], _clipped(probability[mask]), labels=[0, 1])),
            "ece": evaluation.expected_calibration_error(labels[mask], probability[mask]),
            "auroc": float(roc_auc_score(labels[mask], probability[mask])),
        }
    return result


def group_table(
    labels: IntArray, probability: FloatArray, masks: dict[str, np.ndarray], test_sizes: dict[str, int]
) -> dict[str, Any]:
    """Per group, for the card: ECE with a bootstrap interval and its chance level, calibration in the large,
    and how often a perfectly calibrated model would meet the target on as many rows as the test split has."""
    table: dict[str, Any] = {}
    for name, mask in masks.items():
        chosen, predicted = labels[mask], probability[mask]
        table[name] = {
            "n": int(mask.sum()),
            "positives": int(chosen.sum()),
            "mean_predicted": float(predicted.mean()),
            "prevalence": float(chosen.mean()),
            "ece": evaluation.expected_calibration_error(chosen, predicted),
            "ece_ci95": list(evaluation.bootstrap_ece_interval(chosen, predicted)),
            "ece_chance": evaluation.chance_ece(predicted),
            "auroc": float(roc_auc_score(chosen, predicted)),
            "test_n": test_sizes[name],
            "chance_target_met_at_test_n": chance_target_met(predicted, test_sizes[name], TARGET_GROUP_ECE),
        }
    return table


def chance_target_met(
    probabilities: FloatArray, rows: int, target: float, simulations: int = 2000, seed: int = 20240611
) -> float:
    """Share of samples of `rows` predictions (drawn from these) with labels drawn from the predictions
    themselves — a perfectly calibrated model — whose ECE is at most `target`."""
    generator = np.random.default_rng(seed)
    met = 0
    for _ in range(simulations):
        predicted = probabilities[generator.integers(0, len(probabilities), rows)]
        labels = (generator.uniform(size=rows) < predicted).astype(int)
        met += evaluation.expected_calibration_error(labels, predicted) <= target
    return met / simulations


def passes_rule(fresh: dict[str, list[dict[str, Any]]], name: str) -> tuple[bool, list[str]]:
    """ADR 0007's rule for one candidate against the shipped stack on the fresh seeds; the reasons it fails."""
    base, runs = fresh[BASELINE], fresh[name]
    reasons = []

    def mean(rows: list[dict[str, Any]], group: str, metric: str) -> float:
        return float(np.mean([row[group][metric] for row in rows]))

    if any(run["all"]["log_loss"] >= ref["all"]["log_loss"] for run, ref in zip(runs, base, strict=True)):
        reasons.append("overall log loss not lower in every fresh seed")
    reasons += [
        f"log loss not lower in {group}"
        for group in MISSED_GROUPS
        if mean(runs, group, "log_loss") >= mean(base, group, "log_loss")
    ]
    if mean(base, "all", "auroc") - mean(runs, "all", "auroc") > MAX_AUROC_LOSS:
        reasons.append("overall AUROC falls by more than 0.0005")
    reasons += [
        f"AUROC falls in {group}"
        for group in AUROC_GROUPS
        if mean(runs, group, "auroc") < mean(base, group, "auroc")
    ]
    reasons += [
        f"ECE rises by more than 0.005 in {group}"
        for group in CALIBRATION_GROUPS
        if mean(runs, group, "ece") - mean(base, group, "ece") > MAX_GROUP_ECE_RISE
    ]
    return not reasons, reasons

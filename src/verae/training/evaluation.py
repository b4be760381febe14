"""Metrics for a probability against a binary label: discrimination, calibration, operating points.

ECE uses ten equal-width probability bins weighted by their share of rows. Bootstrap intervals resample
rows with a fixed seed so the model card is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]
ECE_BINS = 10
BOOTSTRAP_SEED = 20240611


def expected_calibration_error(labels: IntArray, probabilities: FloatArray, bins: int = ECE_BINS) -> float:
    index = np.clip((probabilities * bins).astype(int), 0, bins - 1)
    total = 0.0
    for bin_number in range(bins):
        in_bin = index == bin_number
        if in_bin.any():
            gap = abs(probabilities[in_bin].mean() - labels[in_bin].mean())
            total += gap * in_bin.mean()
    return float(total)


def reliability_table(
    labels: IntArray, probabilities: FloatArray, bins: int = ECE_BINS
) -> list[dict[str, float]]:
    index = np.clip((probabilities * bins).astype(int), 0, bins - 1)
    table = []
    for bin_number in range(bins):
        in_bin = index == bin_number
        if in_bin.any():
            table.append(
                {
                    "bin_low": bin_number / bins,
                    "bin_high": (bin_number + 1) / bins,
                    "n": int(in_bin.sum()),
                    "mean_predicted": float(probabilities[in_bin].mean()),
                    "observed": float(labels[in_bin].mean()),
                }
            )
    return table


def rank_auroc(labels: IntArray, scores: FloatArray) -> float:
    """AUROC as the Mann-Whitney statistic (ties count half), equal to `roc_auc_score`; without its input
    checks it is ~50x faster, which the bootstrap's thousands of resamples per metric need."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    rank_sum = float(rankdata(scores)[labels == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def bootstrap_auroc_interval(
    labels: IntArray, scores: FloatArray, resamples: int = 1000, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """Percentile 95% interval of AUROC over row resamples (resamples with one class are skipped)."""
    generator = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        pick = generator.integers(0, len(labels), len(labels))
        sample = labels[pick]
        if 0 < sample.sum() < len(sample):
            values.append(rank_auroc(sample, scores[pick]))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def bootstrap_ece_interval(
    labels: IntArray, probabilities: FloatArray, resamples: int = 1000, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """Percentile 95% interval of the ECE over row resamples."""
    generator = np.random.default_rng(seed)
    values = [
        expected_calibration_error(labels[pick], probabilities[pick])
        for pick in (generator.integers(0, len(labels), len(labels)) for _ in range(resamples))
    ]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def discrimination(labels: IntArray, scores: FloatArray, interval: bool = True) -> dict[str, Any]:
    """AUROC (with a bootstrap interval) and AUPRC of any score where higher means more likely positive."""
    positives = int(labels.sum())
    result: dict[str, Any] = {"n": len(labels), "positives": positives, "prevalence": positives / len(labels)}
    if positives == 0 or positives == len(labels):
        result.update(auroc=None, auroc_ci95=None, auprc=None)
        return result
    result["auroc"] = float(roc_auc_score(labels, scores))
    result["auroc_ci95"] = list(bootstrap_auroc_interval(labels, scores)) if interval else None
    result["auprc"] = float(average_precision_score(labels, scores))
    return result


def chance_ece(probabilities: FloatArray, simulations: int = 200, seed: int = BOOTSTRAP_SEED) -> float:
    """The ECE a perfectly calibrated model would still show on this many rows (labels drawn from the
    predicted probabilities): the noise floor to read a small group's ECE against."""
    generator = np.random.default_rng(seed)
    draws = [
        expected_calibration_error(
            (generator.uniform(size=len(probabilities)) < probabilities).astype(int), probabilities
        )
        for _ in range(simulations)
    ]
    return float(np.mean(draws))


def probability_metrics(labels: IntArray, probabilities: FloatArray, interval: bool = True) -> dict[str, Any]:
    result = discrimination(labels, probabilities, interval)
    result["ece"] = expected_calibration_error(labels, probabilities)
    result["ece_chance"] = chance_ece(probabilities)
    result["brier"] = float(brier_score_loss(labels, probabilities))
    result["mean_predicted"] = float(probabilities.mean())
    return result


def operating_point(labels: IntArray, probabilities: FloatArray, threshold: float) -> dict[str, float | None]:
    """Sensitivity, specificity, PPV and NPV when "positive" means probability ≥ threshold."""
    flagged = probabilities >= threshold
    true_positive = int((flagged & (labels == 1)).sum())
    false_positive = int((flagged & (labels == 0)).sum())
    false_negative = int((~flagged & (labels == 1)).sum())
    true_negative = int((~flagged & (labels == 0)).sum())

    def ratio(numerator: int, denominator: int) -> float | None:
        return numerator / denominator if denominator else None

    return {
        "threshold": threshold,
        "flagged_share": float(flagged.mean()),
        "sensitivity": ratio(true_positive, true_positive + false_negative),
        "specificity": ratio(true_negative, true_negative + false_positive),
        "ppv": ratio(true_positive, true_positive + false_positive),
        "npv": ratio(true_negative, true_negative + false_negative),
    }


def tier_shares(
    probabilities: FloatArray, labels: IntArray, cutoffs: dict[str, float]
) -> list[dict[str, Any]]:
    """Per tier: share of rows and the observed rate of the label (cut-offs are probabilities)."""
    edges = [("HIGH", cutoffs["HIGH"], 1.01), ("WARNING", cutoffs["WARNING"], cutoffs["HIGH"])]
    edges += [("GRAY", cutoffs["GRAY"], cutoffs["WARNING"]), ("LOW", -0.01, cutoffs["GRAY"])]
    rows = []
    for tier, low, high in edges:
        in_tier = (probabilities >= low) & (probabilities < high)
        rows.append(
            {
                "tier": tier,
                "share": float(in_tier.mean()),
                "n": int(in_tier.sum()),
                "observed_rate": float(labels[in_tier].mean()) if in_tier.any() else None,
            }
        )
    return rows


def choose_tier_cutoffs(
    labels: IntArray, probabilities: FloatArray, gray_sensitivity: float, high_ppv: float
) -> dict[str, float]:
    """Cut-offs from validation predictions (probabilities), each with a stated purpose.

    GRAY starts at the highest cut-off that still flags `gray_sensitivity` of the positives, so LOW is a
    rule-out tier; WARNING starts at the cut-off with the best Youden index (sensitivity + specificity);
    HIGH starts at the lowest cut-off whose PPV (among everyone at or above it) is at least `high_ppv`.
    """
    order = np.argsort(-probabilities, kind="stable")
    sorted_probabilities = probabilities[order]
    sorted_labels = labels[order]
    true_positives = np.cumsum(sorted_labels)
    flagged = np.arange(1, len(labels) + 1)
    positives, negatives = sorted_labels.sum(), len(labels) - sorted_labels.sum()
    # evaluate only at the last row of each run of equal probabilities, where a cut-off can fall
    last_of_value = np.r_[sorted_probabilities[1:] != sorted_probabilities[:-1], True]
    sensitivity = (true_positives / positives)[last_of_value]
    specificity = (1 - (flagged - true_positives) / negatives)[last_of_value]
    ppv = (true_positives / flagged)[last_of_value]
    thresholds = sorted_probabilities[last_of_value]

    gray = float(thresholds[np.argmax(sensitivity >= gray_sensitivity)])
    warning = float(thresholds[np.argmax(sensitivity + specificity)])
    meets_ppv = np.flatnonzero(ppv >= high_ppv)
    high = float(thresholds[meets_ppv[-1]]) if meets_ppv.size else float(thresholds[0])
    high = max(high, warning)
    return {"HIGH": high, "WARNING": warning, "GRAY": min(gray, warning)}


def subgroup_masks(cohort: pd.DataFrame, anaemic: pd.Series) -> dict[str, pd.Series]:
    female = cohort["sex"] == 1.0
    age = cohort["age"]
    return {
        "men (18+)": ~female & (age >= 18),
        "women 12-49": female & (age >= 12) & (age < 50),
        "children 1-5": (age >= 1) & (age < 6),
        "age 65+": age >= 65,
        "anaemic": anaemic,
        "non-anaemic": ~anaemic,
    }

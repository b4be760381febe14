"""Calibration by group in cross-validation (issue 13, item 2; docs/decisions/0007).

Run: `uv run python bench/group_calibration.py [--card docs/model-card.json]` (about a minute and a
half: fifteen CatBoost fits of the shipped < 30 model's 253 trees). Reproduces the shipped < 30 head's out-of-fold
outputs on the development rows (training's folds and seeds; it fails unless the stack weights refitted on
them equal the shipped ones), then cross-fits each recalibration candidate of verae.training.calibration on
the exploration fold seeds (1, 2, 3) and the fresh seeds of the rule (11, 2024), applies the rule, measures
CatBoost trained with larger sample weights for children 1-5 and women 12-49 (training's folds), and
writes bench/results/group_calibration.json. With --card it also writes the figures into the card's data
file under `group_calibration` (render with `verae model card`). The test split is never scored.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from verae.risk.features import FEATURE_NAMES, FloatArray
from verae.risk.model import HEAD_STACKS, HEADS, RISK_ADDITIVE_FILE, RISK_FILE, RiskModel
from verae.training import calibration, nhanes
from verae.training.anaemia import calibration_groups
from verae.training.modelcard import write_card_section
from verae.training.training import (
    TrainingConfig,
    cross_validate,
    cross_validate_additive,
    fit_recalibration,
    folds_of,
    labels_for,
    new_catboost,
    split_test,
    with_masked_copies,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "group_calibration.json"
ARTIFACT = ROOT / "src" / "verae" / "risk" / "artifacts"
DATA = ROOT.parent / "shared" / "data" / "nhanes"
EXPLORATION_SEEDS = (1, 2, 3)
FRESH_SEEDS = (11, 2024)
# sample weights tried for the < 30 CatBoost model (children 1-5, women 12-49); exploration, training's folds
SAMPLE_WEIGHTS = ((3.0, 2.0), (5.0, 1.0))


def weighted_out_of_fold(
    matrix: FloatArray,
    labels: FloatArray,
    weights: FloatArray,
    config: TrainingConfig,
    iterations: int,
) -> FloatArray:
    """Out-of-fold log-odds of the < 30 CatBoost model trained as training does, but with sample weights."""
    columns = list(FEATURE_NAMES)
    out_of_fold = np.zeros(len(labels))
    for fold, (train, valid) in enumerate(folds_of(labels, config)):
        rows, target = with_masked_copies(matrix[train], labels[train], columns, config, config.seed + fold)
        model = new_catboost("classifier", config, iterations, config.seed + fold)
        # the masked copies follow their rows, so they carry the same weights
        model.fit(pd.DataFrame(rows, columns=columns), target, sample_weight=np.tile(weights[train], 2))
        out_of_fold[valid] = model.predict(
            pd.DataFrame(matrix[valid], columns=columns), prediction_type="RawFormulaVal"
        )
    return out_of_fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--card", type=Path, help="the card's data file to write `group_calibration` into")
    args = parser.parse_args()

    model = RiskModel.load(ARTIFACT)
    config = TrainingConfig(**model.metadata.training["config"])
    cohort = nhanes.load_cohort(args.data)
    is_test = split_test(cohort, config)
    dev = cohort[~is_test & nhanes.label_valid(cohort)]
    columns = list(FEATURE_NAMES)
    matrix = dev[columns].to_numpy(dtype=np.float64)
    labels = labels_for(dev, 30.0)
    # the shipped tree count: CV's argmin over a prefix holding the minimum is the same count, same trees
    iterations = model.metadata.training["iterations"][HEADS[0]]
    cv = cross_validate(
        matrix, labels, labels, columns, "classifier", replace(config, max_iterations=iterations)
    )
    raw = {
        RISK_FILE: cv.out_of_fold,
        RISK_ADDITIVE_FILE: cross_validate_additive(matrix, labels, columns, folds_of(labels, config)),
    }
    refitted = fit_recalibration(raw, labels)
    shipped = model.metadata.recalibration[HEADS[0]]
    for name in HEAD_STACKS[HEADS[0]]:
        if abs(refitted.weights[name] - shipped.weights[name]) > 1e-6:
            raise SystemExit(f"out-of-fold outputs not reproduced: {name} weight {refitted.weights[name]}")

    members = np.column_stack([raw[name] for name in HEAD_STACKS[HEADS[0]]])
    age, sex = dev["age"].to_numpy(), dev["sex"].to_numpy()
    groups = calibration.partition(age, sex)
    masks = {name: mask.to_numpy() for name, mask in calibration_groups(dev).items()}
    int_labels = labels.astype(int)
    # folds stratified by label and calibration group, so every group is in every fold
    strata = labels * len(calibration.PARTITION) + groups
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {"exploration": {}, "fresh": {}}
    for stage, seeds in (("exploration", EXPLORATION_SEEDS), ("fresh", FRESH_SEEDS)):
        for name, candidate in calibration.CANDIDATES.items():
            runs[stage][name] = [
                calibration.scores(
                    int_labels,
                    calibration.cross_fitted(
                        candidate, members, labels, groups, folds_of(strata, config, seed)
                    ),
                    masks,
                )
                for seed in seeds
            ]
    weighting: list[dict[str, Any]] = []
    for children, women in SAMPLE_WEIGHTS:
        weights = np.where(masks["children 1-5"], children, np.where(masks["women 12-49"], women, 1.0))
        weighted = np.column_stack(
            [weighted_out_of_fold(matrix, labels, weights, config, iterations), raw[RISK_ADDITIVE_FILE]]
        )
        probability = calibration.cross_fitted(
            calibration.shipped_stack, weighted, labels, groups, folds_of(labels, config)
        )
        weighting.append(
            {"children": children, "women_12_49": women} | calibration.scores(int_labels, probability, masks)
        )
    verdicts: dict[str, dict[str, Any]] = {}
    for name in calibration.CANDIDATES:
        if name != calibration.BASELINE:
            passes, reasons = calibration.passes_rule(runs["fresh"], name)
            verdicts[name] = {"passes": passes, "reasons": reasons}
    test = cohort[is_test & nhanes.label_valid(cohort)]
    test_sizes = {name: int(mask.sum()) for name, mask in calibration_groups(test).items()}
    shipped_probability = calibration.cross_fitted(
        calibration.shipped_stack, members, labels, groups, folds_of(labels, config)
    )
    summary = {
        stage: {
            name: {
                group: {
                    metric: float(np.mean([run[group][metric] for run in seed_runs]))
                    for metric in ("log_loss", "ece", "auroc")
                }
                for group in seed_runs[0]
            }
            for name, seed_runs in stage_runs.items()
        }
        for stage, stage_runs in runs.items()
    }
    result: dict[str, Any] = {
        "model_version": model.version,
        "n_development": len(dev),
        "seeds": {"exploration": list(EXPLORATION_SEEDS), "fresh": list(FRESH_SEEDS)},
        "shipped_out_of_fold": calibration.group_table(int_labels, shipped_probability, masks, test_sizes),
        "shipped_out_of_fold_all": calibration.scores(int_labels, shipped_probability, {})["all"],
        "sample_weights": weighting,
        "candidates": summary,
        "per_seed": runs,
        "verdicts": verdicts,
        "shipped": [name for name, verdict in verdicts.items() if verdict["passes"]],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for stage in ("exploration", "fresh"):
        print(f"{stage} seeds: log loss ×1000 / ECE / AUROC")
        for name, figures in summary[stage].items():
            cells = "  ".join(
                f"{group} {1000 * row['log_loss']:.1f} {row['ece']:.3f} {row['auroc']:.3f}"
                for group, row in figures.items()
            )
            print(f"  {name:24s} {cells}")
    for row in weighting:
        print(
            f"weights children x{row['children']:g}, women 12-49 x{row['women_12_49']:g}: AUROC "
            + "  ".join(f"{group} {row[group]['auroc']:.3f}" for group in ("all", *calibration.AUROC_GROUPS))
        )
    for name, verdict in verdicts.items():
        print(f"{name}: {'passes' if verdict['passes'] else 'fails: ' + '; '.join(verdict['reasons'])}")
    if args.card:
        write_card_section(
            args.card, "group_calibration", {key: value for key, value in result.items() if key != "per_seed"}
        )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

"""Among the anaemic: can a blood-count model tell iron deficiency from other anaemia better than MCV and
the Mentzer index? (issue 13, item 3; the rule is docs/decisions/0008, written before this was run.)

Run: `uv run python bench/anaemic_differential.py [--card docs/model-card.json]` (CatBoost on one thread;
6 to 10 minutes on this machine). Repeated stratified 5-fold cross-validation on the development rows
with a valid label (fold seeds 31, 32, 33): per fold, the shipped heads' members (the < 30 CatBoost and
additive models, the < 15 CatBoost model with its extra rows, at the shipped settings and tree counts),
the anaemia heads (CatBoost and additive, inputs plus the red-cell indices, anaemic rows weighted 5) and
the children's < 12 head are fitted on the training folds; every stack and calibration is cross-fitted.
Prints, per fold seed, the mean per-fold AUROC among the WHO-anaemic held-out rows of each candidate,
the shipped heads, MCV alone and the Mentzer index, the overall AUROC of the score that would be served,
the children 1-5 AUROC, and ADR 0008's verdicts; writes bench/results/anaemic_differential.json, and with
--card the figures into the card's data file under `anaemic_differential` (render with `verae model card`).
The test split is never scored.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from verae.risk.features import FEATURE_NAMES, FloatArray
from verae.risk.model import HEADS, RiskModel
from verae.training import evaluation, nhanes
from verae.training.additive import fit_additive
from verae.training.anaemia import MICROCYTIC_BELOW_FL, calibration_groups
from verae.training.modelcard import write_card_section
from verae.training.training import (
    TrainingConfig,
    cross_fitted_probability,
    labels_for,
    new_catboost,
    split_test,
    with_masked_copies,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "anaemic_differential.json"
ARTIFACT = ROOT / "src" / "verae" / "risk" / "artifacts"
DATA = ROOT.parent / "shared" / "data" / "nhanes"
FOLD_SEEDS = (31, 32, 33)
ANAEMIC_WEIGHT = 5.0
BOOTSTRAP_SEED = evaluation.BOOTSTRAP_SEED
INDICES = ("hb_minus_cutoff", "mentzer", "rdw_mcv", "rdw_index", "green_king", "england_fraser")
# ratios entered on a log scale in candidate 4's logistic regression
LOG_INDICES = ("mentzer", "rdw_mcv", "rdw_index", "green_king")
# ADR 0008's bar
MIN_GAIN = 0.05
MAX_OVERALL_LOSS = 0.0005
CHILDREN_TARGET = 0.70
THRESHOLD = {HEADS[0]: 30.0, HEADS[1]: 15.0}
SHORT = {HEADS[0]: "< 30", HEADS[1]: "< 15"}
CANDIDATES = {
    "catboost": "1. anaemia head, CatBoost (inputs + indices, anaemic rows × 5)",
    "additive": "2. anaemia head, additive spline model (same inputs and weights)",
    "both": "3. anaemia heads 1 and 2 stacked",
    "members_indices": "4. shipped members stacked with the indices",
}
Folds = list[tuple[np.ndarray, np.ndarray]]


def with_indices(frame: pd.DataFrame) -> pd.DataFrame:
    """The inputs plus the red-cell indices; a missing input leaves its indices missing."""
    hb_g_dl = frame["hemoglobin"] / 10.0
    mcv, rbc, rdw = frame["mcv"], frame["rbc"], frame["rdw_cv"]
    result = frame[list(FEATURE_NAMES)].copy()
    result["hb_minus_cutoff"] = frame["hemoglobin"] - nhanes.anaemia_cutoff_g_l(frame)
    result["mentzer"] = mcv / rbc
    result["rdw_mcv"] = rdw / mcv
    result["rdw_index"] = mcv * rdw / rbc
    result["green_king"] = mcv**2 * rdw / (100.0 * hb_g_dl)
    result["england_fraser"] = mcv - rbc - 5.0 * hb_g_dl - 3.4
    return result


def indexed_matrix(matrix: FloatArray) -> FloatArray:
    return with_indices(pd.DataFrame(matrix, columns=list(FEATURE_NAMES))).to_numpy(dtype=np.float64)


def anaemic_weights(matrix: FloatArray) -> FloatArray:
    frame = pd.DataFrame(matrix, columns=list(FEATURE_NAMES))
    return np.where(nhanes.anaemic(frame).to_numpy(), ANAEMIC_WEIGHT, 1.0)


def catboost_log_odds(
    train: tuple[FloatArray, FloatArray],
    valid: FloatArray,
    config: TrainingConfig,
    iterations: int,
    seed: int,
    anaemia_head: bool = False,
) -> FloatArray:
    """A CatBoost fit as training's folds make it (one masked copy per row, seeds seed + fold) and its
    held-out log-odds; an anaemia head also sees the indices (computed after masking, so a blanked input
    blanks its indices) and weighs anaemic rows ANAEMIC_WEIGHT."""
    columns = list(FEATURE_NAMES)
    rows, target = with_masked_copies(*train, columns, config, seed)
    weights = anaemic_weights(rows) if anaemia_head else None
    if anaemia_head:
        rows, valid, columns = indexed_matrix(rows), indexed_matrix(valid), [*columns, *INDICES]
    model = new_catboost("classifier", config, iterations, seed)
    model.fit(pd.DataFrame(rows, columns=columns), target, sample_weight=weights)
    predicted: FloatArray = model.predict(
        pd.DataFrame(valid, columns=columns), prediction_type="RawFormulaVal"
    )
    return predicted


def fold_auroc(labels: FloatArray, score: FloatArray, folds: Folds, mask: np.ndarray) -> list[float]:
    return [float(roc_auc_score(labels[valid][mask[valid]], score[valid][mask[valid]])) for _, valid in folds]


def restricted(folds: Folds, mask: np.ndarray) -> Folds:
    """The folds in the index space of the rows in `mask`."""
    position = np.cumsum(mask) - 1
    return [(position[train[mask[train]]], position[valid[mask[valid]]]) for train, valid in folds]


def cross_fitted_lr(design: FloatArray, labels: FloatArray, folds: Folds) -> FloatArray:
    """Candidate 4's penalised logistic regression (C = 1, standardised inputs), cross-fitted."""
    probability = np.zeros(len(labels))
    for train, valid in folds:
        fitted = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
        fitted.fit(design[train], labels[train])
        probability[valid] = fitted.predict_proba(design[valid])[:, 1]
    return probability


def oriented_mentzer(
    labels: FloatArray, mentzer: FloatArray, folds: Folds, anaemic: np.ndarray
) -> FloatArray:
    """The Mentzer index signed, per fold, in the direction that ranks better on the training folds'
    anaemic rows (ADR 0008: the stricter comparator)."""
    score = np.zeros(len(labels))
    for train, valid in folds:
        rows = train[anaemic[train]]
        sign = 1.0 if roc_auc_score(labels[rows], mentzer[rows]) >= 0.5 else -1.0
        score[valid] = sign * mentzer[valid]
    return score


def paired_gain(
    labels: FloatArray, mine: FloatArray, theirs: FloatArray, resamples: int = 1000
) -> dict[str, Any]:
    """AUROC(mine) − AUROC(theirs) on the same rows, with a paired bootstrap 95% interval."""
    generator = np.random.default_rng(BOOTSTRAP_SEED)
    gains = []
    for _ in range(resamples):
        pick = generator.integers(0, len(labels), len(labels))
        if 0 < labels[pick].sum() < len(pick):
            gains.append(roc_auc_score(labels[pick], mine[pick]) - roc_auc_score(labels[pick], theirs[pick]))
    low, high = np.percentile(gains, [2.5, 97.5])
    gain = roc_auc_score(labels, mine) - roc_auc_score(labels, theirs)
    return {"gain": float(gain), "ci95": [float(low), float(high)]}


def pooled_shipped(labels: FloatArray, scores: dict[str, FloatArray], mask: np.ndarray) -> dict[str, Any]:
    """The shipped head among `mask`, out of fold and pooled over the folds: AUROC of each score (with a
    bootstrap interval), and the shipped head's gain over each comparator with a paired interval."""
    y = labels[mask].astype(int)
    return {
        "auroc": {name: evaluation.discrimination(y, score[mask]) for name, score in scores.items()},
        "shipped_gain": {
            name: paired_gain(y, scores["shipped"][mask], score[mask])
            for name, score in scores.items()
            if name != "shipped"
        },
    }


def run_seed(
    seed: int,
    dev: pd.DataFrame,
    extra15: pd.DataFrame,
    config: TrainingConfig,
    trees: dict[str, int],
) -> dict[str, Any]:
    columns = list(FEATURE_NAMES)
    matrix = dev[columns].to_numpy(dtype=np.float64)
    labels = {head: labels_for(dev, THRESHOLD[head]) for head in HEADS}
    below12 = labels_for(dev, 12.0)
    anaemic = nhanes.anaemic(dev).to_numpy()
    children = calibration_groups(dev)["children 1-5"].to_numpy()
    strata = anaemic * 3 + labels[HEADS[0]] + labels[HEADS[1]]
    splitter = StratifiedKFold(config.folds, shuffle=True, random_state=seed)
    folds: Folds = list(splitter.split(np.zeros(len(strata)), strata))
    extra_matrix = extra15[columns].to_numpy(dtype=np.float64)
    extra_labels = labels_for(extra15, 15.0)
    depleted = replace(config, learning_rate=config.depleted_learning_rate)
    raw = {
        name: np.zeros(len(dev))
        for name in ("cb30", "add30", "cb15", "head_cb30", "head_cb15", "head_add30", "head_add15", "cb12")
    }
    indexed = with_indices(dev).to_numpy(dtype=np.float64)
    index_columns = [*columns, *INDICES]
    weights = np.where(anaemic, ANAEMIC_WEIGHT, 1.0)
    for fold, (train, valid) in enumerate(folds):
        fold_seed = config.seed + fold
        with_extra = (
            np.vstack([matrix[train], extra_matrix]),
            np.concatenate([labels[HEADS[1]][train], extra_labels]),
        )
        raw["cb30"][valid] = catboost_log_odds(
            (matrix[train], labels[HEADS[0]][train]), matrix[valid], config, trees[HEADS[0]], fold_seed
        )
        raw["cb15"][valid] = catboost_log_odds(
            with_extra, matrix[valid], depleted, trees[HEADS[1]], fold_seed
        )
        raw["head_cb30"][valid] = catboost_log_odds(
            (matrix[train], labels[HEADS[0]][train]), matrix[valid], config, trees[HEADS[0]], fold_seed, True
        )
        raw["head_cb15"][valid] = catboost_log_odds(
            with_extra, matrix[valid], depleted, trees[HEADS[1]], fold_seed, True
        )
        raw["cb12"][valid] = catboost_log_odds(
            (matrix[train], below12[train]), matrix[valid], config, trees[HEADS[0]], fold_seed
        )
        raw["add30"][valid] = fit_additive(matrix[train], labels[HEADS[0]][train], columns).log_odds(
            matrix[valid]
        )
        for head, name in ((HEADS[0], "head_add30"), (HEADS[1], "head_add15")):
            fitted = fit_additive(indexed[train], labels[head][train], index_columns, weights[train])
            raw[name][valid] = fitted.log_odds(indexed[valid])
        print(f"  seed {seed} fold {fold + 1}/{config.folds} fitted", flush=True)

    members = {HEADS[0]: ("cb30", "add30"), HEADS[1]: ("cb15", "cb30")}
    heads = {HEADS[0]: ("head_cb30", "head_add30"), HEADS[1]: ("head_cb15", "head_add15")}
    anaemic_folds = restricted(folds, anaemic)
    mcv = dev["mcv"].to_numpy()
    mentzer = (dev["mcv"] / dev["rbc"]).to_numpy()
    index_design = with_indices(dev)[list(INDICES)].copy()
    for name in LOG_INDICES:
        index_design[name] = np.log(index_design[name])
    result: dict[str, Any] = {}
    for head in HEADS:
        y = labels[head]
        shipped = cross_fitted_probability({name: raw[name] for name in members[head]}, y, folds)
        cb_head, add_head = heads[head]
        ya = y[anaemic]
        among_anaemic = {
            "catboost": cross_fitted_probability({cb_head: raw[cb_head][anaemic]}, ya, anaemic_folds),
            "additive": cross_fitted_probability({add_head: raw[add_head][anaemic]}, ya, anaemic_folds),
            "both": cross_fitted_probability(
                {name: raw[name][anaemic] for name in heads[head]}, ya, anaemic_folds
            ),
            "members_indices": cross_fitted_lr(
                np.column_stack([*(raw[name] for name in members[head]), index_design.to_numpy()])[anaemic],
                ya,
                anaemic_folds,
            ),
        }
        scores: dict[str, FloatArray] = {
            "shipped": shipped,
            "MCV alone": -mcv,
            "Mentzer (published direction)": mentzer,
            "Mentzer (oriented)": oriented_mentzer(y, mentzer, folds, anaemic),
        }
        served: dict[str, FloatArray] = {}
        for name, probability in among_anaemic.items():
            full = shipped.copy()
            full[anaemic] = probability
            scores[name] = full
            served[name] = full
        everyone = np.ones(len(dev), dtype=bool)
        comparators = {
            name: scores[name] for name in ("shipped", "MCV alone", "Mentzer (published direction)")
        }
        result[head] = {
            "pooled": {
                "anaemic": pooled_shipped(y, comparators, anaemic),
                "microcytic anaemic": pooled_shipped(y, comparators, anaemic & (mcv < MICROCYTIC_BELOW_FL)),
            },
            "anaemic": {name: fold_auroc(y, score, folds, anaemic) for name, score in scores.items()},
            "overall": {
                name: fold_auroc(y, score, folds, everyone)
                for name, score in {"shipped": shipped, **served}.items()
            },
        }
    # children 1-5: the < 12 head stacked with the shipped < 30 members among children (ADR 0008)
    y30 = labels[HEADS[0]]
    shipped30 = cross_fitted_probability({name: raw[name] for name in members[HEADS[0]]}, y30, folds)
    children_folds = restricted(folds, children)
    stacked = shipped30.copy()
    stacked[children] = cross_fitted_probability(
        {name: raw[name][children] for name in ("cb30", "add30", "cb12")}, y30[children], children_folds
    )
    result["children 1-5"] = {
        name: {
            "pooled_auroc": float(roc_auc_score(y30[children], score[children])),
            "fold_auroc": fold_auroc(y30, score, folds, children),
            "overall_fold_auroc": fold_auroc(y30, score, folds, np.ones(len(dev), dtype=bool)),
        }
        for name, score in (("shipped", shipped30), ("< 12 head stacked", stacked))
    }
    result["n_anaemic"] = int(anaemic.sum())
    result["n_anaemic_positives"] = {head: int(labels[head][anaemic].sum()) for head in HEADS}
    return result


def verdicts(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """ADR 0008's bar for each candidate, from the per-seed mean per-fold AUROCs."""

    def seed_means(head: str, part: str, name: str) -> list[float]:
        return [statistics.fmean(run[head][part][name]) for run in per_seed]

    out: dict[str, Any] = {}
    for name in CANDIDATES:
        reasons, gains = [], []
        for head in HEADS:
            mine = seed_means(head, "anaemic", name)
            for comparator in ("MCV alone", "Mentzer (oriented)"):
                gain = [a - b for a, b in zip(mine, seed_means(head, "anaemic", comparator), strict=True)]
                gains += gain if comparator == "MCV alone" else []
                if min(gain) < MIN_GAIN:
                    reasons.append(
                        f"{SHORT[head]}: gain over {comparator} below {MIN_GAIN} in a seed "
                        f"({', '.join(f'{value:+.3f}' for value in gain)})"
                    )
            shipped = seed_means(head, "anaemic", "shipped")
            if statistics.fmean(mine) <= statistics.fmean(shipped):
                reasons.append(
                    f"{SHORT[head]}: not above the shipped head among the anaemic "
                    f"({statistics.fmean(mine):.3f} vs {statistics.fmean(shipped):.3f})"
                )
            loss = statistics.fmean(seed_means(head, "overall", "shipped")) - statistics.fmean(
                seed_means(head, "overall", name)
            )
            if loss > MAX_OVERALL_LOSS:
                reasons.append(f"{SHORT[head]}: overall AUROC falls by {loss:.4f}")
        out[name] = {"passes": not reasons, "reasons": reasons, "smallest_gain_over_mcv": min(gains)}
    children = [run["children 1-5"] for run in per_seed]
    child_reasons = []
    if min(run["< 12 head stacked"]["pooled_auroc"] for run in children) < CHILDREN_TARGET:
        child_reasons.append(f"children 1-5 AUROC below {CHILDREN_TARGET} in a seed")
    overall_loss = statistics.fmean(
        statistics.fmean(run["shipped"]["overall_fold_auroc"]) for run in children
    ) - statistics.fmean(statistics.fmean(run["< 12 head stacked"]["overall_fold_auroc"]) for run in children)
    if overall_loss > MAX_OVERALL_LOSS:
        child_reasons.append(f"overall AUROC falls by {overall_loss:.4f}")
    out["children < 12 head"] = {"passes": not child_reasons, "reasons": child_reasons}
    return out


def shipped_bar(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """The bar's first point for the shipped heads themselves: their gain among the anaemic over MCV alone
    and the oriented Mentzer index, per fold seed (mean per-fold) and in the worst single fold."""
    bar: dict[str, Any] = {}
    for head in HEADS:
        for comparator in ("MCV alone", "Mentzer (oriented)"):
            folds = [
                [
                    mine - theirs
                    for mine, theirs in zip(
                        run[head]["anaemic"]["shipped"], run[head]["anaemic"][comparator], strict=True
                    )
                ]
                for run in per_seed
            ]
            bar.setdefault(head, {})[comparator] = {
                "by_seed": [statistics.fmean(gains) for gains in folds],
                "smallest_fold": min(min(gains) for gains in folds),
            }
        bar[head]["clears"] = all(min(row["by_seed"]) >= MIN_GAIN for row in bar[head].values())
    return bar


def summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """Per label and score: the mean per-fold AUROC in each fold seed, and their mean."""
    table: dict[str, Any] = {}
    for head in HEADS:
        for part in ("anaemic", "overall"):
            for name in per_seed[0][head][part]:
                by_seed = [statistics.fmean(run[head][part][name]) for run in per_seed]
                table.setdefault(head, {}).setdefault(part, {})[name] = {
                    "mean": statistics.fmean(by_seed),
                    "by_seed": by_seed,
                }
    table["children 1-5"] = {
        name: {
            "pooled_by_seed": [run["children 1-5"][name]["pooled_auroc"] for run in per_seed],
            "fold_mean_by_seed": [
                statistics.fmean(run["children 1-5"][name]["fold_auroc"]) for run in per_seed
            ],
            "overall_by_seed": [
                statistics.fmean(run["children 1-5"][name]["overall_fold_auroc"]) for run in per_seed
            ],
        }
        for name in per_seed[0]["children 1-5"]
    }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--card", type=Path, help="the card's data file to write `anaemic_differential` into")
    parser.add_argument("--seeds", default=",".join(map(str, FOLD_SEEDS)), help="comma-separated fold seeds")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]

    model = RiskModel.load(ARTIFACT)
    config = replace(TrainingConfig(**model.metadata.training["config"]), thread_count=1)
    trees = {head: int(model.metadata.training["iterations"][head]) for head in HEADS}
    cohort = nhanes.load_cohort(args.data)
    is_test = split_test(cohort, config)
    dev = cohort[~is_test & nhanes.label_valid(cohort)]
    extra15 = pd.concat(
        [cohort[~is_test & nhanes.without_crp(cohort)], nhanes.load_nhanes_1999(args.data)], ignore_index=True
    )[[*FEATURE_NAMES, "ferritin"]]
    print(
        f"{len(dev)} development rows, {int(nhanes.anaemic(dev).sum())} anaemic; fold seeds {seeds}; 1 thread"
    )
    started = time.perf_counter()
    per_seed = [run_seed(seed, dev, extra15, config, trees) for seed in seeds]
    table, verdict = summary(per_seed), verdicts(per_seed)
    for head in HEADS:
        for part in ("anaemic", "overall"):
            print(f"{SHORT[head]} {part}: mean per-fold AUROC (per fold seed)")
            for name, row in table[head][part].items():
                seeds_text = ", ".join(f"{value:.3f}" for value in row["by_seed"])
                print(f"  {name:34s} {row['mean']:.4f}  ({seeds_text})")
    for head in HEADS:
        for group, pooled in per_seed[0][head]["pooled"].items():
            gains = "; ".join(
                f"over {name} {row['gain']:+.3f} ({row['ci95'][0]:+.3f} to {row['ci95'][1]:+.3f})"
                for name, row in pooled["shipped_gain"].items()
            )
            shipped = pooled["auroc"]["shipped"]
            print(
                f"{SHORT[head]} {group}, seed {seeds[0]}, pooled: shipped {shipped['auroc']:.3f} "
                f"(n {shipped['n']}, {shipped['positives']} positive); gain {gains}"
            )
    for name, row in table["children 1-5"].items():
        print(
            f"children 1-5 {name}: pooled AUROC {', '.join(f'{v:.3f}' for v in row['pooled_by_seed'])}; "
            f"overall {', '.join(f'{v:.4f}' for v in row['overall_by_seed'])}"
        )
    for name, row in verdict.items():
        print(f"{name}: {'PASSES' if row['passes'] else 'fails: ' + '; '.join(row['reasons'])}")
    result: dict[str, Any] = {
        "model_version": model.version,
        "fold_seeds": seeds,
        "folds": config.folds,
        "anaemic_weight": ANAEMIC_WEIGHT,
        "n_development": len(dev),
        "n_anaemic": per_seed[0]["n_anaemic"],
        "n_anaemic_positives": per_seed[0]["n_anaemic_positives"],
        "candidates": CANDIDATES,
        "summary": table,
        "verdicts": verdict,
        "shipped_bar": shipped_bar(per_seed),
        "pooled_first_seed": {head: per_seed[0][head]["pooled"] for head in HEADS},
        "shipped": [name for name, row in verdict.items() if row["passes"]],
        "catboost": catboost.__version__,
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - started),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result | {"per_seed": per_seed}, indent=2) + "\n", encoding="utf-8")
    if args.card:
        write_card_section(args.card, "anaemic_differential", result)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

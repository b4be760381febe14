"""Model selection: the candidate changes of the model card's table, in repeated cross-validation.

Run: `uv run python bench/model_selection.py` (all candidates, fold seeds 20240611, 7, 99; about 15 to
30 minutes on one thread). Prints each candidate's mean per-fold AUROC for ferritin < 30 and < 15 per fold
seed and on average, which candidates pass the decision rule per head, and writes
bench/results/model_selection.json. The confirmation run of the rule uses fresh fold seeds:
`uv run python bench/model_selection.py --candidates chosen --seeds 11,2024`.

Only development rows with a valid label are validated on; the test split is never scored. Extra rows
(no hs-CRP result, inflamed, other NHANES cycles) only ever enter training folds. Each candidate is one
change to catboost-v1's settings (TrainingConfig, except the < 15 model's learning rate); the baseline
always runs, since the rule compares with it. Models keep the seeds of training (seed + fold) whatever the
fold seed, so only the folds change between fold seeds. Thread count can change CatBoost's trees
slightly; the card's figures were measured with 1 thread. The third round's candidates (additive*, v2*)
stack the additive spline model (risk/additive.py), fitted on the same training folds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from verae.risk.features import FEATURE_NAMES, FloatArray
from verae.risk.model import HEADS
from verae.risk.rules import anaemia_threshold_g_l
from verae.training import nhanes
from verae.training.training import (
    THRESHOLDS,
    ExtraRows,
    TrainingConfig,
    cross_fitted_probability,
    cross_validate,
    cross_validate_additive,
    folds_of,
    labels_for,
    split_test,
)

RESULTS = Path(__file__).parent / "results" / "model_selection.json"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nhanes"
SELECTION_SEEDS = (20240611, 7, 99)
# the selection runs' cap; every chosen tree count stayed below 600, and it halves the time of training's 1500
MAX_ITERATIONS = 800
# decision rule (docs/model-card.md, "How these were chosen")
MIN_GAIN = 0.001
MAX_OTHER_HEAD_LOSS = 0.0005
LOG_FERRITIN = "log10_ferritin"
SHORT = {HEADS[0]: "< 30", HEADS[1]: "< 15"}
DERIVED = ("mentzer", "rdw_mcv", "rdw_index", "hb_below_anaemia_cutoff")


@dataclass(frozen=True)
class Model:
    """One cross-validated model: its target (a head's label, or log10 ferritin for a regressor),
    settings, extra training rows, whether it sees the derived features, and whether it is CatBoost or
    the additive spline model (same inputs, development rows only)."""

    target: str
    config: TrainingConfig
    extras: tuple[str, ...] = ()
    derived: bool = False
    additive: bool = False


@dataclass(frozen=True)
class Candidate:
    """A row of the card's table: per head, the models whose out-of-fold outputs make its score (two or
    more are stacked by a cross-fitted logistic regression, as training stacks its heads)."""

    description: str
    heads: dict[str, tuple[Model, ...]]


def candidates(base: TrainingConfig) -> dict[str, Candidate]:
    def each_head(
        description: str,
        changes: dict[str, Any] | None = None,
        extras: tuple[str, ...] = (),
        derived: bool = False,
    ) -> Candidate:
        config = replace(base, **(changes or {}))
        return Candidate(description, {head: (Model(head, config, extras, derived),) for head in HEADS})

    plain = {head: Model(head, base) for head in HEADS}
    additive = {head: Model(head, base, additive=True) for head in HEADS}
    depleted_v2 = Model(
        HEADS[1], replace(base, learning_rate=base.depleted_learning_rate), extras=("no_crp", "adults_1999")
    )
    regressor = Model(LOG_FERRITIN, base)
    return {
        "baseline": each_head("catboost-v1 settings (baseline)"),
        "derived": each_head(
            "+ derived features (Mentzer, RDW/MCV, RDW index, Hb minus anaemia cut-off)", derived=True
        ),
        "no_crp_rows": each_head(
            "+ training rows without an hs-CRP result (non-pregnant)", extras=("no_crp",)
        ),
        "inflamed_low": each_head(
            "+ inflamed participants with ferritin < 30 (positives only)", extras=("inflamed_low",)
        ),
        "women_2005_2016": each_head(
            "+ NHANES 2005-10 / 2015-16 women 18-45 (hemoglobin, BMI only)", extras=("women_2005_2016",)
        ),
        "adults_1999": each_head("+ NHANES 1999-2000 adults (hemoglobin, RDW, WBC)", extras=("adults_1999",)),
        "depth4": each_head("depth 4", changes={"depth": 4}),
        "depth6": each_head("depth 6", changes={"depth": 6}),
        "lr003": each_head("learning rate 0.03 (more trees)", changes={"learning_rate": 0.03}),
        "l2_3": each_head("L2 3", changes={"l2_leaf_reg": 3.0}),
        "l2_30": each_head("L2 30", changes={"l2_leaf_reg": 30.0}),
        "copies0": each_head("no masked copies", changes={"masked_copies": 0}),
        "copies2": each_head("2 masked copies", changes={"masked_copies": 2}),
        "regressor": Candidate("log-ferritin regressor as the score", dict.fromkeys(HEADS, (regressor,))),
        "stack30": Candidate(
            "< 30 head stacked with the log-ferritin regressor",
            {HEADS[0]: (plain[HEADS[0]], regressor), HEADS[1]: (plain[HEADS[1]],)},
        ),
        "stack15": Candidate(
            "< 15 head stacked with the < 30 model",
            {HEADS[0]: (plain[HEADS[0]],), HEADS[1]: (plain[HEADS[1]], plain[HEADS[0]])},
        ),
        "additive30": Candidate(
            "< 30 head stacked with the additive spline model",
            {HEADS[0]: (plain[HEADS[0]], additive[HEADS[0]]), HEADS[1]: (plain[HEADS[1]],)},
        ),
        "additive15": Candidate(
            "< 15 head stacked with the additive spline model",
            {HEADS[0]: (plain[HEADS[0]],), HEADS[1]: (plain[HEADS[1]], additive[HEADS[1]])},
        ),
        # catboost-v2: the < 15 model with every change kept in the first round, stacked with the < 30 model
        "v2": Candidate(
            "catboost-v2 combination",
            {HEADS[0]: (plain[HEADS[0]],), HEADS[1]: (depleted_v2, plain[HEADS[0]])},
        ),
        "v2_additive15": Candidate(
            "catboost-v2 with the < 15 head also stacked on the additive < 15 model",
            {HEADS[0]: (plain[HEADS[0]],), HEADS[1]: (depleted_v2, plain[HEADS[0]], additive[HEADS[1]])},
        ),
        "v2_additive30": Candidate(
            "catboost-v2 with the < 15 head also stacked on the additive < 30 model",
            {HEADS[0]: (plain[HEADS[0]],), HEADS[1]: (depleted_v2, plain[HEADS[0]], additive[HEADS[0]])},
        ),
        # what `verae model train` ships: catboost-v2, with the < 30 head also stacked on the additive model
        # (on top of catboost-v2's < 15 stack the additive models gain too little: v2_additive15/30)
        "chosen": Candidate(
            "chosen combination",
            {HEADS[0]: (plain[HEADS[0]], additive[HEADS[0]]), HEADS[1]: (depleted_v2, plain[HEADS[0]])},
        ),
    }


def women_2005_2016(data_dir: Path) -> pd.DataFrame:
    """Non-pregnant women 18-45 from processed_data.csv (see SOURCES.md) without the 2017-2018 (J) cycle,
    whose participants may also be in the P_ files and so in the test split."""
    raw = pd.read_csv(data_dir / "processed_data.csv")
    raw = raw[(raw["cycle_year"] != "2017-2018") & (raw["RIDEXPRG"] != 1)].reset_index(drop=True)
    rows = pd.DataFrame(np.nan, index=raw.index, columns=[*FEATURE_NAMES, "ferritin"])
    rows["sex"] = 1.0
    rows["age"] = raw["RIDAGEYR"]
    rows["hemoglobin"] = raw["LBXHGB"] * 10.0
    rows["bmi"] = raw["BMXBMI"]
    rows["ferritin"] = raw["LBXFER"]
    return rows


def with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    derived = frame.copy()
    derived["mentzer"] = frame["mcv"] / frame["rbc"]
    derived["rdw_mcv"] = frame["rdw_cv"] / frame["mcv"]
    derived["rdw_index"] = frame["mcv"] * frame["rdw_cv"] / frame["rbc"]
    cutoffs = [
        anaemia_threshold_g_l("female" if sex == 1.0 else "male", age)
        for sex, age in zip(frame["sex"], frame["age"], strict=True)
    ]
    derived["hb_below_anaemia_cutoff"] = frame["hemoglobin"] - np.array(cutoffs)
    return derived


class Selection:
    """The development rows, the extra-row sources, and every model's out-of-fold output once per fold
    seed (stacked candidates reuse the baseline's)."""

    def __init__(self, data_dir: Path, config: TrainingConfig) -> None:
        cohort = nhanes.load_cohort(data_dir)
        non_test = cohort[~split_test(cohort, config)]
        self.config = config
        self.dev = non_test[nhanes.label_valid(non_test)]
        self.strata = labels_for(self.dev, 30.0)
        self._extra_sources: dict[str, Callable[[], pd.DataFrame]] = {
            "no_crp": lambda: non_test[nhanes.without_crp(non_test)],
            "inflamed_low": lambda: non_test[nhanes.inflamed(non_test) & (non_test["ferritin"] < 30.0)],
            "women_2005_2016": lambda: women_2005_2016(data_dir),
            "adults_1999": lambda: nhanes.load_nhanes_1999(data_dir),
        }
        self._out_of_fold: dict[tuple[Model, int], tuple[FloatArray, int]] = {}

    def head_labels(self, head: str) -> FloatArray:
        return labels_for(self.dev, THRESHOLDS[head])

    def folds(self, fold_seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return folds_of(self.strata, self.config, fold_seed)

    def out_of_fold(self, model: Model, fold_seed: int) -> tuple[FloatArray, int]:
        """A model's out-of-fold score (higher = lower ferritin) and its tree count."""
        key = (model, fold_seed)
        if key not in self._out_of_fold and model.additive:
            self._out_of_fold[key] = (self._additive_out_of_fold(model, fold_seed), 0)
        if key not in self._out_of_fold:
            columns = [*FEATURE_NAMES, *(DERIVED if model.derived else ())]
            extra = None
            if model.extras:
                rows = pd.concat([self._extra_sources[name]() for name in model.extras], ignore_index=True)
                rows = with_derived(rows) if model.derived else rows
                extra = ExtraRows(rows[columns].to_numpy(dtype=np.float64), self._target(model, rows))
            frame = with_derived(self.dev) if model.derived else self.dev
            cv = cross_validate(
                frame[columns].to_numpy(dtype=np.float64),
                self._target(model, self.dev),
                self.strata,
                columns,
                "regressor" if model.target == LOG_FERRITIN else "classifier",
                model.config,
                extra,
                fold_seed=fold_seed,
            )
            score = -cv.out_of_fold if model.target == LOG_FERRITIN else cv.out_of_fold
            self._out_of_fold[key] = (score, cv.iterations)
        return self._out_of_fold[key]

    def _additive_out_of_fold(self, model: Model, fold_seed: int) -> FloatArray:
        matrix = self.dev[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
        target = self._target(model, self.dev)
        return cross_validate_additive(matrix, target, list(FEATURE_NAMES), self.folds(fold_seed))

    @staticmethod
    def _target(model: Model, rows: pd.DataFrame) -> FloatArray:
        if model.target == LOG_FERRITIN:
            return np.asarray(np.log10(rows["ferritin"].to_numpy()), dtype=np.float64)
        return labels_for(rows, THRESHOLDS[model.target])

    def head_auroc(self, models: tuple[Model, ...], head: str, fold_seed: int) -> tuple[float, list[int]]:
        """Mean per-fold AUROC of a head's score for one fold seed, and the models' tree counts."""
        labels, folds = self.head_labels(head), self.folds(fold_seed)
        outputs = [self.out_of_fold(model, fold_seed) for model in models]
        score = outputs[0][0]
        if len(outputs) > 1:
            score = cross_fitted_probability(
                {str(position): output for position, (output, _) in enumerate(outputs)}, labels, folds
            )
        fold_auroc = [float(roc_auc_score(labels[valid], score[valid])) for _, valid in folds]
        return statistics.fmean(fold_auroc), [iterations for _, iterations in outputs]


def rule_verdict(result: dict[str, Any], baseline: dict[str, Any], head: str) -> dict[str, Any]:
    """Kept for a head if the mean gain is ≥ MIN_GAIN, the gain is positive for every fold seed, and the
    other head loses no more than MAX_OTHER_HEAD_LOSS; on the unrounded figures."""
    (other,) = (name for name in HEADS if name != head)
    gains = [
        mine - theirs for mine, theirs in zip(result[head]["by_seed"], baseline[head]["by_seed"], strict=True)
    ]
    other_loss = baseline[other]["mean"] - result[other]["mean"]
    return {
        "gain": statistics.fmean(gains),
        "gain_by_seed": gains,
        "other_head_loss": other_loss,
        "passes": statistics.fmean(gains) >= MIN_GAIN
        and min(gains) > 0
        and other_loss <= MAX_OTHER_HEAD_LOSS,
    }


def main() -> None:
    available = candidates(TrainingConfig())
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--candidates",
        default=",".join(available),
        help=f"comma-separated, from: {', '.join(available)} (baseline always runs)",
    )
    parser.add_argument(
        "--seeds", default=",".join(map(str, SELECTION_SEEDS)), help="comma-separated fold seeds"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="CatBoost threads (default 1, as for the card)"
    )
    parser.add_argument("--data", type=Path, default=DATA, help=f"NHANES folder (default {DATA})")
    args = parser.parse_args()
    chosen = ["baseline", *(name for name in args.candidates.split(",") if name and name != "baseline")]
    if unknown := [name for name in chosen if name not in available]:
        parser.error(f"unknown candidate(s) {', '.join(unknown)}; choose from {', '.join(available)}")
    seeds = [int(seed) for seed in args.seeds.split(",")]

    config = replace(TrainingConfig(), max_iterations=MAX_ITERATIONS, thread_count=args.threads)
    selection = Selection(args.data, config)
    runs = candidates(config)
    print(
        f"{len(selection.dev)} development rows with a valid label; fold seeds {seeds}; {args.threads} thread(s)"
    )
    print(f"{'candidate':<18}{'head':>6}{'mean':>8}  per fold seed (trees)")
    results: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for name in chosen:
        candidate_started = time.perf_counter()
        result: dict[str, Any] = {"description": runs[name].description}
        for head, models in runs[name].heads.items():
            per_seed = [selection.head_auroc(models, head, seed) for seed in seeds]
            by_seed = [auroc for auroc, _ in per_seed]
            result[head] = {
                "mean": statistics.fmean(by_seed),
                "by_seed": by_seed,
                "iterations": [iterations for _, iterations in per_seed],
            }
            seed_text = ", ".join(f"{auroc:.4f} ({'+'.join(map(str, trees))})" for auroc, trees in per_seed)
            print(f"{name:<18}{SHORT[head]:>6}{result[head]['mean']:>8.4f}  {seed_text}", flush=True)
        result["seconds"] = round(time.perf_counter() - candidate_started)
        results[name] = result

    print(
        f"\ndecision rule: mean gain ≥ {MIN_GAIN}, positive for every fold seed, other head loses ≤ {MAX_OTHER_HEAD_LOSS}"
    )
    for name in chosen[1:]:
        verdicts = []
        for head in HEADS:
            verdict = rule_verdict(results[name], results["baseline"], head)
            results[name][head]["rule"] = verdict
            verdicts.append(
                f"{SHORT[head]} {'PASS' if verdict['passes'] else 'no  '} ({verdict['gain']:+.5f})"
            )
        print(f"{name:<18}" + "   ".join(verdicts))
    for head in HEADS:
        kept = [name for name in chosen[1:] if results[name][head]["rule"]["passes"]]
        print(f"passes for {SHORT[head]}: {', '.join(kept) or 'none'}")

    output = {
        "fold_seeds": seeds,
        "folds": config.folds,
        "max_iterations": MAX_ITERATIONS,
        "threads": args.threads,
        "n_development_label_valid": len(selection.dev),
        "catboost": catboost.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - started),
        "rule": {"min_gain": MIN_GAIN, "max_other_head_loss": MAX_OTHER_HEAD_LOSS},
        "candidates": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()

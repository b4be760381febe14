"""Young children: how much do the development rows hold about their ferritin beyond what the shipped
model uses? (issue 13, item 2; what is measured and the bar are docs/decisions/0009, written before this
was run.)

Run: `uv run python -m bench.children_signal [--card docs/model-card.json]` (about five minutes on this
machine). Repeated stratified 5-fold cross-validation on the development rows with a valid label, fold
seeds 41, 42, 43: per fold, the shipped < 30 members (CatBoost at its 253 trees, the additive model),
auxiliary CatBoost regressors for continuous iron-status targets (log10 ferritin; log10 sTfR and Cook's
body iron, which NHANES measured in children 1-5 and women 12-49 only) and a logistic regression on
children only are fitted on the training folds; every stack is cross-fitted. Prints and writes
(bench/results/children_signal.json; with --card into the card's data under `children_signal`) the
pooled out-of-fold AUROC (< 30) within children 1-5 and women 12-49 and the overall AUROC of the score
that would be served, per fold seed, with ADR 0009's verdicts. The test split is never scored.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bench.anaemic_differential import Folds, catboost_log_odds, restricted
from verae.risk.features import FEATURE_NAMES, FloatArray
from verae.risk.model import HEADS, RiskModel
from verae.training import nhanes
from verae.training.additive import fit_additive
from verae.training.anaemia import calibration_groups
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
RESULTS = ROOT / "bench" / "results" / "children_signal.json"
ARTIFACT = ROOT / "src" / "verae" / "risk" / "artifacts"
DATA = ROOT.parent / "shared" / "data" / "nhanes"
FOLD_SEEDS = (41, 42, 43)
GROUPS = ("children 1-5", "women 12-49")
AUXILIARY_TREES = 300
CHILD_REGRESSION_C = 0.3
# ADR 0009's bar
CHILDREN_TARGET = 0.70
WOMEN_MIN_GAIN = 0.005
MAX_OVERALL_LOSS = 0.0005
SHIPPED = "shipped"
AUXILIARY = {
    "log ferritin": "+ log-ferritin regressor",
    "log sTfR": "+ log-sTfR regressor",
    "body iron": "+ body-iron regressor",
}
CHILD_ONLY = "children-only logistic regression"
CHILD_ONLY_STACKED = "shipped + children-only regression"
CEILING = "ceiling check: children-only regression + age in months, race, income (not product inputs)"


def regressor_prediction(
    train: tuple[FloatArray, FloatArray],
    valid: FloatArray,
    config: TrainingConfig,
    iterations: int,
    seed: int,
) -> FloatArray:
    """A CatBoost regressor fitted as training's folds fit the iron_index model (one masked copy)."""
    columns = list(FEATURE_NAMES)
    rows, target = with_masked_copies(*train, columns, config, seed)
    model = new_catboost("regressor", config, iterations, seed)
    model.fit(pd.DataFrame(rows, columns=columns), target)
    predicted: FloatArray = model.predict(pd.DataFrame(valid, columns=columns))
    return predicted


def child_regression(
    design: FloatArray, labels: FloatArray, train: np.ndarray, valid: np.ndarray
) -> FloatArray:
    fitted = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(C=CHILD_REGRESSION_C, max_iter=5000),
    ).fit(design[train], labels[train])
    log_odds: FloatArray = fitted.decision_function(design[valid])
    return log_odds


def non_input_columns(dev: pd.DataFrame, directory: Path) -> FloatArray:
    """Age in months where NHANES gives it (12-23 months), else whole years + 0.5; race and ethnicity
    one-hot; family income to poverty ratio. Information the product never has: a ceiling check only."""
    demo = nhanes.read_xpt(directory, "P_DEMO.XPT")
    demo.index = demo.index.astype(np.int64)
    demo = demo.loc[dev.index]
    months = demo["RIDAGEMN"].to_numpy(dtype=np.float64)
    age = np.where(np.isfinite(months), months / 12.0, dev["age"].to_numpy() + 0.5)
    race = pd.get_dummies(demo["RIDRETH3"].astype("Int64"), prefix="race", drop_first=True, dtype=float)
    income = demo["INDFMPIR"].to_numpy(dtype=np.float64)
    return np.column_stack([age, race.to_numpy(), income])


def run_seed(
    seed: int, dev: pd.DataFrame, extra: FloatArray, config: TrainingConfig, trees: dict[str, int]
) -> dict[str, Any]:
    columns = list(FEATURE_NAMES)
    matrix = dev[columns].to_numpy(dtype=np.float64)
    labels = labels_for(dev, 30.0)
    masks = {name: mask.to_numpy() for name, mask in calibration_groups(dev).items() if name in GROUPS}
    stfr = dev["stfr"].to_numpy(dtype=np.float64)
    has_stfr = np.isfinite(stfr) & (stfr > 0)
    targets = {
        "log ferritin": np.log10(dev["ferritin"].to_numpy(dtype=np.float64)),
        "log sTfR": np.log10(np.where(has_stfr, stfr, np.nan)),
        "body iron": nhanes.body_iron_mg_kg(dev).to_numpy(dtype=np.float64),
    }
    strata = labels * 3 + np.select([masks[GROUPS[0]], masks[GROUPS[1]]], [1, 2], 0)
    folds: Folds = list(StratifiedKFold(config.folds, shuffle=True, random_state=seed).split(matrix, strata))
    children = masks["children 1-5"]
    child_design = np.column_stack([matrix, extra])
    raw = {name: np.zeros(len(dev)) for name in ("cb30", "add30", *AUXILIARY)}
    child_only = {name: np.zeros(len(dev)) for name in ("inputs", "ceiling")}
    for fold, (train, valid) in enumerate(folds):
        fold_seed = config.seed + fold
        raw["cb30"][valid] = catboost_log_odds(
            (matrix[train], labels[train]), matrix[valid], config, trees[HEADS[0]], fold_seed
        )
        raw["add30"][valid] = fit_additive(matrix[train], labels[train], columns).log_odds(matrix[valid])
        for name, target in targets.items():
            rows = train[np.isfinite(target[train])]
            iterations = trees["iron_index"] if name == "log ferritin" else AUXILIARY_TREES
            raw[name][valid] = regressor_prediction(
                (matrix[rows], target[rows]), matrix[valid], config, iterations, fold_seed
            )
        kid_train, kid_valid = train[children[train]], valid[children[valid]]
        child_only["inputs"][kid_valid] = child_regression(matrix, labels, kid_train, kid_valid)
        child_only["ceiling"][kid_valid] = child_regression(child_design, labels, kid_train, kid_valid)
    shipped = cross_fitted_probability({"cb30": raw["cb30"], "add30": raw["add30"]}, labels, folds)

    def within(mask: np.ndarray, members: dict[str, FloatArray]) -> FloatArray:
        """The served score: `members` stacked on the group's rows (cross-fitted), shipped elsewhere."""
        served = shipped.copy()
        served[mask] = cross_fitted_probability(
            {name: values[mask] for name, values in members.items()}, labels[mask], restricted(folds, mask)
        )
        return served

    shipped_members = {"cb30": raw["cb30"], "add30": raw["add30"]}
    scores: dict[str, dict[str, FloatArray]] = {
        group: {SHIPPED: shipped}
        | {AUXILIARY[name]: within(masks[group], shipped_members | {name: raw[name]}) for name in AUXILIARY}
        for group in GROUPS
    }
    scores["children 1-5"] |= {
        CHILD_ONLY: np.where(children, child_only["inputs"], shipped),
        CHILD_ONLY_STACKED: within(children, shipped_members | {"child": child_only["inputs"]}),
        CEILING: np.where(children, child_only["ceiling"], shipped),
    }
    return {
        group: {
            name: {
                "within": float(roc_auc_score(labels[masks[group]], score[masks[group]])),
                # a score on another scale for the group's rows has no overall AUROC to serve
                "overall": float(roc_auc_score(labels, score)) if name not in (CHILD_ONLY, CEILING) else None,
            }
            for name, score in group_scores.items()
        }
        for group, group_scores in scores.items()
    } | {
        "n": {group: int(masks[group].sum()) for group in GROUPS},
        "positives": {group: int(labels[masks[group]].sum()) for group in GROUPS},
    }


def verdicts(per_seed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """ADR 0009's bar, per group and candidate."""
    out: dict[str, dict[str, Any]] = {}
    for group in GROUPS:
        for name in per_seed[0][group]:
            if name in (SHIPPED, CEILING):
                continue
            reasons: list[str] = []
            within = [run[group][name]["within"] for run in per_seed]
            base = [run[group][SHIPPED]["within"] for run in per_seed]
            if group == "children 1-5" and min(within) < CHILDREN_TARGET:
                reasons.append(f"within-children AUROC {min(within):.3f} < {CHILDREN_TARGET} in a seed")
            if (
                group == "women 12-49"
                and min(w - b for w, b in zip(within, base, strict=True)) < WOMEN_MIN_GAIN
            ):
                reasons.append(f"gain within women 12-49 below {WOMEN_MIN_GAIN} in a seed")
            if per_seed[0][group][name]["overall"] is None:
                reasons.append("not a score for everyone's scale (measured alone)")
            else:
                loss = statistics.fmean(
                    run[group][SHIPPED]["overall"] - run[group][name]["overall"] for run in per_seed
                )
                if loss > MAX_OVERALL_LOSS:
                    reasons.append(f"overall AUROC falls by {loss:.4f}")
            out[f"{group}: {name}"] = {"passes": not reasons, "reasons": reasons}
    return out


def summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    def figures(values: list[float | None]) -> dict[str, Any] | None:
        if values[0] is None:
            return None
        seeds = [float(value) for value in values if value is not None]
        return {"mean": statistics.fmean(seeds), "by_seed": seeds}

    return {
        group: {
            name: {
                part: figures([run[group][name][part] for run in per_seed]) for part in ("within", "overall")
            }
            for name in per_seed[0][group]
        }
        for group in GROUPS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--card", type=Path, help="the card's data file to write `children_signal` into")
    args = parser.parse_args()

    model = RiskModel.load(ARTIFACT)
    config = TrainingConfig(**model.metadata.training["config"])
    trees = {name: int(count) for name, count in model.metadata.training["iterations"].items()}
    cohort = nhanes.load_cohort(args.data)
    dev = cohort[~split_test(cohort, config) & nhanes.label_valid(cohort)]
    started = time.perf_counter()
    extra = non_input_columns(dev, args.data)
    per_seed = [run_seed(seed, dev, extra, config, trees) for seed in FOLD_SEEDS]
    table, verdict = summary(per_seed), verdicts(per_seed)
    for group in GROUPS:
        print(
            f"{group} (n {per_seed[0]['n'][group]}, {per_seed[0]['positives'][group]} positive): "
            "AUROC < 30 within the group / overall, per fold seed"
        )
        for name, row in table[group].items():
            overall = row["overall"]
            print(
                f"  {name:60s} {', '.join(f'{v:.3f}' for v in row['within']['by_seed'])}"
                + (f" / {', '.join(f'{v:.4f}' for v in overall['by_seed'])}" if overall else "")
            )
    for name, row in verdict.items():
        print(f"{name}: {'PASSES' if row['passes'] else 'fails: ' + '; '.join(row['reasons'])}")
    result: dict[str, Any] = {
        "model_version": model.version,
        "fold_seeds": list(FOLD_SEEDS),
        "n_development": len(dev),
        "n": per_seed[0]["n"],
        "positives": per_seed[0]["positives"],
        "summary": table,
        "verdicts": verdict,
        "shipped": [name for name, row in verdict.items() if row["passes"]],
        "seconds": round(time.perf_counter() - started),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.card:
        write_card_section(args.card, "children_signal", result)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

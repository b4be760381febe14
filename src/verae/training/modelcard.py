"""docs/model-card.md and its figures, written by `verae model train` from the run's own figures.

Every number in the card comes from the training run; the prose around them is fixed, and the
"targets" and "where the model is weak" sections are derived from the numbers so they cannot drift.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

# the Agg backend: figures are written to files, never shown
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from verae.risk.features import BY_NAME, FEATURE_NAMES, FEATURES, REQUIRED_FIELDS
from verae.risk.model import HEADS
from verae.training.training import DEMOGRAPHIC_BASELINE, INPUT_SCENARIOS, TrainingRun

TARGETS = {"ferritin_below_30": 0.88, "ferritin_below_15": 0.93}
TARGET_ECE = 0.03
MEANINGFUL_AUROC_GAIN = 0.005
CALIBRATION_IN_THE_LARGE_GAP = 0.03
HEAD_TITLES = {"ferritin_below_30": "ferritin < 30 µg/L", "ferritin_below_15": "ferritin < 15 µg/L"}
# Experiment history behind this model's settings (what was tried, measured and kept): data, not code,
# in model_selection_history.json beside this module; see its _comment for how it was measured.
_HISTORY: dict[str, Any] = json.loads(
    (Path(__file__).with_name("model_selection_history.json")).read_text(encoding="utf-8")
)
CV_BASELINE: tuple[str, float, float] = tuple(_HISTORY["cv_baseline"])
CV_CHOSEN: tuple[float, ...] = tuple(_HISTORY["cv_chosen"])
CV_FRESH_BASELINE: tuple[float, ...] = tuple(_HISTORY["cv_fresh_baseline"])
CV_CONFIRMATION: str = _HISTORY["cv_confirmation"]
CV_CANDIDATES: tuple[tuple[str, float, float, str], ...] = tuple(
    tuple(row) for row in _HISTORY["cv_candidates"]
)
CV_ROUND3: tuple[tuple[str, float, float, str], ...] = tuple(tuple(row) for row in _HISTORY["cv_round3"])
CV_ROUND3_EXPLORED: str = _HISTORY["cv_round3_explored"]
CV_ERRATA: str = _HISTORY["cv_errata"]
DECISION_RULE: str = _HISTORY["decision_rule"]
V2_REQUIRED_ONLY_AUROC: float = _HISTORY["v2_required_only_auroc"]
REQUIRED_ONLY_SCENARIO = "required set only (sex, age, hemoglobin, MCV)"
RELIABILITY_FIGURE = "model-reliability.png"
IMPORTANCE_FIGURE = "model-shap-importance.png"


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ci(metrics: dict[str, Any]) -> str:
    interval = metrics.get("auroc_ci95")
    return (
        f"{_f(metrics.get('auroc'))} ({_f(interval[0])}–{_f(interval[1])})"
        if interval
        else _f(metrics.get("auroc"))
    )


def reliability_figure(test: dict[str, Any], path: Path) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for axis, head in zip(axes, HEADS, strict=True):
        table = test[head]["reliability"]
        predicted = [row["mean_predicted"] for row in table]
        observed = [row["observed"] for row in table]
        sizes = [row["n"] for row in table]
        axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
        axis.plot(predicted, observed, marker="o", color="#b03a2e", label="model (test split)")
        for x, y, n in zip(predicted, observed, sizes, strict=True):
            axis.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
        axis.set_title(f"{HEAD_TITLES[head]}: ECE {test[head]['ece']:.3f}")
        axis.set_xlabel("predicted probability (bin mean)")
        axis.set_ylabel("observed proportion")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.legend(loc="upper left", fontsize=8)
    figure.suptitle("Reliability on the held-out test split (10 equal-width bins; labels are row counts)")
    figure.tight_layout()
    figure.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(figure)


def importance_figure(run: TrainingRun, path: Path) -> list[tuple[str, float]]:
    contributions = run.model.contributions(run.test_rows[list(FEATURE_NAMES)].to_numpy(dtype=np.float64))
    mean_absolute = np.abs(contributions[:, :-1]).mean(axis=0)
    order = np.argsort(mean_absolute)
    figure, axis = plt.subplots(figsize=(7, 4.6))
    axis.barh([BY_NAME[FEATURE_NAMES[i]].label_en for i in order], mean_absolute[order], color="#2e86c1")
    axis.set_xlabel("mean |SHAP contribution| (calibrated log-odds), test split")
    axis.set_title("What drives the ferritin < 30 µg/L estimate")
    figure.tight_layout()
    figure.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(figure)
    return [(FEATURE_NAMES[i], float(mean_absolute[i])) for i in order[::-1]]


def write_model_card(run: TrainingRun, card_path: Path, data_label: str) -> None:
    image_dir = card_path.parent / "img"
    image_dir.mkdir(parents=True, exist_ok=True)
    reliability_figure(run.test, image_dir / RELIABILITY_FIGURE)
    importance = importance_figure(run, image_dir / IMPORTANCE_FIGURE)
    image_link = os.path.relpath(image_dir, card_path.parent)
    card_path.write_text(_render(run, importance, image_link, data_label), encoding="utf-8")


TEMPLATE = "model_card.md.j2"


def _jinja_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["f"] = _f
    environment.filters["pct"] = _pct
    environment.filters["ci"] = _ci
    environment.globals["verdict"] = _verdict
    return environment


def render_card(data: dict[str, Any]) -> str:
    """The Markdown card from its data (as written by `card_data`, or read back from its JSON file)."""
    return _jinja_environment().get_template(TEMPLATE).render(data)


def _json_ready(value: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON types only (tuples become lists), so the card renders the same from the file."""
    ready: dict[str, Any] = json.loads(json.dumps(value, ensure_ascii=False))
    return ready


def card_data(
    run: TrainingRun, importance: list[tuple[str, float]], image_link: str, data_label: str
) -> dict[str, Any]:
    """Every figure, table and text choice the model card shows, as JSON-serialisable data."""
    meta, cv, test = run.metadata, run.cross_validation, run.test
    ablation: dict[str, Any] = {"available": bool(cv["extra_inputs_ablation"].get("available"))}
    if ablation["available"]:
        by_head = cv["extra_inputs_ablation"]
        ablation |= {
            "base30": by_head["ferritin_below_30"]["shipped inputs"],
            "extra30": by_head["ferritin_below_30"]["plus glucose and cholesterol"],
            "base15": by_head["ferritin_below_15"]["shipped inputs"],
            "extra15": by_head["ferritin_below_15"]["plus glucose and cholesterol"],
        }
        ablation["gain"] = max(
            ablation["extra30"] - ablation["base30"], ablation["extra15"] - ablation["base15"]
        )
        ablation["meaningful"] = ablation["gain"] >= MEANINGFUL_AUROC_GAIN
    return _json_ready(
        {
            "model_version": meta.model_version,
            "catboost_version": meta.catboost_version,
            "data_label": data_label,
            "image_link": image_link,
            "figures": {"reliability": RELIABILITY_FIGURE, "importance": IMPORTANCE_FIGURE},
            "training": meta.training,
            "training_data_sha256": meta.training_data_sha256,
            "training_files": meta.training_files,
            "tier_cutoffs_percent": meta.tier_cutoffs_percent.model_dump(mode="json"),
            "stack_weights": {head: meta.recalibration[head].weights for head in HEADS},
            "crp_upper": meta.feature_ranges["crp"][1],
            "features": [
                {"name": spec.name, "unit": spec.unit, "required": spec.name in REQUIRED_FIELDS}
                for spec in FEATURES
            ],
            "required_fields": list(REQUIRED_FIELDS),
            "required_only_scenario": REQUIRED_ONLY_SCENARIO,
            "input_scenarios": list(INPUT_SCENARIOS),
            "heads": [
                {"name": head, "title": HEAD_TITLES[head], "target_auroc": TARGETS[head]} for head in HEADS
            ],
            "target_ece": TARGET_ECE,
            "history": _HISTORY,
            "cross_validation": cv,
            "test": test,
            "ablation": ablation,
            "not_beaten": _not_beaten(test),
            "importance": [
                {"name": name, "label": BY_NAME[name].label_en, "value": value} for name, value in importance
            ],
            "weaknesses": _weakness_data(run),
        }
    )


def _weakness_data(run: TrainingRun) -> dict[str, Any]:
    test, cv = run.test, run.cross_validation
    subgroups = [(name, subgroup["ferritin_below_30"]) for name, subgroup in test["subgroups"].items()]
    ranked = sorted(subgroups, key=lambda item: item[1]["auroc"] if item[1]["auroc"] is not None else 1.0)
    high = next(row for row in test["tiers"] if row["tier"] == "HIGH")
    return {
        "missed_targets": [
            {
                "title": HEAD_TITLES[head],
                "auroc": test[head]["auroc"],
                "auroc_ci95": test[head]["auroc_ci95"],
                "target_auroc": TARGETS[head],
                "cv_auroc": cv[head]["out_of_fold"]["auroc"],
                "positives": round(test[head]["prevalence"] * test[head]["n"]),
            }
            for head in HEADS
            if test[head]["auroc"] < TARGETS[head]
        ],
        "demographic_auroc": test["baselines"][HEADS[0]][DEMOGRAPHIC_BASELINE]["auroc"],
        "missed_calibration": [
            {"title": HEAD_TITLES[head], "ece": test[head]["ece"]}
            for head in HEADS
            if test[head]["ece"] > TARGET_ECE
        ],
        "weakest_subgroups": [
            {"name": name, "auroc": metrics["auroc"], "n": metrics["n"]} for name, metrics in ranked[:3]
        ],
        "shifted_subgroups": [
            {"name": name, "mean_predicted": metrics["mean_predicted"], "prevalence": metrics["prevalence"]}
            for name, metrics in subgroups
            if abs(metrics["mean_predicted"] - metrics["prevalence"]) > CALIBRATION_IN_THE_LARGE_GAP
        ],
        "high_tier_observed_rate": high["observed_rate"],
    }


def _render(run: TrainingRun, importance: list[tuple[str, float]], image_link: str, data_label: str) -> str:
    meta, cv, test = run.metadata, run.cross_validation, run.test
    config = meta.training["config"]
    cut = meta.tier_cutoffs_percent
    lines: list[str] = []
    add = lines.append

    add(f"# Model card: iron-deficiency risk from a blood count (`{meta.model_version}`)")
    add("")
    add("_Generated by `verae model train`; do not edit by hand — change `src/verae/training/modelcard.py`._")
    add("")
    add("## What it does")
    add("")
    add(
        "From a complete blood count, age and sex (BMI and CRP optional) the model estimates the probability "
        "that serum ferritin is below 30 µg/L — the usual threshold for low iron stores — as `risk_percent`, "
        "explains it with exact SHAP values, and places it in one of four tiers. Two companion "
        "models give the probability of ferritin < 15 µg/L (depleted stores, `depletion_risk_percent`) and "
        "`iron_index`, the ferritin (µg/L) the model expects for these blood values. It is a screening "
        "aid that suggests who may benefit from a ferritin test; it is not a diagnosis. When a report "
        "contains a measured ferritin, Verae states iron status from the measurement (WHO 2020 thresholds) "
        "and says so; ferritin and the iron panel are never model inputs."
    )
    add("")
    add(
        "Not for: pregnancy (excluded from training), people with active inflammation (CRP > 5 mg/L — the "
        "estimate is given with lower confidence), children aged 6–11 and infants under 1 (not in the data), "
        "telling iron deficiency from thalassaemia trait, or any decision without a clinician."
    )
    add("")

    add("## Data")
    add("")
    add(
        f"NHANES 2017–March 2020 pre-pandemic files (folder `{data_label}`; U.S. CDC, public domain): "
        f"{meta.training['n_participants']} participants "
        "with ferritin, a complete CBC, age and sex — ages 1–5 and 12–80 (NHANES did not measure ferritin "
        "at 6–11; age is top-coded at 80). A random 15% of eligible participants was withheld by the data "
        "provider for an independent evaluation and is not in these files."
    )
    add("")
    add(f"- Training-data sha256 (over the input files): `{meta.training_data_sha256}`")
    for name, digest in meta.training_files.items():
        add(f"  - `{name}`: `{digest[:16]}…`")
    add(
        f"- Split: {int(config['test_fraction'] * 100)}% held-out test split, stratified by label, sex and "
        f"age band (seed {config['seed']}); development rows with a valid label: "
        f"{meta.training['n_development']}; test participants: {meta.training['n_test']} "
        f"({test['n_label_valid']} with a valid label)."
    )
    add("")
    add("### Labels: inflammation and pregnancy")
    add("")
    add(
        "- **Primary label: ferritin < 30 µg/L**; secondary: ferritin < 15 µg/L (the WHO 2020 threshold for "
        "people aged 5 and over). The < 30 threshold is applied at every age, including children 1–5 "
        "(for whom WHO uses < 12 µg/L), so the estimate means the same thing for everyone."
    )
    add(
        "- **Inflammation (hs-CRP > 5 mg/L): excluded from training and from the headline metrics.** Ferritin "
        "is an acute-phase protein, so in inflammation a normal ferritin does not rule out deficiency and "
        "such labels are unreliable. Participants without an hs-CRP result are excluded for the same reason. "
        "The model therefore estimates iron stores as they would read without inflammation. Its behaviour "
        "on inflamed participants is reported separately below, against both < 30 µg/L and the WHO "
        "inflammation threshold (< 70 µg/L). At prediction time a CRP above the training range lowers "
        "the confidence."
    )
    add(
        "- **Pregnancy: excluded** (NHANES `RIDEXPRG = 1`) from training and evaluation: plasma volume "
        "expansion lowers hemoglobin and ferritin physiologically, and our inputs cannot say someone is "
        "pregnant. The model is not validated in pregnancy."
    )
    add("- Survey weights are not used: figures describe this sample, not the U.S. population.")
    add("")

    add("## Inputs")
    add("")
    add("| feature | unit | required |")
    add("|---|---|---|")
    for spec in FEATURES:
        add(f"| `{spec.name}` | {spec.unit} | {'yes' if spec.name in REQUIRED_FIELDS else 'no'} |")
    add("")
    required_only = test["input_scenarios"]["required set only (sex, age, hemoglobin, MCV)"]
    add(
        f"- **Minimal required set: {', '.join(REQUIRED_FIELDS)}.** Without any of them the service answers "
        "`needs_input`. With only these four the held-out AUROC is "
        f"{_f(required_only['auroc'])} (full inputs: {_f(test['ferritin_below_30']['auroc'])}); every "
        "other input is optional, and missing ones lower the confidence."
    )
    add(
        "- BMI may be given directly or computed from height and weight. Missing values are NaN for CatBoost; "
        f"during training every row is accompanied by {config['masked_copies']} copy with a random share of "
        "its optional inputs blanked, so the model has learnt what a missing value means."
    )
    ablation = cv["extra_inputs_ablation"]
    if ablation.get("available"):
        base30 = ablation["ferritin_below_30"]["shipped inputs"]
        extra30 = ablation["ferritin_below_30"]["plus glucose and cholesterol"]
        base15 = ablation["ferritin_below_15"]["shipped inputs"]
        extra15 = ablation["ferritin_below_15"]["plus glucose and cholesterol"]
        gain = max(extra30 - base30, extra15 - base15)
        verdict = (
            "A change this small is within fold-to-fold noise, and fasting glucose is missing for over half of "
            "participants, so they are **not model inputs**."
            if gain < MEANINGFUL_AUROC_GAIN
            else f"They gained {gain:.4f} AUROC; adding them needs a change to the feature list and a retrain."
        )
        add(
            "- Fasting glucose and total cholesterol were tested as extra inputs in cross-validation on the "
            f"development rows: AUROC (< 30) {_f(base30, 4)} → {_f(extra30, 4)}, (< 15) {_f(base15, 4)} → "
            f"{_f(extra15, 4)}. {verdict}"
        )
    add("")

    add("## Training")
    add("")
    iterations = meta.training["iterations"]
    extra_rows = meta.training["depletion_extra_rows"]
    stack15 = meta.recalibration["ferritin_below_15"].weights
    add(
        f"CatBoost {meta.catboost_version}, depth {config['depth']}, learning rate {config['learning_rate']} "
        f"({config['depleted_learning_rate']} for the < 15 model), "
        f"L2 {config['l2_leaf_reg']}, seed {config['seed']}, {config['thread_count']} threads. The number of "
        f"trees is the one with the lowest mean validation loss over {config['folds']}-fold cross-validation "
        f"on the development rows: {iterations['ferritin_below_30']} (< 30), {iterations['ferritin_below_15']} "
        f"(< 15), {iterations['iron_index']} (iron_index, RMSE on log10 ferritin). The final models are then "
        "fitted on all development rows. The test split is only scored, for the figures below; no setting is "
        "chosen on it."
    )
    add("")
    stack30 = meta.recalibration["ferritin_below_30"].weights
    add(
        "- **< 30 probability**: a logistic regression on the out-of-fold log-odds of the < 30 CatBoost "
        f"model (weight {_f(stack30['ferritin30.cbm'], 2)}) and of an additive spline model "
        f"(weight {_f(stack30['ferritin30_additive.json'], 2)}), both for ferritin < 30 µg/L. The additive "
        "model (`risk/additive.py`) is a logistic regression on one smooth curve per input (cubic B-splines "
        "with 3 evenly spaced inner knots over the training range, flat beyond it; linear for sex) plus a "
        "step for each sex × age band (1–5, 6–17, 18–49, 50–64, 65+), L2-penalised (C = 1). Trees learn "
        'a dose-response such as "lower MCV, higher risk" as steps from the few rows at the extremes; the '
        "curves generalise it smoothly, and the trees add the interactions the curves lack. It is stored as "
        "JSON (knots and coefficients), and its terms are its exact SHAP values, so explanations stay exact."
    )
    add(
        "- **< 15 probability**: a logistic regression on the out-of-fold log-odds of the < 15 model "
        f"(weight {_f(stack15['ferritin15.cbm'], 2)}) and of the < 30 model "
        f"(weight {_f(stack15['ferritin30.cbm'], 2)}): with three times as many positives, the < 30 model "
        "steadies the ranking of the rarer label."
    )
    add(
        "- **Extra training rows for the < 15 model only** (never in validation folds or metrics): "
        f"{extra_rows['without_crp']} non-pregnant development participants without an hs-CRP result and "
        f"{extra_rows['nhanes_1999']} NHANES 1999–2000 adults (hemoglobin, RDW, WBC, age, sex; no MCV or "
        "CRP, pregnancy not recorded; age top-coded at 80 like the 2017–2020 files). A ferritin below 15 µg/L "
        "is low whatever the CRP; a normal one may hide deficiency under unmeasured inflammation, which the "
        "cross-validation says costs less than the extra positives bring. These are different people from "
        "the 2017–2020 participants, so no test participant can leak in."
    )
    add("")
    add(
        "How these were chosen: candidates were compared in repeated cross-validation on the development "
        "rows only (mean per-fold AUROC, 5 folds × 3 fold seeds; figures below are rounded to 4 places). "
        + DECISION_RULE
        + " "
        + CV_CONFIRMATION
        + " The figures come from `uv run python bench/model_selection.py`, which re-runs every candidate "
        "and applies the rule. " + CV_ERRATA + " " + CV_ROUND3_EXPLORED
    )
    add("")
    add("| candidate (one change to catboost-v1) | AUROC < 30 | AUROC < 15 | kept |")
    add("|---|---|---|---|")
    add(f"| {CV_BASELINE[0]} | {CV_BASELINE[1]:.4f} | {CV_BASELINE[2]:.4f} | – |")
    for name, auroc30, auroc15, kept in CV_CANDIDATES:
        add(f"| {name} | {auroc30:.4f} | {auroc15:.4f} | {kept} |")
    add("| _third round_ | | | |")
    for name, auroc30, auroc15, kept in CV_ROUND3:
        add(f"| {name} | {auroc30:.4f} | {auroc15:.4f} | {kept} |")
    add(
        f"| **chosen combination** (3 selection seeds / 2 fresh seeds) | {CV_CHOSEN[0]:.4f} / {CV_CHOSEN[2]:.4f} | "
        f"{CV_CHOSEN[1]:.4f} / {CV_CHOSEN[3]:.4f} | baseline on the fresh seeds: {CV_FRESH_BASELINE[0]:.4f} / "
        f"{CV_FRESH_BASELINE[1]:.4f} |"
    )
    add("")
    add(
        "Honesty note: the test split was scored once before, for catboost-v1 (AUROC 0.879 for < 30 and "
        "0.922 for < 15, both short of the targets), and that result is why this round of changes was "
        "made. The v2 changes were chosen only on cross-validation of development rows, by the rule above "
        "(written after the first batch of candidates had been measured in cross-validation, before the "
        "confirmation run and before the final training); the test split was then scored for v2. Still, a second look at the same split, prompted by the first, makes "
        "its figures slightly less independent than a first look. One correction came after that "
        "scoring, and is why the split was scored a second time for v2 (nothing changed after that): the first v2 training "
        "applied learning rate 0.03 to all three models, although the rule (per head) kept it for the "
        "< 15 model only; that < 30 model (422 trees, cross-validated AUROC 0.8792, no gain) made each "
        "explained prediction about 1.6 times slower and put the p99 latency budget at risk. It was "
        "corrected to the rule, to be shipped whatever its test figures, and retrained; the figures below "
        "are the corrected model's. The first v2 run scored AUROC 0.879 (0.858–0.899) for < 30 and 0.926 "
        "(0.898–0.951) for < 15 on the test split, ECE 0.028 / 0.009. The v1 settings (depth, L2, masking) "
        "were explored on all non-inflamed rows before the split was fixed, so the test rows took part in "
        "that choice (all candidates were within ±0.002 AUROC). The shipped v2 scored AUROC 0.879 "
        "(0.858–0.899) for < 30 and 0.926 (0.897–0.951) for < 15, ECE 0.029 / 0.008: both targets still "
        "missed. That prompted a third round (catboost-v3): a new kind of candidate, the additive spline "
        "model stacked with CatBoost, explored on development rows only and kept by the same rule on the "
        "selection seeds and then the fresh seeds (table above). The test split was then scored a fourth "
        "time, for v3, and its figures are the ones below, whatever they turned out to be; nothing was "
        "changed after that scoring. Four looks at one split, each prompted by the last one missing the "
        "targets, make a pass on it weaker evidence than a first look would be: read the held-out figures "
        "with that in mind. The independent 15% evaluation set is the clean check."
    )
    add("")
    add("Reproduce: `verae model train --data ../shared/data/nhanes` (same files and seed → same trees).")
    add("")

    add("## Results on the held-out test split")
    add("")
    add("| | AUROC (95% CI) | AUPRC | ECE | Brier | prevalence | target AUROC | target ECE |")
    add("|---|---|---|---|---|---|---|---|")
    for head in HEADS:
        metrics = test[head]
        add(
            f"| {HEAD_TITLES[head]} | {_ci(metrics)} | {_f(metrics['auprc'])} | {_f(metrics['ece'])} | "
            f"{_f(metrics['brier'])} | {_pct(metrics['prevalence'])} | ≥ {TARGETS[head]} "
            f"{_verdict(metrics['auroc'] >= TARGETS[head])} ({metrics['auroc']:.4f}) | ≤ {TARGET_ECE} {_verdict(metrics['ece'] <= TARGET_ECE)} |"
        )
    add("")
    add(
        f"Cross-validation (out-of-fold, development rows): AUROC {_f(cv['ferritin_below_30']['out_of_fold']['auroc'])} "
        f"(folds {', '.join(_f(v) for v in cv['ferritin_below_30']['fold_auroc'])}) for < 30, "
        f"{_f(cv['ferritin_below_15']['out_of_fold']['auroc'])} "
        f"(folds {', '.join(_f(v) for v in cv['ferritin_below_15']['fold_auroc'])}) for < 15; "
        f"AUPRC {_f(cv['ferritin_below_30']['out_of_fold']['auprc'])} / "
        f"{_f(cv['ferritin_below_15']['out_of_fold']['auprc'])}; ECE before recalibration "
        f"{_f(cv['ferritin_below_30']['out_of_fold_raw_ece'])} / {_f(cv['ferritin_below_15']['out_of_fold_raw_ece'])}. "
        "Each stack against its members (out-of-fold AUROC, the stack cross-fitted): "
        + "; ".join(
            f"{HEAD_TITLES[head]} {_f(cv[head]['out_of_fold']['auroc'], 4)} from "
            + ", ".join(f"`{name}` {_f(auroc, 4)}" for name, auroc in cv[head]["member_auroc"].items())
            for head in HEADS
        )
        + "."
    )
    add(
        f"The primary (< 30) score ranks ferritin < 15 with AUROC "
        f"{_ci(test['ferritin_below_15_by_primary_score'])}; the dedicated < 15 model is the one reported above."
    )
    add("")
    add(f"![Reliability plot]({image_link}/{RELIABILITY_FIGURE})")
    add("")

    add("### Tiers")
    add("")
    add(
        "Cut-offs were chosen on the out-of-fold predictions of the development rows, each with a purpose: "
        f"**GRAY** from {_f(cut.GRAY, 2)}% — the highest cut-off that still flags {int(config['gray_sensitivity'] * 100)}% "
        f"of people with ferritin < 30 (below it, LOW, is a rule-out tier); **WARNING** from {_f(cut.WARNING, 2)}% — "
        f"the best Youden index; **HIGH** from {_f(cut.HIGH, 2)}% — the lowest cut-off with PPV ≥ "
        f'{int(config["high_ppv"] * 100)}%. "Positive" below means risk at or above the cut-off.'
    )
    add("")
    add("| cut-off | risk % | split | sensitivity | specificity | PPV | NPV | share flagged |")
    add("|---|---|---|---|---|---|---|---|")
    for tier in ("HIGH", "WARNING", "GRAY"):
        for split, table in (
            ("validation (OOF)", cv["tier_validation"]),
            ("test", test["ferritin_below_30"]["operating_points"]),
        ):
            point = table[tier]
            add(
                f"| ≥ {tier} | {_f(getattr(cut, tier), 2)} | {split} | {_pct(point['sensitivity'])} | "
                f"{_pct(point['specificity'])} | {_pct(point['ppv'])} | {_pct(point['npv'])} | "
                f"{_pct(point['flagged_share'])} |"
            )
    add("")
    add("Per tier on the test split (observed share with ferritin < 30 µg/L):")
    add("")
    add("| tier | share of people | observed rate |")
    add("|---|---|---|")
    for row in test["tiers"]:
        add(f"| {row['tier']} | {_pct(row['share'])} | {_pct(row['observed_rate'])} |")
    add("")
    add(
        "For ferritin < 15 µg/L at the same cut-offs (applied to the < 15 probability): "
        + "; ".join(
            f"{tier} sens {_pct(point['sensitivity'])}, spec {_pct(point['specificity'])}, "
            f"PPV {_pct(point['ppv'])}, NPV {_pct(point['npv'])}"
            for tier, point in test["ferritin_below_15"]["operating_points"].items()
        )
        + "."
    )
    add("")

    add("### Baselines on the same split")
    add("")
    add(
        "Each baseline is fitted on the development rows (a one-variable logistic fit sets direction and "
        "scale) and scored on the same test rows. The logistic regression uses the model's inputs (median "
        "imputation, log CRP) plus sex-by-age-band indicators; the age-and-sex baseline uses those indicators "
        "alone, to show how much the blood count adds. rules-v1 is the fallback used when no artifact is "
        "installed (its percentages are not calibrated, so no ECE)."
    )
    add("")
    add("| score | AUROC < 30 (95% CI) | AUPRC < 30 | ECE < 30 | AUROC < 15 | AUPRC < 15 |")
    add("|---|---|---|---|---|---|")
    model30, model15 = test["ferritin_below_30"], test["ferritin_below_15"]
    add(
        f"| **model** | **{_ci(model30)}** | **{_f(model30['auprc'])}** | **{_f(model30['ece'])}** | "
        f"**{_f(model15['auroc'])}** | **{_f(model15['auprc'])}** |"
    )
    for name, metrics30 in test["baselines"]["ferritin_below_30"].items():
        metrics15 = test["baselines"]["ferritin_below_15"][name]
        add(
            f"| {name} | {_ci(metrics30)} | {_f(metrics30['auprc'])} | {_f(metrics30.get('ece'))} | "
            f"{_f(metrics15['auroc'])} | {_f(metrics15['auprc'])} |"
        )
    beaten = _beats_all(test)
    add("")
    add(
        f"The model {'beats every baseline on AUROC and AUPRC for both labels' if beaten else 'does NOT beat every baseline'}"
        + ("." if beaten else f": see {', '.join(_not_beaten(test))}.")
    )
    add("")

    add("### Subgroups (test split, valid labels)")
    add("")
    add(
        "| subgroup | n | prevalence < 30 | AUROC < 30 (95% CI) | AUPRC < 30 | ECE < 30 | prevalence < 15 | AUROC < 15 |"
    )
    add("|---|---|---|---|---|---|---|---|")
    for name, subgroup in test["subgroups"].items():
        first, second = subgroup["ferritin_below_30"], subgroup["ferritin_below_15"]
        add(
            f"| {name} | {first['n']} | {_pct(first['prevalence'])} | {_ci(first)} | {_f(first['auprc'])} | "
            f"{_f(first['ece'])} ({_f(first['ece_chance'])}) | {_pct(second['prevalence'])} | {_f(second['auroc'])} |"
        )
    add("")
    add(
        'Anaemia uses WHO hemoglobin cut-offs by age and sex. Small subgroups have wide intervals. "Chance '
        'level" is the ECE a perfectly calibrated model would show on that many rows (labels simulated from '
        "the predictions): a subgroup ECE near it is noise, one well above it is real miscalibration."
    )
    add("")
    inflamed = test.get("inflamed")
    if inflamed:
        add(
            f"**Inflamed participants (CRP > 5 mg/L, test split, n = {inflamed['ferritin_below_30']['n']}):** "
            f"AUROC {_ci(inflamed['ferritin_below_30'])} against ferritin < 30 and "
            f"{_ci(inflamed['ferritin_below_70_who_inflammation'])} against the WHO inflammation threshold "
            f"< 70 µg/L. All non-pregnant test participants regardless of CRP "
            f"(n = {test['all_non_pregnant_any_crp']['n']}): AUROC {_ci(test['all_non_pregnant_any_crp'])} "
            "against ferritin < 30."
        )
        add("")

    add("### Missing inputs")
    add("")
    add("| inputs given (test split) | AUROC < 30 | AUPRC < 30 | confidence given |")
    add("|---|---|---|---|")
    for name in INPUT_SCENARIOS:
        scenario = test["input_scenarios"][name]
        confidence = ", ".join(f"{level} {count}" for level, count in sorted(scenario["confidence"].items()))
        add(f"| {name} | {_f(scenario['auroc'])} | {_f(scenario['auprc'])} | {confidence} |")
    add("")
    add(
        f"With the required set only, catboost-v2 (CatBoost alone for < 30) reached {V2_REQUIRED_ONLY_AUROC} "
        f"on the same rows and this model {_f(required_only['auroc'])}. The likely reason: the additive model "
        "fills a missing input with its training median, while CatBoost has learnt from masked copies what "
        "a missing value means, and the stack's weights were fitted on complete blood counts. The gain is "
        "on complete counts; such sparse inputs already get low confidence."
    )
    add("")

    add("### iron_index")
    add("")
    index = test["iron_index"]
    body = (
        f"; Spearman with body iron (Cook 2003, from sTfR; n = {index['n_body_iron']}) "
        f"{_f(index['spearman_body_iron'])}"
        if "spearman_body_iron" in index
        else ""
    )
    add(
        "`iron_index` is the ferritin (µg/L) the model expects for these values and no inflammation: "
        "10 ** (predicted log10 ferritin) from a CatBoost regressor on the same inputs. On the test split: "
        f"R² on log10 ferritin {_f(index['r2_log10_ferritin'])}, Spearman with measured ferritin "
        f"{_f(index['spearman_ferritin'])}, median fold error ×{_f(index['median_fold_error'], 2)}{body}. "
        "It is a trend indicator, not a substitute for measuring ferritin."
    )
    add("")

    add("## Output")
    add("")
    add(
        "- `risk_percent` = calibrated P(ferritin < 30 µg/L) × 100; `risk_tier` from the cut-offs above; "
        "`clinical_action` and `disclaimer` in English and Russian (`risk/texts.py`)."
    )
    add(
        "- `explanations`: the features with the largest exact SHAP contributions, worded in plain "
        'language in English and Russian, e.g. "MCV 72 fL is below the usual range (80–100 fL) and raises '
        "the estimate\". A contribution is the stack-weighted sum of CatBoost's own SHAP value "
        '(`get_feature_importance(type="ShapValues")`) and the additive model\'s term for that input (its '
        "curve minus the curve's training mean; the sex × age-band step is split between sex and age by "
        "the two-input Shapley formula). Contributions plus the base value sum to the calibrated log-odds."
    )
    add(
        "- `confidence`: **high** when every CBC value is present and inside the central 99.8% of the "
        "training data (0.1st–99.9th percentile; for CRP only the upper end); **low** when three or more CBC "
        "values are missing or two or more values lie outside that range; **medium** otherwise. An age with "
        f"no training data (under 1, 6–11) counts as a value outside the range, and so does a CRP above "
        f"{_f(meta.feature_ranges['crp'][1], 2)} mg/L (training had no inflammation). BMI and CRP being "
        "absent does not lower confidence (they add little)."
    )
    add(
        "- Without an installed artifact the service uses rules-v1 (hemoglobin, MCV, MCH, RDW), reported as "
        '`model_version: "rules-v1"` with low confidence.'
    )
    add("")
    add(f"![Mean absolute SHAP contribution]({image_link}/{IMPORTANCE_FIGURE})")
    add("")
    add(
        "Largest average contributions: "
        + ", ".join(f"{BY_NAME[name].label_en} ({value:.2f})" for name, value in importance[:6])
        + "."
    )
    add("")

    add("## Where the model is weak")
    add("")
    for item in _weaknesses(run):
        add(f"- {item}")
    add("")
    return "\n".join(lines)


def _verdict(reached: bool) -> str:
    return "✅ reached" if reached else "❌ **not reached**"


def _not_beaten(test: dict[str, Any]) -> list[str]:
    names = []
    for head in HEADS:
        model = test[head]
        for name, metrics in test["baselines"][head].items():
            if metrics["auroc"] >= model["auroc"] or metrics["auprc"] >= model["auprc"]:
                names.append(f"{name} ({HEAD_TITLES[head]})")
    return names


def _beats_all(test: dict[str, Any]) -> bool:
    return not _not_beaten(test)


def _weaknesses(run: TrainingRun) -> list[str]:
    test = run.test
    items = []
    missed = [head for head in HEADS if test[head]["auroc"] < TARGETS[head]]
    demographic = test["baselines"][HEADS[0]][DEMOGRAPHIC_BASELINE]["auroc"]
    if missed:
        positives = " and ".join(
            f"{round(test[head]['prevalence'] * test[head]['n'])} ({HEAD_TITLES[head]})" for head in missed
        )
        figures = "; ".join(
            f"{HEAD_TITLES[head]}: {test[head]['auroc']:.4f} (95% CI {_f(test[head]['auroc_ci95'][0])}–"
            f"{_f(test[head]['auroc_ci95'][1])}) against ≥ {TARGETS[head]}"
            for head in missed
        )
        items.append(
            f"**AUROC target not reached** — {figures}. These are the honest held-out figures: the "
            "settings were chosen in cross-validation (see Training; its honesty note lists every scoring of "
            "this split). Cross-validation on the development rows gave "
            + " and ".join(
                f"{_f(run.cross_validation[head]['out_of_fold']['auroc'], 4)} ({HEAD_TITLES[head]})"
                for head in missed
            )
            + f"; the test split holds only {positives} positives, so its intervals are wide and include the "
            "targets, but by the held-out figures the targets are missed. Published CBC-only models in broad "
            f"populations report AUROC 0.74–0.87. Here age and sex alone reach {_f(demographic)} (< 30); the "
            "blood count adds the rest, and within a subgroup, where age and sex no longer separate risk, it "
            "carries less signal."
        )
    for head in HEADS:
        if test[head]["ece"] > TARGET_ECE:
            items.append(
                f"**Calibration target not reached for {HEAD_TITLES[head]}:** ECE {_f(test[head]['ece'])}."
            )
    ranked = sorted(
        ((name, subgroup["ferritin_below_30"]) for name, subgroup in test["subgroups"].items()),
        key=lambda item: item[1]["auroc"] if item[1]["auroc"] is not None else 1.0,
    )
    weakest = [f"{name} (AUROC {_f(metrics['auroc'])}, n = {metrics['n']})" for name, metrics in ranked[:3]]
    items.append(
        "Weakest subgroups for ferritin < 30: " + ", ".join(weakest) + ". Where age and sex no longer "
        "separate risk, the blood count alone discriminates much less well."
    )
    children = test["subgroups"]["children 1-5"]["ferritin_below_30"]
    items.append(
        f"Children 1–5: AUROC {_ci(children)} — the blood count barely separates them. Nearly half of them "
        "have ferritin < 30 µg/L, a threshold WHO does not use under 5 (it uses < 12 µg/L). Treat estimates "
        "for young children as a weak signal."
    )
    shifted = [
        f"{name} (mean predicted {_pct(metrics['mean_predicted'])}, observed {_pct(metrics['prevalence'])})"
        for name, metrics in (
            (name, subgroup["ferritin_below_30"]) for name, subgroup in test["subgroups"].items()
        )
        if abs(metrics["mean_predicted"] - metrics["prevalence"]) > CALIBRATION_IN_THE_LARGE_GAP
    ]
    if shifted:
        items.append(
            "Calibration within subgroups is looser than overall: "
            + "; ".join(shifted)
            + ". The model learns one risk surface for everyone; a group-specific offset was not fitted."
        )
    high = next(row for row in test["tiers"] if row["tier"] == "HIGH")
    if high["observed_rate"] is not None:
        items.append(
            f"PPV is modest at this prevalence: in the HIGH tier {_pct(1 - high['observed_rate'])} of test "
            "participants did not have ferritin < 30, so the output recommends a ferritin test, never treatment."
        )
    items.append(
        "Inflammation: the < 30 model was trained without inflamed participants; with CRP > 5 mg/L the "
        "estimate describes iron stores as they would look without inflammation and the confidence is "
        "lowered. Infection, chronic disease and recent transfusion are not captured."
    )
    items.append(
        "The < 15 model's extra training rows carry weaker labels: their CRP was not measured, so some "
        "normal ferritins may hide deficiency; the NHANES 1999–2000 adults were measured with an older "
        "ferritin assay and have no pregnancy flag. Cross-validation on fair labels says they help a "
        "little (+0.0014 AUROC on fresh fold seeds); they are never used for any reported figure."
    )
    items.append(
        "Thalassaemia trait and other microcytic conditions look like iron deficiency on a CBC; the model "
        "cannot tell them apart (a high RBC count with very low MCV should prompt hemoglobin electrophoresis)."
    )
    items.append(
        "Population and instruments: one U.S. survey, one analyser family; no ages 6–11, no pregnancy, ages "
        "above 80 top-coded. Different analysers (RDW especially) and populations may shift calibration; "
        "the independent 15% evaluation set and local data should be checked before relying on the cut-offs."
    )
    return items

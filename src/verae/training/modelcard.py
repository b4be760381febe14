"""docs/model-card.md, its data file and its figures, written by `verae model train` from the run's own figures.

`card_data` gathers every figure, table and text choice the card shows (from the training run and the
experiment history in model_selection_history.json) into JSON-serialisable data, written beside the card
as docs/model-card.json. The template model_card.md.j2 beside this module turns that data into Markdown:
the prose is fixed there, numbers are formatted there (filters `f`, `pct`, `ci`), and the "targets" and
"where the model is weak" sections follow from the data so they cannot drift. `verae model card`
re-renders the card from the committed data file without retraining.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import matplotlib

# the Agg backend: figures are written to files, never shown
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from verae.risk.features import BY_NAME, FEATURE_NAMES, FEATURES, REQUIRED_FIELDS
from verae.risk.model import HEADS
from verae.training.card_render import render_card_file
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
REQUIRED_ONLY_SCENARIO = "required set only (sex, age, hemoglobin, MCV)"
RELIABILITY_FIGURE = "model-reliability.png"
IMPORTANCE_FIGURE = "model-shap-importance.png"


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


def data_path_for(card_path: Path) -> Path:
    """The card's data file: beside the card, same name, `.json` (docs/model-card.json)."""
    return card_path.with_suffix(".json")


def write_model_card(run: TrainingRun, card_path: Path, data_label: str) -> None:
    """The figures, the data file and the card rendered from that file."""
    image_dir = card_path.parent / "img"
    image_dir.mkdir(parents=True, exist_ok=True)
    reliability_figure(run.test, image_dir / RELIABILITY_FIGURE)
    importance = importance_figure(run, image_dir / IMPORTANCE_FIGURE)
    image_link = os.path.relpath(image_dir, card_path.parent)
    data_path = data_path_for(card_path)
    write_card_data(card_data(run, importance, image_link, data_label, data_path.name), data_path)
    render_card_file(data_path, card_path)


def write_card_data(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_card_section(path: Path, section: str, figures: dict[str, Any]) -> None:
    """Put one section's figures (a bench's, `verae model anaemia`'s) into the card's data file, keeping the rest."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data[section] = figures
    write_card_data(data, path)


def _json_ready(value: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON types only (tuples become lists), so the card renders the same from the file."""
    ready: dict[str, Any] = json.loads(json.dumps(value, ensure_ascii=False))
    return ready


def card_data(
    run: TrainingRun, importance: list[tuple[str, float]], image_link: str, data_label: str, data_file: str
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
            "data_file": data_file,
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


def _not_beaten(test: dict[str, Any]) -> list[str]:
    names = []
    for head in HEADS:
        model = test[head]
        for name, metrics in test["baselines"][head].items():
            if metrics["auroc"] >= model["auroc"] or metrics["auprc"] >= model["auprc"]:
                names.append(f"{name} ({HEAD_TITLES[head]})")
    return names

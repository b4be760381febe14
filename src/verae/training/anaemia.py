"""Where a blood-count model should add most: among anaemic people, and by subgroup calibration.

`anaemic_comparison` ranks iron deficiency among anaemic participants (WHO hemoglobin cut-offs by age and
sex, `nhanes.anaemic`) and among those of them with small cells (MCV < 80 fL), with the model's
probabilities, MCV alone (smaller = more likely) and the Mentzer index MCV/RBC (larger = iron deficiency
rather than thalassaemia trait, the direction it was published in). No score is fitted here, so nothing is
chosen on the rows it is measured on.

`diagnosed_comparison` does the same on the public CBC set with a diagnosis
(`diagnosed_cbc_data_v4-original_data.csv`, see ../shared/data/nhanes/SOURCES.md; not redistributed in
this repository): "Iron deficiency anemia" against every other anaemia. That set has no age, sex or RDW,
so the model scores each row as a woman and as a man aged 35 (an assumption the card states), and its
labels were probably derived from the count itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from verae.risk.features import FEATURE_NAMES
from verae.risk.model import RiskModel
from verae.training import evaluation, nhanes

MICROCYTIC_BELOW_FL = 80.0
# the five groups the calibration targets name, by the same definitions as the card's other subgroups
CALIBRATION_GROUPS = ("women 12-49", "men 18+", "women 50+", "children 1-5", "adolescents 12-17")
DIAGNOSED_AGE = 35.0


def calibration_groups(rows: pd.DataFrame) -> dict[str, pd.Series]:
    female, age = rows["sex"] == 1.0, rows["age"]
    return {
        "women 12-49": female & (age >= 12) & (age < 50),
        "men 18+": ~female & (age >= 18),
        "women 50+": female & (age >= 50),
        "children 1-5": (age >= 1) & (age < 6),
        "adolescents 12-17": (age >= 12) & (age < 18),
    }


def _scores(rows: pd.DataFrame, model: RiskModel) -> dict[str, np.ndarray]:
    matrix = rows[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
    prediction = model.predict_batch(matrix)
    mcv = rows["mcv"].to_numpy(dtype=np.float64)
    return {
        "model": prediction.probability,
        "model_depleted": prediction.depleted_probability,
        "MCV alone": -mcv,
        "Mentzer index (MCV/RBC)": mcv / rows["rbc"].to_numpy(dtype=np.float64),
    }


def _compare(
    labels: np.ndarray, scores: dict[str, np.ndarray], score_names: tuple[str, ...], intervals: bool
) -> dict[str, Any]:
    return {
        name: evaluation.discrimination(labels.astype(int), scores[name], intervals) for name in score_names
    }


def anaemic_comparison(model: RiskModel, rows: pd.DataFrame, intervals: bool = True) -> dict[str, Any]:
    """AUROC of the model, MCV and Mentzer for ferritin < 30 and < 15 among the anaemic rows, and among
    the microcytic anaemic rows; plus ECE in each calibration group (`intervals`: bootstrap 95% intervals)."""
    scores = _scores(rows, model)
    anaemic = nhanes.anaemic(rows).to_numpy()
    microcytic = anaemic & (rows["mcv"].to_numpy() < MICROCYTIC_BELOW_FL)
    result: dict[str, Any] = {}
    for name, mask in (("anaemic", anaemic), ("microcytic anaemic", microcytic)):
        chosen = {key: value[mask] for key, value in scores.items()}
        ferritin = rows["ferritin"].to_numpy()[mask]
        result[name] = {
            "ferritin_below_30": _compare(
                ferritin < 30, chosen, ("model", "MCV alone", "Mentzer index (MCV/RBC)"), intervals
            ),
            "ferritin_below_15": _compare(
                ferritin < 15, chosen, ("model_depleted", "MCV alone", "Mentzer index (MCV/RBC)"), intervals
            ),
        }
    calibration: dict[str, Any] = {}
    for name, group in calibration_groups(rows).items():
        chosen_mask = group.to_numpy()
        labels = (rows["ferritin"].to_numpy()[chosen_mask] < 30).astype(int)
        probabilities = scores["model"][chosen_mask]
        calibration[name] = {
            "n": int(chosen_mask.sum()),
            "positives": int(labels.sum()),
            "ece": evaluation.expected_calibration_error(labels, probabilities),
            "ece_ci95": list(evaluation.bootstrap_ece_interval(labels, probabilities)) if intervals else None,
            "mean_predicted": float(probabilities.mean()),
            "prevalence": float(labels.mean()),
        }
    result["calibration_groups"] = calibration
    return result


def diagnosed_rows(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The anaemic rows of the diagnosed CBC set as feature rows (no sex or age yet), and whether each
    is labelled iron deficiency anaemia. Healthy, thrombocytopenia and leukaemia rows are left out."""
    raw = pd.read_csv(path)
    anaemias = raw["Diagnosis"].str.contains("anemia", case=False)
    raw = raw[anaemias].reset_index(drop=True)
    rows = pd.DataFrame(np.nan, index=raw.index, columns=list(FEATURE_NAMES))
    rows["hemoglobin"] = raw["HGB"] * 10.0
    rows["hematocrit"] = raw["HCT"]
    rows["rbc"] = raw["RBC"]
    rows["mcv"] = raw["MCV"]
    rows["mch"] = raw["MCH"]
    rows["mchc"] = raw["MCHC"] * 10.0
    rows["platelets"] = raw["PLT"]
    rows["wbc"] = raw["WBC"]
    return rows, (raw["Diagnosis"] == "Iron deficiency anemia").to_numpy()


def diagnosed_comparison(model: RiskModel, path: Path, intervals: bool = True) -> dict[str, Any]:
    """AUROC for iron deficiency anaemia against the other anaemias of the diagnosed set."""
    rows, labels = diagnosed_rows(path)
    usable = rows[["hemoglobin", "mcv", "rbc"]].notna().all(axis=1).to_numpy() & (rows["rbc"].to_numpy() > 0)
    rows, labels = rows[usable], labels[usable]
    result: dict[str, Any] = {"n": len(rows), "age_assumed": DIAGNOSED_AGE}
    for sex_name, sex in (("as women", 1.0), ("as men", 0.0)):
        scored = rows.assign(sex=sex, age=DIAGNOSED_AGE)
        result[sex_name] = evaluation.discrimination(
            labels.astype(int), _scores(scored, model)["model"], intervals
        )
    baseline = _scores(rows.assign(sex=1.0, age=DIAGNOSED_AGE), model)
    for name in ("MCV alone", "Mentzer index (MCV/RBC)"):
        result[name] = evaluation.discrimination(labels.astype(int), baseline[name], intervals)
    return result

"""`verae model anaemia`'s figures: the model against MCV alone and the Mentzer index, ECE by group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from verae.risk.model import RiskModel
from verae.training import nhanes
from verae.training.anaemia import CALIBRATION_GROUPS, anaemic_comparison, diagnosed_comparison


def test_the_comparison_scores_mcv_and_mentzer_as_published(shipped: RiskModel, cohort: pd.DataFrame) -> None:
    rows = cohort[nhanes.label_valid(cohort)].iloc[::4]
    figures = anaemic_comparison(shipped, rows, intervals=False)
    anaemic = rows[nhanes.anaemic(rows)]
    labels = anaemic["ferritin"] < 30
    below30 = figures["anaemic"]["ferritin_below_30"]
    assert below30["MCV alone"]["n"] == len(anaemic)
    assert below30["MCV alone"]["auroc"] == roc_auc_score(labels, -anaemic["mcv"])
    assert below30["Mentzer index (MCV/RBC)"]["auroc"] == roc_auc_score(
        labels, anaemic["mcv"] / anaemic["rbc"]
    )
    assert figures["microcytic anaemic"]["ferritin_below_30"]["model"]["n"] < len(anaemic)
    groups = figures["calibration_groups"]
    assert tuple(groups) == CALIBRATION_GROUPS
    women = groups["women 12-49"]
    assert women["n"] == int(((rows["sex"] == 1) & (rows["age"] >= 12) & (rows["age"] < 50)).sum())
    assert 0 <= women["ece"] <= 1


def test_the_diagnosed_set_keeps_anaemias_and_labels_iron_deficiency(
    tmp_path: Path, shipped: RiskModel
) -> None:
    path = tmp_path / "diagnosed.csv"
    header = "WBC,LYMp,NEUTp,LYMn,NEUTn,RBC,HGB,HCT,MCV,MCH,MCHC,PLT,PDW,PCT,Diagnosis"
    lines = [header]
    generator = np.random.default_rng(7)
    for index in range(40):
        iron = index % 2 == 0
        mcv = (68 if iron else 90) + generator.normal(0, 3)
        lines.append(
            f"7,30,60,2,4,{4.0 if iron else 3.6},{9.5 if iron else 10.5},30,{mcv:.1f},{21 if iron else 30},31,300,12,0.2,"
            + ("Iron deficiency anemia" if iron else "Normocytic normochromic anemia")
        )
    lines.append("7,30,60,2,4,4.8,14.5,44,90,30,33,250,12,0.2,Healthy")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    figures = diagnosed_comparison(shipped, path, intervals=False)
    assert figures["n"] == 40  # the healthy row is not an anaemia
    assert figures["MCV alone"]["positives"] == 20
    assert figures["as women"]["auroc"] > 0.9

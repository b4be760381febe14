"""Calibration by group (verae.training.calibration): candidates, the ECE noise floor, ADR 0007's rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from verae.training import calibration
from verae.training.anaemia import CALIBRATION_GROUPS

GROUP_NAMES = dict(enumerate(calibration.PARTITION))


def test_the_partition_puts_each_person_in_the_group_of_their_age_and_sex() -> None:
    age = np.array([3.0, 15.0, 15.0, 30.0, 60.0, 30.0, 80.0])
    sex = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    named = [GROUP_NAMES[code] for code in calibration.partition(age, sex)]
    assert named == [
        "children under 12",
        "girls 12-17",
        "boys 12-17",
        "women 18-49",
        "women 50+",
        "men 18+",
        "men 18+",
    ]


def test_an_intercept_per_group_corrects_a_group_the_stack_gets_wrong() -> None:
    generator = np.random.default_rng(3)
    rows = 6000
    groups = generator.integers(0, len(calibration.PARTITION), rows)
    signal = generator.normal(0.0, 1.5, rows)
    # the members know the signal, not that women 18-49 are one log-odds unit likelier to be positive
    shift = np.where(groups == calibration.PARTITION.index("women 18-49"), 1.0, 0.0)
    labels = (generator.uniform(size=rows) < 1 / (1 + np.exp(-(signal + shift)))).astype(float)
    members = np.column_stack(
        [signal + generator.normal(0, 0.3, rows), signal + generator.normal(0, 0.3, rows)]
    )
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(members, labels * 6 + groups))
    women = {"women": groups == calibration.PARTITION.index("women 18-49")}
    int_labels = labels.astype(int)
    shipped, offsets = (
        calibration.scores(
            int_labels, calibration.cross_fitted(candidate, members, labels, groups, folds), women
        )["women"]
        for candidate in (calibration.shipped_stack, calibration.group_offsets)
    )
    assert offsets["log_loss"] < shipped["log_loss"]
    assert offsets["ece"] < shipped["ece"] / 2


def test_a_perfectly_calibrated_model_meets_an_ece_target_more_often_on_more_rows() -> None:
    predictions = np.random.default_rng(5).uniform(0.05, 0.95, 2000)
    small = calibration.chance_target_met(predictions, 100, 0.04, simulations=300)
    large = calibration.chance_target_met(predictions, 3000, 0.04, simulations=300)
    assert small < 0.2
    assert large > 0.9


def _runs(log_loss: float, auroc: float, ece: float) -> list[dict[str, Any]]:
    row = {"log_loss": log_loss, "auroc": auroc, "ece": ece}
    return [{group: dict(row) for group in ("all", *CALIBRATION_GROUPS)} for _ in range(2)]


def test_the_rule_ships_only_a_candidate_better_on_the_proper_score_without_losing_ranking() -> None:
    fresh = {
        calibration.BASELINE: _runs(0.50, 0.80, 0.03),
        "better": _runs(0.49, 0.80, 0.02),
        "flatter": _runs(0.51, 0.80, 0.01),
        "ranks worse": _runs(0.49, 0.79, 0.02),
    }
    assert calibration.passes_rule(fresh, "better") == (True, [])
    passes, reasons = calibration.passes_rule(fresh, "flatter")
    assert not passes
    assert "overall log loss not lower in every fresh seed" in reasons
    passes, reasons = calibration.passes_rule(fresh, "ranks worse")
    assert not passes
    assert reasons == [
        "overall AUROC falls by more than 0.0005",
        "AUROC falls in women 12-49",
        "AUROC falls in children 1-5",
    ]

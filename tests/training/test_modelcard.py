"""The model card: data written by training, Markdown rendered from it by the template."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from verae.training import nhanes
from verae.training.modelcard import IMPORTANCE_FIGURE, _render, card_data, importance_figure, render_card
from verae.training.training import TrainingConfig, TrainingRun, train_cohort

TINY = TrainingConfig(max_iterations=40, folds=3)


@pytest.fixture(scope="module")
def tiny_run(cohort: pd.DataFrame, nhanes_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainingRun:
    rows = cohort.sample(n=900, random_state=0).sort_index()
    artifact = tmp_path_factory.mktemp("tiny-artifact")
    return train_cohort(rows, {"P_FAKE.XPT": "0" * 64}, nhanes.load_nhanes_1999(nhanes_dir), artifact, TINY)


def test_the_template_renders_the_old_card_byte_for_byte(tiny_run: TrainingRun, tmp_path: Path) -> None:
    importance = importance_figure(tiny_run, tmp_path / IMPORTANCE_FIGURE)
    old = _render(tiny_run, importance, "img", "nhanes")
    data = json.loads(json.dumps(card_data(tiny_run, importance, "img", "nhanes")))
    assert render_card(data) == old

"""The model card: a data file written by training, Markdown rendered from it by the template."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from verae.cli import app
from verae.training import nhanes
from verae.training.card_render import render_card
from verae.training.modelcard import write_model_card
from verae.training.training import TrainingConfig, TrainingRun, train_cohort

REPO = Path(__file__).resolve().parents[2]
CARD, CARD_DATA = REPO / "docs" / "model-card.md", REPO / "docs" / "model-card.json"
TINY = TrainingConfig(max_iterations=40, folds=3)


@pytest.fixture(scope="module")
def tiny_run(cohort: pd.DataFrame, nhanes_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainingRun:
    rows = cohort.sample(n=900, random_state=0).sort_index()
    artifact = tmp_path_factory.mktemp("tiny-artifact")
    return train_cohort(rows, {"P_FAKE.XPT": "0" * 64}, nhanes.load_nhanes_1999(nhanes_dir), artifact, TINY)


def test_the_committed_card_is_the_template_rendered_from_the_committed_data() -> None:
    assert CARD.read_text(encoding="utf-8") == render_card(json.loads(CARD_DATA.read_text(encoding="utf-8")))


def test_a_training_run_writes_a_data_file_the_template_renders(
    tiny_run: TrainingRun, tmp_path: Path
) -> None:
    card = tmp_path / "docs" / "model-card.md"
    card.parent.mkdir()
    write_model_card(tiny_run, card, data_label="nhanes")
    # the template is strict: a key missing from the data file fails the rendering
    data = json.loads((tmp_path / "docs" / "model-card.json").read_text(encoding="utf-8"))
    assert card.read_text(encoding="utf-8") == render_card(data)
    assert f"(`{tiny_run.metadata.model_version}`)" in card.read_text(encoding="utf-8")
    assert (tmp_path / "docs" / "img" / "model-reliability.png").is_file()
    del data["test"]["iron_index"]
    with pytest.raises(Exception, match="iron_index"):
        render_card(data)


def test_verae_model_card_rerenders_and_checks_the_card(tmp_path: Path) -> None:
    out = tmp_path / "card.md"
    runner = CliRunner()
    args = ["model", "card", "--data", str(CARD_DATA), "--out", str(out)]
    assert runner.invoke(app, [*args, "--check"]).exit_code == 1
    assert runner.invoke(app, args).exit_code == 0
    assert out.read_text(encoding="utf-8") == CARD.read_text(encoding="utf-8")
    assert runner.invoke(app, [*args, "--check"]).exit_code == 0

"""`verae model evaluate` as a person runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from verae.cli import app
from verae.risk import ARTIFACT_DIR
from verae.risk.model import METADATA_FILE, RiskModel
from verae.training import nhanes


def test_evaluate_prints_the_shipped_model_metrics_as_json(nhanes_dir: Path, shipped: RiskModel) -> None:
    outcome = CliRunner().invoke(
        app, ["model", "evaluate", "--nhanes-dir", str(nhanes_dir), "--json", "--no-intervals"]
    )
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["model_version"] == shipped.version
    # The committed files are the training files (two auxiliary CSVs of the training set cannot be
    # redistributed, so the folder's combined hash is the artifact's only where they sit beside them).
    present = nhanes.files_sha256(nhanes.present_files(nhanes_dir))
    assert report["data_sha256"] == nhanes.combined_sha256(present)
    assert present.items() <= shipped.metadata.training_files.items()
    for head in ("ferritin_below_30", "ferritin_below_15"):
        metrics = report[head]
        assert metrics["n"] == report["n_label_valid"]
        # this folder holds the training rows too, so the figures are at least the held-out ones
        assert metrics["auroc"] > shipped.metadata.metrics[head]["test_auroc"] - 0.02
        assert 0 <= metrics["ece"] < 0.05
        assert set(metrics["operating_points"]) == {"HIGH", "WARNING", "GRAY"}
    assert set(report["subgroups"]) == {
        "men (18+)",
        "women 12-49",
        "children 1-5",
        "age 65+",
        "anaemic",
        "non-anaemic",
    }


def test_evaluate_names_the_missing_files(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["model", "evaluate", "--nhanes-dir", str(tmp_path), "--json"])
    assert outcome.exit_code == 2
    assert "P_DEMO.XPT" in outcome.output


def test_evaluate_refuses_a_mismatched_artifact(tmp_path: Path, nhanes_dir: Path) -> None:
    artifact = tmp_path / "artifact"
    shutil.copytree(ARTIFACT_DIR, artifact)
    metadata = json.loads((artifact / METADATA_FILE).read_text(encoding="utf-8"))
    metadata["features"] = metadata["features"][:-1]
    (artifact / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    outcome = CliRunner().invoke(
        app, ["model", "evaluate", "--nhanes-dir", str(nhanes_dir), "--artifact-dir", str(artifact)]
    )
    assert outcome.exit_code == 1
    assert "feature schema does not match" in outcome.output


def test_evaluate_without_a_model_says_so(tmp_path: Path, nhanes_dir: Path) -> None:
    outcome = CliRunner().invoke(
        app, ["model", "evaluate", "--nhanes-dir", str(nhanes_dir), "--artifact-dir", str(tmp_path)]
    )
    assert outcome.exit_code == 1
    assert "no trained model" in outcome.output

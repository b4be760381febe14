"""`verae model train|card|evaluate|anaemia`: offline, on NHANES files (`card` needs only the card's data file)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from verae.cli.common import console
from verae.risk import ARTIFACT_DIR

model_app = typer.Typer(help="Train and evaluate the iron-deficiency risk model.", no_args_is_help=True)


@model_app.command("train")
def train_command(
    data: Path = typer.Option(
        ..., "--data", help="Folder with the NHANES P_ files (data/nhanes in the repository)"
    ),
    artifact_dir: Path = typer.Option(ARTIFACT_DIR, "--artifact-dir", help="Where the artifact is written"),
    card: Path = typer.Option(
        Path("docs/model-card.md"),
        "--card",
        help="Model card to write (its data file beside it as .json, figures in img/)",
    ),
) -> None:
    """Train the model reproducibly, write the artifact, the model card's data file and the card."""
    from verae.risk.model import HEADS
    from verae.training.modelcard import write_model_card
    from verae.training.nhanes import NhanesDataError
    from verae.training.training import TrainingConfig, train

    started = time.monotonic()
    try:
        with console.status("training (cross-validation, final fit, held-out evaluation)…"):
            run = train(data, artifact_dir, TrainingConfig())
    except NhanesDataError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    card.parent.mkdir(parents=True, exist_ok=True)
    write_model_card(run, card, data_label=data.name)
    console.print(
        f"model {run.metadata.model_version} written to {artifact_dir} in {time.monotonic() - started:.0f} s"
    )
    for head in HEADS:
        metrics = run.test[head]
        console.print(
            f"{head}: test AUROC {metrics['auroc']:.3f}, AUPRC {metrics['auprc']:.3f}, ECE {metrics['ece']:.3f}"
        )
    console.print(f"model card: {card}")


@model_app.command("card")
def card_command(
    data: Path = typer.Option(
        Path("docs/model-card.json"), "--data", help="The card's data file, written by `verae model train`"
    ),
    out: Path = typer.Option(Path("docs/model-card.md"), "--out", help="Model card to write"),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; fail if the card differs from what the data renders"
    ),
) -> None:
    """Re-render the model card from its data file, without retraining."""
    from verae.training.card_render import render_card

    rendered = render_card(json.loads(data.read_text(encoding="utf-8")))
    if check:
        if not out.is_file() or out.read_text(encoding="utf-8") != rendered:
            console.print(f"[red]{out} is not the card rendered from {data}; run `verae model card`[/red]")
            raise typer.Exit(1)
        console.print(f"{out} matches {data}")
        return
    out.write_text(rendered, encoding="utf-8")
    console.print(f"model card: {out} (from {data})")


@model_app.command("evaluate")
def evaluate_command(
    nhanes_dir: Path = typer.Option(..., "--nhanes-dir", help="Folder of NHANES P_ files to evaluate on"),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON on stdout"),
    artifact_dir: Path = typer.Option(ARTIFACT_DIR, "--artifact-dir", help="Artifact to evaluate"),
    intervals: bool = typer.Option(True, "--intervals/--no-intervals", help="Bootstrap 95% AUROC intervals"),
) -> None:
    """Metrics of the installed model on every participant of an NHANES folder."""
    from verae.risk.model import HEADS, ModelArtifactError, load_model
    from verae.training.nhanes import (
        NhanesDataError,
        combined_sha256,
        files_sha256,
        load_cohort,
        present_files,
    )
    from verae.training.training import evaluate_model

    try:
        model = load_model(artifact_dir)
    except ModelArtifactError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    if model is None:
        console.print(f"[red]no trained model in {artifact_dir}; run `verae model train` first[/red]")
        raise typer.Exit(1)
    try:
        data_sha256 = combined_sha256(files_sha256(present_files(nhanes_dir)))
        cohort = load_cohort(nhanes_dir)
    except NhanesDataError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    report: dict[str, Any] = {"model_version": model.version, "data_sha256": data_sha256}
    report |= evaluate_model(model, cohort, bootstrap=intervals)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    table = Table("label", "n", "prevalence", "AUROC (95% CI)", "AUPRC", "ECE")
    for head in HEADS:
        metrics = report[head]
        interval = metrics["auroc_ci95"]
        table.add_row(
            head,
            str(metrics["n"]),
            f"{metrics['prevalence']:.1%}",
            f"{metrics['auroc']:.3f}" + (f" ({interval[0]:.3f}–{interval[1]:.3f})" if interval else ""),
            f"{metrics['auprc']:.3f}",
            f"{metrics['ece']:.3f}",
        )
    Console().print(table)


@model_app.command("anaemia")
def anaemia_command(
    nhanes_dir: Path = typer.Option(
        Path("data/nhanes"), "--nhanes-dir", help="The NHANES P_ files trained on"
    ),
    diagnosed_csv: Path | None = typer.Option(
        None, "--diagnosed-csv", help="diagnosed_cbc_data_v4-original_data.csv (not in this repository)"
    ),
    data: Path = typer.Option(
        Path("docs/model-card.json"), "--data", help="The card's data file: the figures go under `anaemia`"
    ),
) -> None:
    """Among the anaemic rows of the test split (and a diagnosed public set): the model against MCV alone and
    the Mentzer index, and ECE by subgroup. A look at the test split: the card discloses it."""
    from verae.risk.model import load_model
    from verae.training import nhanes
    from verae.training.anaemia import anaemic_comparison, diagnosed_comparison
    from verae.training.modelcard import write_card_section
    from verae.training.training import TrainingConfig, split_test

    model = load_model(ARTIFACT_DIR)
    if model is None:
        console.print(f"[red]no trained model in {ARTIFACT_DIR}[/red]")
        raise typer.Exit(1)
    cohort = nhanes.load_cohort(nhanes_dir)
    config = TrainingConfig(**model.metadata.training["config"])
    test_rows = cohort[split_test(cohort, config) & nhanes.label_valid(cohort)]
    figures: dict[str, Any] = {"model_version": model.version, "test": anaemic_comparison(model, test_rows)}
    if diagnosed_csv is not None:
        figures["diagnosed"] = diagnosed_comparison(model, diagnosed_csv)
    write_card_section(data, "anaemia", figures)
    console.print(f"{data}: anaemia figures written; run `verae model card` to render them")

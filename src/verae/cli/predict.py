"""`verae predict --csv IN --out OUT`: score a batch CSV in canonical units."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verae.cli.common import console


def predict(
    csv: Annotated[Path, typer.Option("--csv", help="Input CSV: sex, age and canonical analyte columns")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: the input plus the risk columns")],
) -> None:
    """Score a batch CSV (canonical units, blanks allowed).

    Adds every score the API returns — risk_percent, depletion_risk_percent, risk_tier, iron_index,
    confidence — plus the inputs beyond the model's training range and, for a row not scored, why.
    """
    import pandas as pd

    from verae.risk.model import ModelArtifactError
    from verae.risk.service import predict_frame

    try:
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        console.print(f"[red]cannot read {csv}: {error}[/red]")
        raise typer.Exit(2) from error
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    try:
        result = predict_frame(frame)
    except ModelArtifactError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    result.to_csv(out, index=False)
    unscored = int((result["problems"] != "").sum())
    console.print(
        f"{len(result) - unscored} rows scored, {unscored} not scored (see the problems column) → {out}"
    )

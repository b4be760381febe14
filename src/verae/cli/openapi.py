"""`verae openapi`: the API contract, committed as docs/openapi.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def openapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
    inputs_out: Annotated[
        Path | None,
        typer.Option(help="Also write what GET /api/v1/risk/inputs publishes (the web app's analyte list)"),
    ] = None,
) -> None:
    """Print the OpenAPI contract (committed as docs/openapi.json; `make openapi` refreshes it and the web
    app's copy of the published analyte catalog)."""
    from verae.app import create_app
    from verae.config import Settings
    from verae.risk.service import input_catalog

    document = json.dumps(create_app(Settings(env="test")).openapi(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(document)
    else:
        out.write_text(document, encoding="utf-8")
    if inputs_out is not None:
        catalog = json.dumps(input_catalog().model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        inputs_out.write_text(catalog, encoding="utf-8")

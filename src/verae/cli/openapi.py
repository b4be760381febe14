"""`verae openapi`: the API contract, committed as docs/openapi.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def openapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
) -> None:
    """Print the OpenAPI contract (committed as docs/openapi.json; `make openapi` refreshes it)."""
    from verae.app import create_app
    from verae.config import Settings

    document = json.dumps(create_app(Settings(env="test")).openapi(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(document)
    else:
        out.write_text(document, encoding="utf-8")

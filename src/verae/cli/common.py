"""What every command shares: settings that refuse insecure production values, and the stderr console."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from verae.config import Settings

console = Console(stderr=True)


def load_settings() -> Settings:
    from verae.config import InsecureConfiguration, Settings

    try:
        return Settings()
    except InsecureConfiguration as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error


def configure() -> None:
    """Logs go to standard error as JSON, so commands that print results keep standard output clean."""
    from verae.observability.logging import configure_logging

    configure_logging(load_settings().log_level)

"""What every command shares: settings that refuse insecure production values, and the stderr console."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from verae.config import Settings


class _StandardErrorConsole:
    """rich's Console on standard error, created on first use so that `verae --help` never imports rich."""

    @functools.cached_property
    def _console(self) -> Console:
        from rich.console import Console

        return Console(stderr=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._console, name)


console = _StandardErrorConsole()


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

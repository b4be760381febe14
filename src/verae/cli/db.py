"""`verae db upgrade`."""

from __future__ import annotations

import typer

from verae.cli.common import console, load_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = "head") -> None:
    """Apply migrations (to the latest revision by default)."""
    from alembic import command

    from verae.migrations import alembic_config

    command.upgrade(alembic_config(load_settings().database_url), revision)
    console.print(f"database at revision {revision}")

"""`verae jobs requeue ID`."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from verae.cli.common import console, load_settings

jobs_app = typer.Typer(help="Operate on jobs.", no_args_is_help=True)


@jobs_app.command("requeue")
def requeue(job_id: Annotated[uuid.UUID, typer.Argument(help="The failed job's id")]) -> None:
    """Run a failed (dead) job again with a fresh set of attempts (audited with the shell's user name)."""
    import getpass

    from verae.jobs.service import requeue_failed
    from verae.kit.db import Database
    from verae.kit.errors import AppError

    database = Database(load_settings().database_url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            requeue_failed(session, job_id, operator=f"cli:{getpass.getuser()}")
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    finally:
        database.dispose()
    console.print(f"job {job_id} requeued")

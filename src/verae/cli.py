"""The `verae` command: serve, worker, db, jobs, blobs, smoke."""

from __future__ import annotations

import json
import signal
import sys
import threading
import uuid
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from alembic import command
from alembic.config import Config
from rich.console import Console

from verae.config import InsecureConfiguration, Settings
from verae.observability.logging import configure_logging
from verae.risk.cli import model_app, predict_command

app = typer.Typer(help="Verae: explained iron-deficiency risk from blood-test reports.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
jobs_app = typer.Typer(help="Operate on jobs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
blobs_app = typer.Typer(help="Maintain the blob store.", no_args_is_help=True)
app.add_typer(blobs_app, name="blobs")
app.add_typer(model_app, name="model")
app.command("predict")(predict_command)
console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except InsecureConfiguration as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error


@app.callback()
def main() -> None:
    """Logs go to standard error as JSON, so commands that print results keep standard output clean."""
    configure_logging(load_settings().log_level)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (to the latest revision by default)."""
    settings = load_settings()
    command.upgrade(alembic_config(settings.database_url), revision)
    console.print(f"database at revision {revision}")


@jobs_app.command("requeue")
def jobs_requeue(job_id: Annotated[uuid.UUID, typer.Argument(help="The failed job's id")]) -> None:
    """Run a failed (dead) job again with a fresh set of attempts."""
    from verae.jobs.service import requeue_failed
    from verae.kit.db import Database
    from verae.kit.errors import AppError

    settings = load_settings()
    database = Database(settings.database_url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            requeue_failed(session, job_id)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    finally:
        database.dispose()
    console.print(f"job {job_id} requeued")


@blobs_app.command("sweep")
def blobs_sweep(
    older_than_minutes: Annotated[
        int,
        typer.Option(
            min=1,
            help="Grace period: only blobs and unfinished writes older than this are deleted, so uploads "
            "in flight are never touched",
        ),
    ] = 60,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Delete even when most old blobs have no upload row (otherwise refused as a wrong database)",
        ),
    ] = False,
) -> None:
    """Delete upload blobs that no upload row owns, and abandoned partial writes (safe beside live uploads)."""
    from datetime import timedelta

    from verae.kit.blobstore import open_blob_store
    from verae.kit.db import Database
    from verae.uploads.sweep import SweepRefused, sweep_orphan_blobs

    settings = load_settings()
    database = Database(settings.database_url, pool_size=1)
    try:
        report = sweep_orphan_blobs(
            database,
            open_blob_store(settings),
            grace=timedelta(minutes=older_than_minutes),
            dry_run=dry_run,
            force=force,
        )
    except SweepRefused as refused:
        console.print(
            f"[red]refused[/red]: {refused}. Nothing was deleted. Is VERAE_DATABASE_URL the servers' "
            "database? If these really are orphans, run again with --force."
        )
        raise typer.Exit(2) from refused
    finally:
        database.dispose()
    verb = "would delete" if dry_run else "deleted"
    console.print(
        f"blobs: {report.blobs_seen} seen, {report.blobs_referenced} referenced, "
        f"{report.blobs_within_grace} within the grace period, {verb} {report.orphan_blobs} orphans; "
        f"unfinished writes: {report.unfinished_writes_seen} seen, {verb} {report.stale_unfinished_writes}"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run the API only")] = False,
    embedded_workers: Annotated[int, typer.Option(help="Worker threads inside the server")] = 2,
) -> None:
    """Run the API (and, unless --no-worker, worker threads in the same process)."""
    import uvicorn

    from verae.app import create_app

    settings = load_settings()
    api = create_app(settings, embedded_workers=0 if no_worker else embedded_workers)
    console.print(f"Verae is running on http://{host}:{port}")
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs processed in parallel by this process")] = 2,
) -> None:
    """Process jobs until SIGTERM/SIGINT; finishes the jobs in hand before exiting."""
    from verae.jobs.worker import Worker
    from verae.kit.blobstore import open_blob_store
    from verae.kit.db import Database

    settings = load_settings()
    running = Worker(
        db=Database(settings.database_url, pool_size=concurrency + 1),
        blobs=open_blob_store(settings),
        settings=settings,
        concurrency=concurrency,
    )
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if stop_requested.is_set():
            sys.exit(1)  # a second signal: stop now, leases will expire and other workers take over
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    running.start()
    stop_requested.wait()
    running.stop(timeout=settings.job_lease_seconds)


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="PDF, PNG, JPEG, CSV or JSON")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the extraction as JSON")] = False,
) -> None:
    """Read a lab report and print the values found, the person's details and the risk."""
    from verae.labs.cli import analyze_command

    analyze_command(file, json_output)


@app.command()
def smoke(
    base_url: Annotated[str, typer.Option(help="Where the API runs")] = "http://127.0.0.1:8000",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a job")] = 60.0,
) -> None:
    """Demo scenarios against a running server: happy path, unsupported file (415), no token (401)."""
    from verae.smoke import run_smoke

    raise typer.Exit(0 if run_smoke(base_url, timeout, console) else 1)


@app.command()
def openapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
) -> None:
    """Print the OpenAPI contract (committed as docs/openapi.json; `make openapi` refreshes it)."""
    from verae.app import create_app

    document = json.dumps(create_app(Settings(env="test")).openapi(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(document)
    else:
        out.write_text(document, encoding="utf-8")


if __name__ == "__main__":
    app()

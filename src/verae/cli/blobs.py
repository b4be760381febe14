"""`verae blobs sweep`."""

from __future__ import annotations

from typing import Annotated

import typer

from verae.cli.common import console, load_settings

blobs_app = typer.Typer(help="Maintain the blob store.", no_args_is_help=True)


@blobs_app.command("sweep")
def sweep(
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

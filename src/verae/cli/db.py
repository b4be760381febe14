"""`verae db upgrade`, `verae db prune`."""

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


@db_app.command("prune")
def prune() -> None:
    """Delete expired data now, as every worker does each hour: login attempts, old client addresses in the
    audit trail, ended rate-limit windows and share links, and organisations' documents and results past
    their retention period."""
    from verae.kit.blobstore import open_blob_store
    from verae.kit.db import Database
    from verae.orgs.retention import expire_organisation_data
    from verae.retention import purge_expired_personal_data

    settings = load_settings()
    database = Database(settings.database_url, pool_size=1)
    try:
        report = purge_expired_personal_data(database, settings)
        expired = expire_organisation_data(database, open_blob_store(settings))
    finally:
        database.dispose()
    console.print(
        f"deleted {report.login_attempts_deleted} login attempts older than "
        f"{settings.login_attempt_retention_days} days; erased the address of "
        f"{report.audit_addresses_erased} audit rows older than {settings.audit_ip_retention_days} days; "
        f"deleted {report.rate_limit_windows_deleted} ended rate-limit windows and "
        f"{report.share_links_deleted} share links ended over {settings.share_link_retention_days} days ago; "
        f"deleted {expired.uploads_deleted} documents (with their results) past their organisation's "
        f"retention period ({expired.blobs_not_deleted} files left for `verae blobs sweep`)"
    )

"""`verae orgs create|list` and `verae keys create|list|rotate|revoke`: organisations and their API keys."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from verae.cli.common import console, load_settings

if TYPE_CHECKING:
    from verae.kit.db import Database

orgs_app = typer.Typer(
    help="Organisations (clinics, labs) that call the API with keys.", no_args_is_help=True
)
keys_app = typer.Typer(help="Organisations' API keys (shown once, stored hashed).", no_args_is_help=True)


def _print(document: object) -> None:
    typer.echo(json.dumps(document, indent=2, default=str))


@orgs_app.command("create")
def create_organisation(
    name: Annotated[str, typer.Argument(help="The organisation's unique name")],
    retention_days: Annotated[
        int | None, typer.Option(help="Delete its documents and results this many days after upload")
    ] = None,
) -> None:
    """Create an organisation (and the service principal its keys act as)."""
    from verae.kit.errors import AppError
    from verae.orgs import service

    try:
        with _database() as database, database.unit_of_work() as session:
            created = service.create_organisation(session, name, retention_days=retention_days, actor_id=None)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    _print(created.model_dump(mode="json"))


@orgs_app.command("list")
def list_organisations() -> None:
    from verae.orgs import service

    with _database() as database, database.unit_of_work(write=False) as session:
        _print([found.model_dump(mode="json") for found in service.list_organisations(session)])


@keys_app.command("create")
def create_key(
    organisation: Annotated[str, typer.Argument(help="The organisation's name or id")],
    scope: Annotated[list[str], typer.Option("--scope", help="A scope (repeat for several)")],
    rate_limit: Annotated[
        int | None, typer.Option(help="Requests per minute (default VERAE_API_KEY_RATE_LIMIT_PER_MINUTE)")
    ] = None,
) -> None:
    """Issue a key; it is printed this once."""
    from pydantic import ValidationError

    from verae.kit.errors import AppError
    from verae.orgs import service
    from verae.orgs.schemas import ApiKeyIn

    try:
        wanted = ApiKeyIn.model_validate({"scopes": scope, "rate_limit_per_minute": rate_limit})
    except ValidationError as error:
        console.print(f"[red]scopes are {', '.join(_scopes())}; the rate limit is a positive number[/red]")
        raise typer.Exit(2) from error
    settings = load_settings()
    try:
        with _database() as database, database.unit_of_work() as session:
            found = service.find_organisation(session, organisation)
            created = service.create_key(
                session,
                settings,
                found,
                wanted.scopes,
                rate_limit_per_minute=wanted.rate_limit_per_minute,
                actor_id=None,
            )
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    _print(created.model_dump(mode="json"))


@keys_app.command("list")
def list_keys(organisation: Annotated[str, typer.Argument(help="The organisation's name or id")]) -> None:
    from verae.kit.errors import AppError
    from verae.orgs import service

    try:
        with _database() as database, database.unit_of_work(write=False) as session:
            keys = service.list_keys(session, service.find_organisation(session, organisation))
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    _print([key.model_dump(mode="json") for key in keys])


@keys_app.command("rotate")
def rotate_key(key_id: Annotated[uuid.UUID, typer.Argument(help="The key's id")]) -> None:
    """A new key with the same scopes; the old one keeps working for VERAE_API_KEY_ROTATION_GRACE_HOURS."""
    from verae.kit.errors import AppError
    from verae.orgs import service

    settings = load_settings()
    try:
        with _database() as database, database.unit_of_work() as session:
            created = service.rotate_key(session, settings, key_id, actor_id=None)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    _print(created.model_dump(mode="json"))


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[uuid.UUID, typer.Argument(help="The key's id")]) -> None:
    """Revoke at once."""
    from verae.kit.errors import AppError
    from verae.orgs import service

    try:
        with _database() as database, database.unit_of_work() as session:
            revoked = service.revoke_key(session, key_id, actor_id=None)
    except AppError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    _print(revoked.model_dump(mode="json"))


def _scopes() -> tuple[str, ...]:
    from verae.orgs.scopes import SCOPES

    return SCOPES


@contextmanager
def _database() -> Iterator[Database]:
    """A one-connection Database for the command, disposed of when it ends."""
    from verae.kit.db import Database

    database = Database(load_settings().database_url, pool_size=1)
    try:
        yield database
    finally:
        database.dispose()

"""`verae users grant EMAIL ROLE` and `verae users revoke EMAIL`: staff roles, from the command line only
(the first admin is made this way). Each change is in the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from verae.cli.common import console, load_settings

users_app = typer.Typer(help="Give or take staff roles (support, admin).", no_args_is_help=True)


@users_app.command("grant")
def grant(
    email: Annotated[str, typer.Argument(help="The person's account email")],
    role: Annotated[str, typer.Argument(help="support or admin")],
) -> None:
    """Give an account a staff role."""
    from verae.auth.roles import Role

    if role not in (Role.SUPPORT, Role.ADMIN):
        console.print("[red]The role is support or admin (revoke returns an account to user).[/red]")
        raise typer.Exit(2)
    _set_role(email, Role(role))


@users_app.command("revoke")
def revoke(email: Annotated[str, typer.Argument(help="The person's account email")]) -> None:
    """Take an account's staff role away (it becomes a plain user)."""
    from verae.auth.roles import Role

    _set_role(email, Role.USER)


def _set_role(email: str, role: str) -> None:
    from verae.auth import repository
    from verae.auth.service import normalize_email
    from verae.kit.db import Database
    from verae.observability.audit import record_audit

    database = Database(load_settings().database_url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            user = repository.get_user_by_email(session, normalize_email(email))
            if user is None:
                console.print(f"[red]No account with the email {email}.[/red]")
                raise typer.Exit(1)
            previous, user.role = user.role, role
            # The command line has no logged-in actor: the row says so, with what changed.
            record_audit(
                session,
                "users.role_changed",
                user_id=None,
                object_type="user",
                object_id=user.id,
                details={"role": role, "previous": previous, "via": "cli"},
            )
    finally:
        database.dispose()
    console.print(f"{email}: {previous} → {role}")

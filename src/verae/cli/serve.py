"""`verae serve`: the API, with worker threads inside unless --no-worker."""

from __future__ import annotations

from typing import Annotated

import typer

from verae.cli.common import console, load_settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run the API only")] = False,
    embedded_workers: Annotated[int, typer.Option(help="Worker threads inside the server")] = 2,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            envvar="VERAE_FORWARDED_ALLOW_IPS",
            help="Comma-separated addresses or networks of the proxies in front (e.g. 127.0.0.1 for a "
            "local nginx): their X-Forwarded-For and X-Forwarded-Proto are believed, so per-address "
            "limits count the client's address. Empty (the default): no proxy is trusted",
        ),
    ] = "",
) -> None:
    """Run the API (and, unless --no-worker, worker threads in the same process)."""
    import uvicorn

    from verae.app import create_app
    from verae.config import InsecureConfiguration

    settings = load_settings()
    try:
        settings.refuse_development_secret_beyond_loopback(host)
    except InsecureConfiguration as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    api = create_app(settings, embedded_workers=0 if no_worker else embedded_workers)
    console.print(f"Verae is running on http://{host}:{port}")
    # An empty list trusts nobody: a client could otherwise pick the address its limits are counted on.
    uvicorn.run(
        api,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )

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
    uvicorn.run(api, host=host, port=port, log_level="warning", access_log=False)

"""The `verae` command. Each command lives in its own module and imports what it needs only when it runs,
so `verae --help` (and any one command) starts without loading the web stack, the reader or the model."""

from __future__ import annotations

import typer

from verae.cli import (
    analyze,
    blobs,
    db,
    jobs,
    model,
    openapi,
    orgs,
    predict,
    serve,
    smoke,
    stats,
    users,
    worker,
)
from verae.cli.common import configure

# Plain help text (no rich markup): rendering help with rich imports more than the command itself.
app = typer.Typer(
    help="Verae: explained iron-deficiency risk from blood-test reports.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.callback()(configure)
app.command()(serve.serve)
app.command()(worker.worker)
app.command()(analyze.analyze)
app.command()(predict.predict)
app.command()(smoke.smoke)
app.command()(openapi.openapi)
app.add_typer(db.db_app, name="db")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(blobs.blobs_app, name="blobs")
app.add_typer(model.model_app, name="model")
app.add_typer(users.users_app, name="users")
app.add_typer(stats.stats_app, name="stats")
app.add_typer(orgs.orgs_app, name="orgs")
app.add_typer(orgs.keys_app, name="keys")

"""`verae stats funnel --days N`: the admin console's funnel and processing report, from the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from verae.cli.common import load_settings

if TYPE_CHECKING:
    from verae.admin.schemas import Stats

stats_app = typer.Typer(help="Reports from the database.", no_args_is_help=True)


@stats_app.command("funnel")
def funnel(
    days: Annotated[int, typer.Option(min=1, max=366, help="Days back, today included")] = 14,
    as_json: Annotated[
        bool, typer.Option("--json", help="The report as JSON (GET /api/v1/admin/stats)")
    ] = False,
) -> None:
    """signup → upload_started → upload_success → job_created → result_viewed, per day and per step."""
    from verae.admin.service import stats_report
    from verae.kit.db import Database

    database = Database(load_settings().database_url, pool_size=1)
    try:
        with database.unit_of_work(write=False) as session:
            report = stats_report(session, days)
    finally:
        database.dispose()
    typer.echo(report.model_dump_json(indent=2) if as_json else render(report))


def render(report: Stats) -> str:
    from verae.admin.schemas import FUNNEL_STEPS

    width = max(len(step) for step in FUNNEL_STEPS)
    lines = [f"Funnel {report.since:%Y-%m-%d} .. {report.until:%Y-%m-%d %H:%M} UTC (people per day)"]
    lines.append("day         " + " ".join(f"{step:>{width}}" for step in FUNNEL_STEPS))
    for day in report.days:
        lines.append(f"{day.day}  " + " ".join(f"{day.people[step]:>{width}}" for step in FUNNEL_STEPS))
    lines.append("")
    lines.append("Cohort (signed up in the period)   people  events  conversion")
    for step in report.funnel:
        conversion = "" if step.conversion is None else f"{step.conversion:.0%}"
        lines.append(f"  {step.step:<32} {step.people:>6}  {step.events:>6}  {conversion:>10}")
    processing = report.processing
    share = "-" if processing.failed_share is None else f"{processing.failed_share:.1%}"
    lines.append("")
    lines.append(
        f"Jobs finished {processing.finished}: done {processing.done}, failed {processing.failed} ({share}); "
        f"upload to result p50 {_seconds(processing.p50_seconds)}, p95 {_seconds(processing.p95_seconds)}"
    )
    if processing.error_codes:
        codes = ", ".join(f"{code} {count}" for code, count in processing.error_codes.items())
        lines.append(f"Error codes: {codes}")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"

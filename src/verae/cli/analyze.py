"""`verae analyze FILE`: read a report on the command line and show what was extracted (and the risk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from verae.labs.schemas import LabReport

_VALUE_FIELDS = (
    "analyte",
    "value",
    "unit",
    "normalized_value",
    "normalized_unit",
    "qualifier",
    "reference_range",
    "flag",
    "confidence",
    "page",
)


def read_any(data: bytes) -> LabReport:
    """A report from any accepted upload type, sniffed from its content as uploads are."""
    from verae.labs.errors import ReportUnreadable
    from verae.labs.reader import read_report
    from verae.uploads.sniff import SNIFF_BYTES, sniff_media_type

    media_type = sniff_media_type(data[:SNIFF_BYTES], complete=len(data) <= SNIFF_BYTES)
    if media_type is None:
        raise ReportUnreadable(
            "unsupported_media_type", "The file is not a PDF, PNG, JPEG, CSV or JSON report."
        )
    return read_report(data, media_type)


def extraction(report: LabReport) -> dict[str, Any]:
    from verae.risk.schemas import NeedsInput
    from verae.risk.service import assess

    payload: dict[str, Any] = {
        "values": [
            report_value.model_dump(mode="json", include=set(_VALUE_FIELDS)) for report_value in report.values
        ],
        "collection_date": report.collection_date.isoformat() if report.collection_date else None,
        "sex": report.sex,
        "age": report.age,
        "warnings": [warning.message for warning in report.warnings],
    }
    try:
        payload["risk"] = assess(report).model_dump(mode="json")
    except NeedsInput as needs:
        payload["needs_input"] = {
            "missing_required_fields": needs.missing_required_fields,
            "invalid_fields": [item.model_dump(mode="json") for item in needs.invalid_fields],
        }
    return payload


def analyze(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="PDF, PNG, JPEG, CSV or JSON")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print the extraction as JSON")] = False,
) -> None:
    """Read a lab report and print the values found, the person's details and the risk."""
    from rich.console import Console

    from verae.labs.errors import ReportUnreadable

    try:
        payload = extraction(read_any(file.read_bytes()))
    except ReportUnreadable as error:
        if json_output:
            typer.echo(
                json.dumps({"error": {"code": error.code, "message": error.diagnostic}}, ensure_ascii=False)
            )
        else:
            Console(stderr=True).print(f"[red]{error.code}[/red]: {error.diagnostic}")
        raise typer.Exit(1) from error
    if json_output:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_table(payload)


def _print_table(payload: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table("analyte", "printed", "normalised", "range", "flag", "confidence", "page")
    for item in payload["values"]:
        printed = f"{item['qualifier'] or ''}{item['value']:g} {item['unit'] or ''}".strip()
        table.add_row(
            item["analyte"],
            printed,
            f"{item['normalized_value']:g} {item['normalized_unit']}",
            item["reference_range"] or "",
            item["flag"] or "",
            f"{item['confidence']:.2f}",
            str(item["page"] or ""),
        )
    console.print(table)
    console.print(f"collected {payload['collection_date']}, sex {payload['sex']}, age {payload['age']}")
    for warning in payload["warnings"]:
        console.print(f"[yellow]warning[/yellow]: {warning}")
    if "risk" in payload:
        risk = payload["risk"]
        console.print(
            f"risk {risk['risk_percent']:.0f}% ({risk['risk_tier']}), model {risk['model_version']}"
        )
    else:
        console.print(f"needs input: {payload['needs_input']}")

"""`verae analyze FILE --json` prints the extraction, the risk or what is missing, and failure codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from verae.cli import app

from .corpus.layouts import make_document


def test_analyze_prints_values_person_and_risk_as_json(tmp_path: Path) -> None:
    document = make_document("uk_nhs", 1)
    report = tmp_path / "report.pdf"
    report.write_bytes(document.pdf)
    result = CliRunner().invoke(app, ["analyze", str(report), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= {"values", "collection_date", "sex", "age", "warnings", "risk"}
    assert payload["collection_date"] == document.truth.collection_date.isoformat()
    first = payload["values"][0]
    assert set(first) == {
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
    }
    assert payload["risk"]["risk_tier"] in ("HIGH", "WARNING", "GRAY", "LOW")


def test_analyze_reports_missing_inputs_instead_of_a_risk(tmp_path: Path) -> None:
    values = tmp_path / "values.csv"
    values.write_text("analyte,value,unit\nferritin,12,ug/L\n")
    payload = json.loads(CliRunner().invoke(app, ["analyze", str(values), "--json"]).stdout)
    assert "risk" not in payload
    assert set(payload["needs_input"]["missing_required_fields"]) == {"sex", "age", "hemoglobin", "mcv"}


def test_analyze_exits_non_zero_with_the_failure_code(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    result = CliRunner().invoke(app, ["analyze", str(broken), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "corrupted_file"

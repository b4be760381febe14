"""Report warnings carry a stable code and its fields, so the web app can show them in the person's language;
the English message stays for API clients, and texts stored before codes existed still load."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from verae.labs.schemas import LabReport, ReportWarning, WarningCode
from verae.labs.values import apply_field

WEB_I18N = Path(__file__).resolve().parents[2] / "web" / "src" / "i18n"
CODES = [code for code in get_args(WarningCode) if code != "note"]


def test_a_value_given_twice_keeps_the_last_and_says_so() -> None:
    report = LabReport()
    apply_field(report, "hemoglobin", 118, "g/L")
    apply_field(report, "hemoglobin", 12.1, "g/dL")
    assert [value.normalized_value for value in report.values] == [121.0]
    assert report.warnings == [ReportWarning.of("repeated_value", analyte="hemoglobin")]
    assert report.warnings[0].message == "hemoglobin was given more than once; the last value is used"


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_an_english_message_with_its_fields_filled_in(code: WarningCode) -> None:
    warning = ReportWarning.of(
        code, analyte="ferritin", page=2, unit="mg/dl", items=["2024-03-10", "2024-03-12"]
    )
    assert warning.code == code
    assert not re.search(r"\{\w+\}|None", warning.message), warning.message


def test_texts_stored_before_codes_load_as_notes() -> None:
    stored = {
        "values": [],
        "warnings": ["Taken from your profile: sex", {"code": "unit_missing", "message": "m"}],
    }
    report = LabReport.model_validate(stored)
    assert [(warning.code, warning.message) for warning in report.warnings] == [
        ("note", "Taken from your profile: sex"),
        ("unit_missing", "m"),
    ]


@pytest.mark.parametrize("dictionary", ["en.ts", "ru.ts"])
def test_the_web_app_translates_every_code(dictionary: str) -> None:
    keys = set(re.findall(r'"(warning\.\w+)":', (WEB_I18N / dictionary).read_text(encoding="utf-8")))
    assert {f"warning.{code}" for code in CODES} <= keys

"""The runtime never loads the offline-ML libraries — not even to score: checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "pandas", "matplotlib", "scipy", "catboost")


def _heavy_modules_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} "
        f"or m.startswith('verae.training'))))"
    )
    answer = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    loaded: list[str] = json.loads(answer.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "module",
    ["verae.risk.service", "verae.risk.router", "verae.risk.model", "verae.app", "verae.worker", "verae.cli"],
)
def test_importing_the_runtime_loads_no_training_library(module: str) -> None:
    assert _heavy_modules_after(f"import {module}") == []


def test_scoring_a_report_with_its_explanation_loads_no_training_library() -> None:
    scoring = (
        "from verae.labs.schemas import LabReport\n"
        "from verae.labs.values import apply_field\n"
        "from verae.risk.service import assess\n"
        "report = LabReport()\n"
        "for name, value, unit in [('sex', 'female', None), ('age', 34, None), ('hemoglobin', 109, 'g/L'),\n"
        "                          ('mcv', 74, 'fL'), ('rdw_cv', 16.2, '%'), ('ferritin', 9, 'ug/L')]:\n"
        "    apply_field(report, name, value, unit)\n"
        "risk = assess(report)\n"
        "assert risk.model_version.startswith('catboost') and risk.explanations, risk\n"
    )
    assert _heavy_modules_after(scoring) == []

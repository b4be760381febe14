"""The runtime never loads the offline-ML libraries: checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "pandas", "matplotlib", "scipy", "catboost", "verae.training")


@pytest.mark.parametrize(
    "module", ["verae.risk.service", "verae.risk.router", "verae.risk.model", "verae.app"]
)
def test_importing_the_runtime_loads_no_training_library(module: str) -> None:
    code = (
        f"import json, sys, {module}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} "
        f"or m.startswith('verae.training'))))"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    )
    assert loaded == []

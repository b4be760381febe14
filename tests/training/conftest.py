"""Fixtures for the training tests: the NHANES files committed in data/nhanes (VERAE_NHANES_DIR overrides)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from tests.risk.conftest import shipped
from verae.training import nhanes

__all__ = ["cohort", "nhanes_dir", "shipped"]

REPO = Path(__file__).resolve().parents[2]
NHANES_DIR = Path(os.environ.get("VERAE_NHANES_DIR", REPO / "data" / "nhanes"))


@pytest.fixture(scope="session")
def nhanes_dir() -> Path:
    # The training data is committed with the repository: its absence is a failure, never a skip.
    assert nhanes.present_files(NHANES_DIR), f"NHANES files not found in {NHANES_DIR} (set VERAE_NHANES_DIR)"
    return NHANES_DIR


@pytest.fixture(scope="session")
def cohort(nhanes_dir: Path) -> pd.DataFrame:
    return nhanes.load_cohort(nhanes_dir)

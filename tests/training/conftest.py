"""Fixtures for the training tests: the NHANES files committed in data/nhanes (VERAE_NHANES_DIR overrides)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from tests.risk.conftest import shipped
from verae.training import nhanes

__all__ = ["cohort", "nhanes_1999_dir", "nhanes_dir", "shipped"]

REPO = Path(__file__).resolve().parents[2]
NHANES_DIR = Path(os.environ.get("VERAE_NHANES_DIR", REPO / "data" / "nhanes"))


@pytest.fixture(scope="session")
def nhanes_dir() -> Path:
    # The training data is committed with the repository: its absence is a failure, never a skip.
    assert nhanes.present_files(NHANES_DIR), f"NHANES files not found in {NHANES_DIR} (set VERAE_NHANES_DIR)"
    return NHANES_DIR


@pytest.fixture(scope="session")
def nhanes_1999_dir(nhanes_dir: Path) -> Path:
    """A folder holding anemia_from_rda.csv (NHANES 1999-2000 adults): the team's shared data, since the
    file carries no licence that allows committing it (data/nhanes/SOURCES.md)."""
    for folder in (nhanes_dir, REPO.parent / "shared" / "data" / "nhanes"):
        if (folder / nhanes.NHANES_1999_FILE).is_file():
            return folder
    pytest.skip(f"{nhanes.NHANES_1999_FILE} is not redistributable and not present beside the repository")


@pytest.fixture(scope="session")
def cohort(nhanes_dir: Path) -> pd.DataFrame:
    return nhanes.load_cohort(nhanes_dir)

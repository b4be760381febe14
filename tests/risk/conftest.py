"""Fixtures for the risk tests: the shipped artifact and the NHANES files in ../shared/data/nhanes."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.labs.values import apply_field
from verae.risk import ARTIFACT_DIR, nhanes
from verae.risk.model import RiskModel

REPO = Path(__file__).resolve().parents[2]
NHANES_DIR = Path(os.environ.get("VERAE_NHANES_DIR", REPO.parent / "shared" / "data" / "nhanes"))


@pytest.fixture(scope="session")
def shipped() -> RiskModel:
    """The artifact committed with the package: its absence is a failure, not a skip."""
    return RiskModel.load(ARTIFACT_DIR)


@pytest.fixture(scope="session")
def nhanes_dir() -> Path:
    # The training data sits beside the repository (../shared) on every machine, CI included: its absence
    # is a failure, never a skip.
    assert (NHANES_DIR / "P_CBC.XPT").is_file(), (
        f"NHANES files not found in {NHANES_DIR} (set VERAE_NHANES_DIR)"
    )
    return NHANES_DIR


@pytest.fixture(scope="session")
def cohort(nhanes_dir: Path) -> pd.DataFrame:
    return nhanes.load_cohort(nhanes_dir)


def make_report(sex: str | None, age: float | None, **values: float) -> LabReport:
    """A report as the parsers produce it, from canonical-unit values (bmi/height_cm/weight_kg as person fields)."""
    report = LabReport()
    if sex is not None:
        apply_field(report, "sex", sex)
    if age is not None:
        apply_field(report, "age", age)
    for name, value in values.items():
        unit = BY_CODE[name].canonical_unit if name in BY_CODE else None
        apply_field(report, name, value, unit)
    return report


# A young woman with a microcytic, hypochromic anaemia and a wide RDW: the classic iron-deficiency picture.
IRON_DEFICIENT_PICTURE = {
    "hemoglobin": 98.0,
    "hematocrit": 31.5,
    "rbc": 4.3,
    "mcv": 72.0,
    "mch": 22.8,
    "mchc": 311.0,
    "rdw_cv": 17.5,
    "platelets": 390.0,
    "wbc": 6.8,
}
# A middle-aged man with a normal blood count.
HEALTHY_PICTURE = {
    "hemoglobin": 152.0,
    "hematocrit": 45.0,
    "rbc": 5.0,
    "mcv": 90.0,
    "mch": 30.4,
    "mchc": 338.0,
    "rdw_cv": 12.9,
    "platelets": 240.0,
    "wbc": 6.2,
}

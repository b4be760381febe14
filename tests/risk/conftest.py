"""Fixtures for the risk tests: the shipped artifact and reports as the parsers produce them."""

from __future__ import annotations

import pytest

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.labs.values import apply_field
from verae.risk import ARTIFACT_DIR
from verae.risk.model import RiskModel


@pytest.fixture(scope="session")
def shipped() -> RiskModel:
    """The artifact committed with the package: its absence is a failure, not a skip."""
    return RiskModel.load(ARTIFACT_DIR)


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

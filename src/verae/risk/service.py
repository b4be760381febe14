"""The risk use case: check the inputs, estimate, and word the answer."""

from __future__ import annotations

from verae.labs.schemas import LabReport
from verae.risk import rules
from verae.risk.measured import measured_iron_status
from verae.risk.schemas import NeedsInput, RiskResult, RiskTier
from verae.risk.texts import CLINICAL_ACTIONS, DISCLAIMER, MEASURED_DEFICIENT_ACTION

REQUIRED_FIELDS: tuple[str, ...] = ("sex", "age", "hemoglobin", "mcv")
TIER_CUTOFFS: tuple[tuple[float, RiskTier], ...] = ((60.0, "HIGH"), (35.0, "WARNING"), (15.0, "GRAY"))


def tier_for(risk_percent: float) -> RiskTier:
    for cutoff, tier in TIER_CUTOFFS:
        if risk_percent >= cutoff:
            return tier
    return "LOW"


def missing_required_fields(report: LabReport) -> list[str]:
    present = {value.analyte for value in report.values}
    person = {"sex": report.sex, "age": report.age}
    return [
        field
        for field in REQUIRED_FIELDS
        if (field in person and person[field] is None) or (field not in person and field not in present)
    ]


def assess(report: LabReport) -> RiskResult:
    """The risk estimate for a report; NeedsInput when required inputs are missing or any input is invalid."""
    missing = missing_required_fields(report)
    if missing or report.invalid_fields:
        raise NeedsInput(missing, list(report.invalid_fields))
    assert report.sex is not None and report.age is not None  # guaranteed by the required-field check
    risk_percent, explanations = rules.score(report, report.sex, report.age)
    tier = tier_for(risk_percent)
    measured = measured_iron_status(report)
    action = CLINICAL_ACTIONS[tier]
    if measured is not None and measured.status != "not_deficient":
        action = MEASURED_DEFICIENT_ACTION
    return RiskResult(
        iron_index=None,
        risk_percent=risk_percent,
        risk_tier=tier,
        clinical_action=action,
        disclaimer=DISCLAIMER,
        explanations=explanations,
        confidence="low",
        model_version=rules.MODEL_VERSION,
        measured_iron_status=measured,
    )

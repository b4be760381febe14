"""FHIR validation by an independent library: fhir.resources (R4B, whose DiagnosticReport, Observation and
RiskAssessment are R4's)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle


def validated_resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The bundle's resources as the library parsed them (it raises on anything invalid)."""
    parsed: dict[str, Any] = Bundle.model_validate(document).model_dump(mode="json")
    return [entry["resource"] for entry in parsed["entry"]]


def observations_by_loinc(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        resource["code"]["coding"][0]["code"]: resource
        for resource in resources
        if resource["resourceType"] == "Observation"
    }

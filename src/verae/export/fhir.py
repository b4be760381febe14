"""A result as a FHIR R4 Bundle: a DiagnosticReport, one Observation per value (LOINC code, UCUM unit,
reference range, interpretation) and a RiskAssessment for the estimate. Plain dicts, built from the stored
result; the tests validate them with an independent FHIR model library.

Observations carry the value in its canonical unit (always a UCUM unit) and the printed reference range
converted to it by the same factor as the value. The subject is a Patient with no identity: only the sex
the report gave.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from verae.labs.catalog import BY_CODE
from verae.labs.layout import Word
from verae.labs.schemas import LabReport, LabValue
from verae.labs.tokens import tokenize
from verae.models import Result
from verae.risk.schemas import RiskResult

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"
# LOINC 11502-2: Laboratory report
REPORT_CODE = {"system": LOINC, "code": "11502-2", "display": "Laboratory report"}
_INTERPRETATIONS = {"L": "Low", "H": "High", "N": "Normal", "A": "Abnormal"}
_PRINTED_FLAGS = {
    "L": "L",
    "LL": "L",
    "↓": "L",
    "↓↓": "L",
    "H": "H",
    "HH": "H",
    "↑": "H",
    "↑↑": "H",
    "*": "A",
}


def ucum(unit: str) -> str:
    """The catalog's canonical units are UCUM already, but for powers of ten (10^9/L is 10*9/L)."""
    return unit.replace("10^", "10*")


def result_bundle(result: Result) -> dict[str, Any]:
    report = LabReport.model_validate(result.report)
    risk = RiskResult.model_validate(result.risk)
    # Stable ids: exporting the same result twice gives the same resources.
    ids = _Ids(result.id)
    patient = {"resourceType": "Patient", "id": ids("patient")}
    if report.sex is not None:
        patient["gender"] = report.sex
    subject = {"reference": ids.url("patient")}
    effective = {"effectiveDateTime": report.collection_date.isoformat()} if report.collection_date else {}
    issued = result.created_at.isoformat()
    observations = [
        _observation(ids(f"observation-{index}"), value, subject, effective, issued)
        for index, value in enumerate(report.values)
    ]
    observation_refs = [{"reference": ids.url(f"observation-{index}")} for index in range(len(observations))]
    diagnostic_report = {
        "resourceType": "DiagnosticReport",
        "id": ids("report"),
        "status": "final",
        "category": [{"coding": [{"system": DIAGNOSTIC_SERVICE, "code": "LAB", "display": "Laboratory"}]}],
        "code": {"coding": [REPORT_CODE], "text": "Blood test"},
        "subject": subject,
        **effective,
        "issued": issued,
        "result": observation_refs,
        "conclusion": risk.clinical_action.en,
    }
    risk_assessment = {
        "resourceType": "RiskAssessment",
        "id": ids("risk"),
        "status": "final",
        "subject": subject,
        **({"occurrenceDateTime": effective["effectiveDateTime"]} if effective else {}),
        "method": {"text": f"Verae iron-deficiency estimate, model {risk.model_version}"},
        "basis": [{"reference": ids.url("report")}, *observation_refs],
        "prediction": [
            {
                "outcome": {"text": "Iron deficiency (ferritin below 30 µg/L)"},
                "probabilityDecimal": round(risk.risk_percent / 100, 4),
                "qualitativeRisk": {"text": risk.risk_tier},
                "rationale": risk.clinical_action.en,
            }
        ],
        "note": [{"text": risk.disclaimer.en}],
    }
    resources = [diagnostic_report, *observations, risk_assessment, patient]
    return {
        "resourceType": "Bundle",
        "id": ids("bundle"),
        "type": "collection",
        "timestamp": issued,
        "entry": [{"fullUrl": ids.url_of(resource["id"]), "resource": resource} for resource in resources],
    }


class _Ids:
    def __init__(self, result_id: uuid.UUID) -> None:
        self.result_id = result_id

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(self.result_id, name))

    def url(self, name: str) -> str:
        return self.url_of(self(name))

    @staticmethod
    def url_of(resource_id: str) -> str:
        return f"urn:uuid:{resource_id}"


def _observation(
    resource_id: str, value: LabValue, subject: dict[str, str], effective: dict[str, str], issued: str
) -> dict[str, Any]:
    analyte = BY_CODE.get(value.analyte)
    code: dict[str, Any] = {"text": analyte.name_en if analyte else value.analyte}
    if analyte is not None:
        code["coding"] = [{"system": LOINC, "code": analyte.loinc, "display": analyte.name_en}]
    quantity: dict[str, Any] = {
        "value": value.normalized_value,
        "unit": value.normalized_unit,
        "system": UCUM,
        "code": ucum(value.normalized_unit),
    }
    if value.qualifier:
        quantity["comparator"] = value.qualifier
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": code,
        "subject": subject,
        **effective,
        "issued": issued,
        "valueQuantity": quantity,
    }
    bounds = _canonical_bounds(value)
    if value.reference_range:
        reference: dict[str, Any] = {"text": value.reference_range}
        if bounds is not None:
            # a 0 lower limit ("< 5") and an open upper one ("> 30") are no limits
            low, high = bounds
            unit = {key: quantity[key] for key in ("unit", "system", "code")}
            if low > 0:
                reference["low"] = {**unit, "value": low}
            if high < math.inf:
                reference["high"] = {**unit, "value": high}
        observation["referenceRange"] = [reference]
    flag = _interpretation(value, bounds)
    if flag:
        observation["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": flag, "display": _INTERPRETATIONS[flag]}]}
        ]
    return observation


def _canonical_bounds(value: LabValue) -> tuple[float, float] | None:
    """The printed range in the canonical unit: converted by the factor the value itself was converted by."""
    if not value.reference_range or value.value == 0:
        return None
    words = tuple(Word(part, 0.0, 0.0, 0.0, 0.0) for part in value.reference_range.split())
    token = next((token for token in tokenize(words) if token.kind in ("range", "bound")), None)
    if token is None or token.bounds is None:
        return None
    factor = value.normalized_value / value.value
    low, high = token.bounds
    return round(low * factor, 6), (round(high * factor, 6) if high < math.inf else math.inf)


def _interpretation(value: LabValue, bounds: tuple[float, float] | None) -> str | None:
    if bounds is not None and value.qualifier is None:
        low, high = bounds
        return "L" if value.normalized_value < low else "H" if value.normalized_value > high else "N"
    return _PRINTED_FLAGS.get((value.flag or "").strip().upper())

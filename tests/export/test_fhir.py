"""The FHIR bundle's reference ranges and interpretation flags, from printed ranges in any unit, checked
against an independent FHIR model library (fhir.resources, R4B)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from tests.export.fhir_check import observations_by_loinc, validated_resources
from verae.export.fhir import result_bundle, ucum
from verae.labs.schemas import LabReport, LabValue
from verae.models import Result
from verae.risk.service import assess_with


def _value(
    analyte: str, value: float, unit: str, normalized: float, canonical: str, **printed: str
) -> LabValue:
    return LabValue(
        analyte=analyte,
        value=value,
        unit=unit,
        normalized_value=normalized,
        normalized_unit=canonical,
        **printed,
    )


def _observations() -> dict[str, dict[str, Any]]:
    report = LabReport(
        sex="female",
        age=41,
        collection_date=date(2025, 3, 12),
        values=[
            # printed in g/dL with a g/dL range: the range is converted to g/L like the value
            _value("hemoglobin", 10.9, "g/dL", 109.0, "g/L", reference_range="12.0 - 16.0", flag="L"),
            _value("mcv", 85, "fL", 85.0, "fL", reference_range="80-100"),
            _value("ferritin", 9, "ng/mL", 9.0, "ug/L", reference_range="> 30"),
            _value("wbc", 11.2, "10^9/L", 11.2, "10^9/L", flag="H"),
            _value("crp", 0.5, "mg/L", 0.5, "mg/L", qualifier="<", reference_range="< 5"),
        ],
    )
    result = Result(
        id=uuid.uuid4(),
        report=report.model_dump(mode="json"),
        risk=assess_with(report, None).model_dump(mode="json"),
        created_at=datetime(2025, 3, 13, 9, 30, tzinfo=UTC),
        collection_date=report.collection_date,
    )
    return observations_by_loinc(validated_resources(result_bundle(result)))


def test_ranges_are_converted_to_the_canonical_unit_and_flag_the_value() -> None:
    observations = _observations()
    hemoglobin = observations["718-7"]
    (reference,) = hemoglobin["referenceRange"]
    assert reference["low"] == {
        "value": 120.0,
        "unit": "g/L",
        "system": "http://unitsofmeasure.org",
        "code": "g/L",
    }
    assert reference["high"]["value"] == 160.0
    assert reference["text"] == "12.0 - 16.0"
    assert _flag(hemoglobin) == "L"
    assert _flag(observations["787-2"]) == "N"
    (ferritin_range,) = observations["2276-4"]["referenceRange"]
    assert ferritin_range["low"]["value"] == 30.0
    assert "high" not in ferritin_range
    assert _flag(observations["2276-4"]) == "L"
    # no range printed: the printed flag is the interpretation
    assert _flag(observations["6690-2"]) == "H"
    assert observations["6690-2"]["valueQuantity"]["code"] == "10*9/L"
    crp = observations["1988-5"]
    assert crp["valueQuantity"]["comparator"] == "<"
    assert "interpretation" not in crp
    assert crp["referenceRange"][0]["high"]["value"] == 5.0
    assert "low" not in crp["referenceRange"][0]


def _flag(observation: dict[str, Any]) -> str:
    code: str = observation["interpretation"][0]["coding"][0]["code"]
    return code


def test_powers_of_ten_are_written_the_ucum_way() -> None:
    assert [ucum(unit) for unit in ("10^12/L", "g/L", "ug/L", "%")] == ["10*12/L", "g/L", "ug/L", "%"]

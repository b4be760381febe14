"""GET /api/v1/risk/inputs: the published list of what Verae reads agrees with what it really accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from verae.labs.catalog import BY_CODE
from verae.labs.units import normalize_unit
from verae.risk.features import FEATURE_NAMES, REQUIRED_FIELDS


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"predict_requests_per_minute": 10_000}  # the last test sends one request per code and unit


def _catalog(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/risk/inputs")  # no login
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    body: dict[str, Any] = response.json()
    return body


def test_each_analyte_says_how_it_is_coded_measured_and_used(client: TestClient) -> None:
    analytes = {item["code"]: item for item in _catalog(client)["analytes"]}
    hemoglobin = analytes["hemoglobin"]
    assert hemoglobin["loinc"][0] == "718-7"
    assert hemoglobin["name"] == {"en": "Hemoglobin", "ru": "Гемоглобин"}
    assert hemoglobin["unit"] == "g/L"
    assert {"g/l", "g/dl", "mmol/l"} <= set(hemoglobin["accepted_units"])
    assert hemoglobin["plausible_low"] < 120 < hemoglobin["plausible_high"]

    uses = {code: item["use"] for code, item in analytes.items()}
    assert {code for code, use in uses.items() if use == "required"} == set(REQUIRED_FIELDS) - {"sex", "age"}
    assert {code for code, use in uses.items() if use in ("required", "model_input")} == set(
        FEATURE_NAMES
    ) - {
        "sex",
        "age",
        "bmi",
    }
    assert uses["ferritin"] == "measured_iron_status"
    assert uses["rdw_sd"] == "recorded"


def test_the_persons_fields_and_their_ranges_are_listed(client: TestClient) -> None:
    fields = {item["name"]: item for item in _catalog(client)["subject_fields"]}
    assert set(fields) == {"sex", "age", "bmi", "height_cm", "weight_kg"}
    assert (fields["sex"]["required"], fields["age"]["required"], fields["bmi"]["required"]) == (
        True,
        True,
        False,
    )
    assert (fields["age"]["low"], fields["age"]["high"]) == (0.0, 120.0)


def test_every_published_loinc_code_and_unit_is_accepted_by_predict(client: TestClient) -> None:
    """A lab that sends what the catalog lists gets its values read and converted, not refused."""
    for analyte in _catalog(client)["analytes"]:
        middle = (analyte["plausible_low"] + analyte["plausible_high"]) / 2
        for loinc in analyte["loinc"]:
            for unit in analyte["accepted_units"]:
                printed = middle / BY_CODE[analyte["code"]].units[unit]
                response = client.post(
                    "/api/v1/risk/predict",
                    json={
                        "sex": "female",
                        "age": 40,
                        "values": [{"analyte": loinc, "value": printed, "unit": unit}],
                    },
                )
                assert response.status_code == 200, response.text
                report = response.json()["report"]
                assert report["invalid_fields"] == [], (loinc, unit)
                (value,) = report["values"]
                assert value["analyte"] == analyte["code"]
                assert value["normalized_unit"] == analyte["unit"]
                assert value["normalized_value"] == pytest.approx(middle), (loinc, unit)


def test_every_unit_offered_to_a_person_is_accepted_as_printed(client: TestClient) -> None:
    for analyte in _catalog(client)["analytes"]:
        assert analyte["units"], analyte["code"]
        middle = (analyte["plausible_low"] + analyte["plausible_high"]) / 2
        for unit in analyte["units"]:
            printed = middle / BY_CODE[analyte["code"]].units[normalize_unit(unit)]
            response = client.post(
                "/api/v1/risk/predict",
                json={
                    "sex": "female",
                    "age": 40,
                    "values": [{"analyte": analyte["code"], "value": printed, "unit": unit}],
                },
            )
            report = response.json()["report"]
            assert report["invalid_fields"] == [], unit
            assert report["values"][0]["normalized_value"] == pytest.approx(middle), unit


def test_the_web_apps_copy_of_the_catalog_is_what_the_api_publishes(client: TestClient) -> None:
    committed = json.loads(
        (Path(__file__).resolve().parents[2] / "web" / "src" / "lib" / "inputs.json").read_text()
    )
    assert committed == _catalog(client), "run `make openapi` to refresh web/src/lib/inputs.json"

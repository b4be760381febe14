"""POST /api/v1/risk/predict: the synchronous estimate for structured values, without login."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from verae.risk.service import shipped_model

ANAEMIC_VALUES: list[dict[str, object]] = [
    {"analyte": "hemoglobin", "value": "10,2", "unit": "г/дл"},
    {"analyte": "MCV", "value": 71, "unit": "fL"},
    {"analyte": "mch", "value": 22.5, "unit": "pg"},
    {"analyte": "rdw_cv", "value": 17.8, "unit": "%"},
    {"analyte": "rbc", "value": 4.4, "unit": "10^12/L"},
    {"analyte": "platelets", "value": 390, "unit": "10^9/L"},
]
ANAEMIC: dict[str, object] = {"sex": "female", "age": 29, "values": ANAEMIC_VALUES}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_predict_answers_the_stored_result_contract_without_login(client: TestClient) -> None:
    response = client.post("/api/v1/risk/predict", json=ANAEMIC)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    risk = body["risk"]
    model = shipped_model()
    assert model is not None
    assert risk["model_version"] == model.version
    assert risk["risk_tier"] == "HIGH"
    assert risk["risk_percent"] > 50
    assert risk["explanations"]
    assert {value["analyte"]: value["normalized_value"] for value in body["report"]["values"]}[
        "hemoglobin"
    ] == 102.0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_missing_required_inputs_come_back_as_needs_input(client: TestClient) -> None:
    body = client.post(
        "/api/v1/risk/predict", json={"values": [{"analyte": "hemoglobin", "value": 120}]}
    ).json()
    assert body["status"] == "needs_input"
    assert body["risk"] is None
    assert {"sex", "age"} <= set(body["missing_required_fields"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("value", "code"),
    [("NaN", "not_finite"), ("-Infinity", "not_finite"), (-1, "negative"), (900, "implausible_value")],
)
def test_bad_values_come_back_in_invalid_fields(client: TestClient, value: object, code: str) -> None:
    request = {
        **ANAEMIC,
        "values": [*ANAEMIC_VALUES[1:], {"analyte": "hemoglobin", "value": value, "unit": "g/L"}],
    }
    body = client.post("/api/v1/risk/predict", json=request).json()
    assert body["status"] == "needs_input"
    assert [(field["field"], field["code"]) for field in body["invalid_fields"]] == [("hemoglobin", code)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("settings_overrides", [{"predict_requests_per_minute": 3}])
def test_predict_is_rate_limited_per_address(client: TestClient) -> None:
    for _ in range(3):
        assert client.post("/api/v1/risk/predict", json=ANAEMIC).status_code == 200
    limited = client.post("/api/v1/risk/predict", json=ANAEMIC)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60

"""Reviewing extracted values: read them, replace them, and the estimate is computed again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, job
from verae.worker import Worker

CORRECTED = {
    "sex": "female",
    "age": 34,
    "collected_at": "2025-04-01",
    "values": [
        {"analyte": "hemoglobin", "value": 14.1, "unit": "g/dL"},
        {"analyte": "MCV", "value": 91, "unit": "fL"},
        {"analyte": "rdw_cv", "value": 12.9, "unit": "%"},
    ],
}


def test_a_reviewed_set_replaces_the_values_and_the_result_is_recomputed(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    first = job(client, user_headers, accepted["job_id"])
    before = client.get(f"/api/v1/results/{first['result_id']}", headers=user_headers).json()

    values = client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=user_headers).json()
    assert {value["analyte"] for value in values["original"]["values"]} == {
        "hemoglobin",
        "mcv",
        "mch",
        "rdw_cv",
    }
    assert values["current"]["sex"] == "female"

    reviewed = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=CORRECTED, headers=user_headers)
    assert reviewed.status_code == 202
    assert reviewed.json()["status"] == "queued"
    worker.run_pending()

    again = job(client, user_headers, accepted["job_id"])
    assert again["status"] == "done"
    assert again["result_id"] == first["result_id"]
    after = client.get(f"/api/v1/results/{again['result_id']}", headers=user_headers).json()
    used = {value["analyte"]: value["normalized_value"] for value in after["report"]["values"]}
    assert used == {"hemoglobin": pytest.approx(141.0), "mcv": 91.0, "rdw_cv": 12.9}
    assert after["collection_date"] == "2025-04-01"
    assert after["risk"]["risk_percent"] < before["risk"]["risk_percent"]
    # The original reading stays stored beside the reviewed values.
    kept = client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=user_headers).json()
    assert kept["original"] == values["original"]
    assert client.get("/api/v1/results", headers=user_headers).json()["total"] == 1


def test_values_can_be_typed_in_when_a_document_could_not_be_read(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, "name,value\nhemoglobin,120\n")
    worker.run_pending()
    assert job(client, user_headers, accepted["job_id"])["status"] == "failed"
    assert client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=user_headers).json() == {
        "original": None,
        "current": None,
    }
    reviewed = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=CORRECTED, headers=user_headers)
    assert reviewed.status_code == 202
    worker.run_pending()
    done = job(client, user_headers, accepted["job_id"])
    assert (done["status"], done["error_code"], done["failure_diagnostic"]) == ("done", None, None)


def test_review_of_a_job_still_in_the_queue_is_409(client: TestClient, user_headers: dict[str, str]) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    response = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=CORRECTED, headers=user_headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_busy"


def test_invalid_reviewed_values_are_refused_and_nothing_changes(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    bad = {**CORRECTED, "values": [{"analyte": "hemoglobin", "value": -4, "unit": "g/L"}]}
    response = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=bad, headers=user_headers)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["invalid_fields"][0]["code"] == "negative"
    assert job(client, user_headers, accepted["job_id"])["status"] == "done"
    empty = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json={"values": []}, headers=user_headers)
    assert empty.status_code == 422


def test_another_persons_values_are_404(client: TestClient, register: Register, worker: Worker) -> None:
    owner, stranger = register(), register()
    accepted = accepted_upload(client, owner["headers"], ANAEMIC_CSV)
    worker.run_pending()
    for response in (
        client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=stranger["headers"]),
        client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=CORRECTED, headers=stranger["headers"]),
    ):
        assert response.status_code == 404


def test_a_reviewed_set_missing_a_required_value_is_completed_by_supplying_it(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    values: list[dict[str, object]] = [
        {"analyte": "hemoglobin", "value": 14.1, "unit": "g/dL"},
        {"analyte": "rdw_cv", "value": 12.9, "unit": "%"},
    ]
    without_mcv = {**CORRECTED, "values": values}
    reviewed = client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=without_mcv, headers=user_headers)
    assert reviewed.status_code == 202
    worker.run_pending()
    waiting = job(client, user_headers, accepted["job_id"])
    assert (waiting["status"], waiting["missing_required_fields"]) == ("needs_input", ["mcv"])

    supplied = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs",
        json={"mcv": {"value": 91, "unit": "fL"}},
        headers=user_headers,
    )
    assert supplied.status_code == 202
    worker.run_pending()
    finished = job(client, user_headers, accepted["job_id"])
    assert finished["status"] == "done"
    result = client.get(f"/api/v1/results/{finished['result_id']}", headers=user_headers).json()
    used = {value["analyte"]: value["normalized_value"] for value in result["report"]["values"]}
    assert used == {"hemoglobin": pytest.approx(141.0), "mcv": 91.0, "rdw_cv": 12.9}

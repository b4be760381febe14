"""Upload → job → real worker → stored result, and every way a job can end — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, job, report_json
from verae.kit.deps import Services
from verae.models import AuditLog, Event, Job, Result
from verae.worker import Worker


def _count_audit(services: Services, action: str) -> int:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).where(AuditLog.action == action)) or 0


def test_csv_upload_is_processed_by_the_worker_into_a_stored_result(
    client: TestClient, user_headers: dict[str, str], worker: Worker, services: Services
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert job(client, user_headers, accepted["job_id"])["status"] == "queued"
    assert worker.run_pending() == 1

    done = job(client, user_headers, accepted["job_id"])
    assert done["status"] == "done"
    assert done["attempts"] == 1
    assert done["error_code"] is None
    assert done["finished_at"] is not None

    result = client.get(f"/api/v1/results/{done['result_id']}", headers=user_headers)
    assert result.status_code == 200
    body = result.json()
    assert body["job_id"] == accepted["job_id"]
    risk = body["risk"]
    assert 0 <= risk["risk_percent"] <= 100
    assert risk["risk_tier"] in {"HIGH", "WARNING", "GRAY", "LOW"}
    assert risk["clinical_action"]["en"]
    assert risk["clinical_action"]["ru"]
    assert risk["model_version"]
    values = {value["analyte"]: value for value in body["report"]["values"]}
    assert values["hemoglobin"]["normalized_value"] == pytest.approx(109.0)
    assert values["hemoglobin"]["normalized_unit"] == "g/L"
    assert body["report"]["sex"] == "female"

    assert _count_audit(services, "job.done") == 1
    assert _count_audit(services, "result.viewed") == 1
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).where(Event.name == "result_viewed")) == 1


def test_json_upload_keeps_the_collection_date_and_converts_units(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    document = report_json(
        values=[
            {"analyte": "hemoglobin", "value": "12,1", "unit": "g/dL"},
            {"analyte": "MCV", "value": 81, "unit": "fL"},
            {"analyte": "ferritin", "value": 9, "unit": "ng/mL"},
            {"analyte": "serum_iron", "value": 40, "unit": "µg/dL"},
        ]
    )
    accepted = accepted_upload(client, user_headers, document, "r.json")
    worker.run_pending()
    result = client.get(
        f"/api/v1/results/{job(client, user_headers, accepted['job_id'])['result_id']}", headers=user_headers
    ).json()
    assert result["collection_date"] == "2025-03-12"
    values = {value["analyte"]: value for value in result["report"]["values"]}
    assert values["hemoglobin"]["normalized_value"] == pytest.approx(121.0)
    assert values["serum_iron"]["normalized_value"] == pytest.approx(7.16)
    assert values["serum_iron"]["normalized_unit"] == "umol/L"
    measured = result["risk"]["measured_iron_status"]
    assert measured["basis"] == "measured"
    assert measured["status"] == "deficient"


def test_result_is_409_before_the_job_is_done(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    with worker.context.db.unit_of_work(write=False) as session:
        result_id = session.scalars(select(Job.result_id)).one()
    early = client.get(f"/api/v1/results/{result_id}", headers=user_headers)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "result_not_ready"
    assert early.json()["error"]["details"]["status"] == "queued"
    worker.run_pending()
    assert client.get(f"/api/v1/results/{result_id}", headers=user_headers).status_code == 200
    assert job(client, user_headers, accepted["job_id"])["result_id"] == str(result_id)


def test_missing_sex_and_age_end_in_needs_input_then_supplied_inputs_finish_the_job(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    document = json.loads(report_json())
    del document["sex"], document["age"]
    accepted = accepted_upload(client, user_headers, json.dumps(document), "r.json")
    worker.run_pending()
    waiting = job(client, user_headers, accepted["job_id"])
    assert waiting["status"] == "needs_input"
    assert waiting["missing_required_fields"] == ["sex", "age"]
    assert waiting["result_id"] is None

    supplied = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs", json={"sex": "male", "age": 41}, headers=user_headers
    )
    assert supplied.status_code == 202
    assert supplied.json()["status"] == "queued"
    worker.run_pending()
    done = job(client, user_headers, accepted["job_id"])
    assert done["status"] == "done"
    report = client.get(f"/api/v1/results/{done['result_id']}", headers=user_headers).json()["report"]
    assert (report["sex"], report["age"]) == ("male", 41)
    # What was extracted from the file is kept with the result.
    assert {value["analyte"] for value in report["values"]} == {"hemoglobin", "mcv", "rdw_cv"}


def test_profile_supplies_sex_and_age_so_no_input_is_needed(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    client.patch("/api/v1/me", json={"sex": "female", "birth_date": "1991-06-30"}, headers=user_headers)
    document = json.loads(report_json())
    del document["sex"], document["age"]
    accepted = accepted_upload(client, user_headers, json.dumps(document), "r.json")
    worker.run_pending()
    done = job(client, user_headers, accepted["job_id"])
    assert done["status"] == "done"
    report = client.get(f"/api/v1/results/{done['result_id']}", headers=user_headers).json()["report"]
    assert report["age"] == 33  # on the collection date 2025-03-12
    assert report["warnings"] == [
        {
            "code": "from_profile",
            "message": "Taken from your profile: sex, age",
            "analyte": None,
            "page": None,
            "unit": None,
            "items": ["sex", "age"],
        }
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NaN", "not_finite"),
        ("Infinity", "not_finite"),
        (-3, "negative"),
        (900, "implausible_value"),
        ("twelve", "not_a_number"),
    ],
)
def test_invalid_values_in_an_upload_are_reported_in_invalid_fields(
    client: TestClient, user_headers: dict[str, str], worker: Worker, value: Any, code: str
) -> None:
    document = report_json(
        values=[
            {"analyte": "hemoglobin", "value": value, "unit": "g/L"},
            {"analyte": "mcv", "value": 80, "unit": "fL"},
        ]
    )
    accepted = accepted_upload(client, user_headers, document, "r.json")
    worker.run_pending()
    waiting = job(client, user_headers, accepted["job_id"])
    assert waiting["status"] == "needs_input"
    assert waiting["missing_required_fields"] == ["hemoglobin"]
    assert [(field["field"], field["code"]) for field in waiting["invalid_fields"]] == [("hemoglobin", code)]

    corrected = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs",
        json={"hemoglobin": {"value": 11.8, "unit": "g/dL"}},
        headers=user_headers,
    )
    assert corrected.status_code == 202
    worker.run_pending()
    assert job(client, user_headers, accepted["job_id"])["status"] == "done"


@pytest.mark.parametrize(
    ("inputs", "code"),
    [
        ('{"age": NaN}', "not_finite"),
        ('{"age": -1}', "negative"),
        ('{"age": 400}', "implausible_value"),
        ('{"sex": "other"}', "invalid"),
        ('{"hemoglobin": Infinity}', "not_finite"),
        ('{"shoe_size": 42}', "unknown_field"),
        ('{"mcv": {"value": 80, "unit": "furlongs"}}', "unknown_unit"),
    ],
)
def test_invalid_supplied_inputs_are_a_400_and_the_job_keeps_waiting(
    client: TestClient, user_headers: dict[str, str], worker: Worker, inputs: str, code: str
) -> None:
    document = json.loads(report_json())
    del document["sex"], document["age"]
    accepted = accepted_upload(client, user_headers, json.dumps(document), "r.json")
    worker.run_pending()
    refused = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs",
        content=inputs,
        headers={**user_headers, "Content-Type": "application/json"},
    )
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_inputs"
    assert [field["code"] for field in error["details"]["invalid_fields"]] == [code]
    assert job(client, user_headers, accepted["job_id"])["status"] == "needs_input"


def test_inputs_for_a_job_that_is_not_waiting_are_409(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    response = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs", json={"age": 40}, headers=user_headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_not_awaiting_input"


@pytest.mark.parametrize(
    ("content", "filename", "diagnostic"),
    [
        ("name,value\nhemoglobin,120\n", "r.csv", "header"),
        ("analyte,value,unit\n", "r.csv", "No blood-count values"),
        ('{"values": "none"}', "r.json", "values"),
        ("{not json", "r.json", "not valid JSON"),
    ],
)
def test_unreadable_structured_files_fail_at_once_with_parse_failed(
    client: TestClient,
    user_headers: dict[str, str],
    worker: Worker,
    content: str,
    filename: str,
    diagnostic: str,
) -> None:
    accepted = accepted_upload(client, user_headers, content, filename)
    worker.run_pending()
    failed = job(client, user_headers, accepted["job_id"])
    assert failed["status"] == "failed"
    assert failed["error_code"] == "parse_failed"
    assert diagnostic in failed["failure_diagnostic"]
    assert failed["attempts"] == 1


@pytest.mark.parametrize("settings_overrides", [{"faults": ["transient@inference=2"]}])
def test_transient_errors_are_retried_with_backoff_then_done(
    client: TestClient, user_headers: dict[str, str], worker: Worker, services: Services
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert worker.run_pending() == 3
    done = job(client, user_headers, accepted["job_id"])
    assert (done["status"], done["attempts"]) == ("done", 3)
    assert _count_audit(services, "job.retry_scheduled") == 2


@pytest.mark.parametrize("settings_overrides", [{"faults": ["transient@parsing=9"], "job_max_attempts": 3}])
def test_a_job_failing_transiently_every_time_fails_after_max_attempts(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    worker.run_pending()
    failed = job(client, user_headers, accepted["job_id"])
    assert (failed["status"], failed["attempts"], failed["error_code"]) == (
        "failed",
        3,
        "storage_unavailable",
    )
    assert "3 times" in failed["failure_diagnostic"]


@pytest.mark.parametrize(
    "settings_overrides", [{"faults": ["transient@parsing=1"], "job_retry_base_seconds": 60.0}]
)
def test_a_retry_waits_for_its_backoff(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert worker.run_pending() == 1  # the retry is scheduled ~30–90 s later, so nothing else is ready
    waiting = job(client, user_headers, accepted["job_id"])
    assert waiting["status"] == "queued"
    assert waiting["error_code"] == "storage_unavailable"
    assert waiting["next_attempt_at"] > waiting["created_at"]


@pytest.mark.parametrize("settings_overrides", [{"faults": ["permanent@inference"]}])
def test_permanent_errors_fail_at_once_with_their_code(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert worker.run_pending() == 1
    failed = job(client, user_headers, accepted["job_id"])
    assert (failed["status"], failed["attempts"], failed["error_code"]) == ("failed", 1, "injected_fault")


def test_other_peoples_jobs_and_results_are_404(
    client: TestClient, register: Register, worker: Worker
) -> None:
    owner, stranger = register(), register()
    accepted = accepted_upload(client, owner["headers"], ANAEMIC_CSV)
    worker.run_pending()
    result_id = job(client, owner["headers"], accepted["job_id"])["result_id"]
    for path, code in (
        (f"/api/v1/jobs/{accepted['job_id']}", "job_not_found"),
        (f"/api/v1/results/{result_id}", "result_not_found"),
    ):
        response = client.get(path, headers=stranger["headers"])
        assert (response.status_code, response.json()["error"]["code"]) == (404, code)
    inputs = client.post(
        f"/api/v1/jobs/{accepted['job_id']}/inputs", json={"age": 3}, headers=stranger["headers"]
    )
    assert inputs.status_code == 404


def test_jobs_and_results_are_listed_newest_first_with_paging(
    client: TestClient, user_headers: dict[str, str], worker: Worker, services: Services
) -> None:
    names = ["march.csv", "анализ апрель.csv", "may.csv"]
    job_ids = [accepted_upload(client, user_headers, ANAEMIC_CSV, name)["job_id"] for name in names]
    worker.run_pending()
    jobs = client.get("/api/v1/jobs?limit=2", headers=user_headers).json()
    assert jobs["total"] == 3
    assert [item["id"] for item in jobs["items"]] == job_ids[::-1][:2]
    rest = client.get("/api/v1/jobs?limit=2&offset=2", headers=user_headers).json()
    assert [item["id"] for item in rest["items"]] == [job_ids[0]]
    results = client.get("/api/v1/results", headers=user_headers).json()
    assert [item["job_id"] for item in results["items"]] == job_ids[::-1]
    assert results["items"][0]["key_values"]["hemoglobin"] == pytest.approx(109.0)
    assert [item["source_filename"] for item in results["items"]] == names[::-1]
    newest = client.get(f"/api/v1/results/{results['items'][0]['id']}", headers=user_headers).json()
    assert newest["source_filename"] == names[-1]
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Result)) == 3


def test_deleting_the_account_removes_uploads_jobs_results_and_documents(
    client: TestClient, register: Register, worker: Worker, services: Services
) -> None:
    account = register()
    keeper = register()
    accepted_upload(client, account["headers"], ANAEMIC_CSV)
    accepted_upload(client, keeper["headers"], ANAEMIC_CSV)
    worker.run_pending()
    assert (
        client.request(
            "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=account["headers"]
        ).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=account["headers"]).status_code == 401
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Result)) == 1
    blobs = [path for path in services.settings.blob_dir.rglob("*") if path.is_file()]
    assert len(blobs) == 1
    assert client.get("/api/v1/results", headers=keeper["headers"]).json()["total"] == 1

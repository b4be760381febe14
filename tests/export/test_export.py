"""GET /me/export (ZIP of everything held), the result's PDF report and its FHIR bundle — on SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.export.fhir_check import observations_by_loinc, validated_resources
from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, job, processed_result
from verae.kit.deps import Services
from verae.models import AuditLog
from verae.worker import Worker

REVIEWED = {
    "sex": "female",
    "age": 34,
    "collected_at": "2025-04-01",
    "values": [
        {"analyte": "hemoglobin", "value": 14.1, "unit": "g/dL"},
        {"analyte": "MCV", "value": 91, "unit": "fL"},
        {"analyte": "ferritin", "value": 12, "unit": "ng/mL"},
    ],
}


def test_the_export_holds_everything_about_the_person_and_their_documents(
    client: TestClient, register: Register, worker: Worker, services: Services
) -> None:
    person = register()
    headers = person["headers"]
    accepted = accepted_upload(client, headers, ANAEMIC_CSV, "my report.csv")
    worker.run_pending()
    assert (
        client.put(f"/api/v1/jobs/{accepted['job_id']}/values", json=REVIEWED, headers=headers).status_code
        == 202
    )
    worker.run_pending()
    result_id = job(client, headers, accepted["job_id"])["result_id"]
    shared = client.post("/api/v1/shares", json={"expires_in_hours": 2}, headers=headers)
    assert client.get(f"/api/v1/shared/{shared.json()['token']}").status_code == 200
    processed_result(client, register()["headers"], worker, ANAEMIC_CSV)  # someone else's

    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("export.json"))
        upload = data["uploads"][0]
        document = archive.read(upload["document"])
        assert sorted(archive.namelist()) == sorted(["export.json", upload["document"]])

    assert data["profile"]["email"] == person["user"]["email"]
    assert len(data["uploads"]) == 1
    assert upload["filename"] == "my report.csv"
    assert document == ANAEMIC_CSV.encode()
    assert upload["sha256"] == hashlib.sha256(document).hexdigest()
    (exported_job,) = data["jobs"]
    read = {value["analyte"]: value["normalized_value"] for value in exported_job["values_as_read"]["values"]}
    assert read["hemoglobin"] == pytest.approx(109.0)
    reviewed = {
        value["analyte"]: value["normalized_value"] for value in exported_job["values_as_reviewed"]["values"]
    }
    assert reviewed == {"hemoglobin": pytest.approx(141.0), "mcv": 91.0, "ferritin": 12.0}
    (result,) = data["results"]
    assert result["id"] == result_id
    used = {value["analyte"]: value["normalized_value"] for value in result["report"]["values"]}
    assert used["hemoglobin"] == pytest.approx(141.0)
    (link,) = data["share_links"]
    assert "token_hash" not in link
    assert [access["outcome"] for access in link["accesses"]] == ["opened"]
    # the visitor's address stays out of the owner's copy of the audit trail
    (opened,) = [entry for entry in data["audit"] if entry["action"] == "share.opened"]
    assert opened["ip"] is None
    actions = {entry["action"] for entry in data["audit"]}
    assert {"share.created", "job.values_reviewed"} <= actions
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(AuditLog.user_id).where(AuditLog.action == "user.exported")) is not None
    assert client.get("/api/v1/me/export").status_code == 401


def test_a_result_as_a_pdf_report_and_as_a_valid_fhir_r4_bundle_with_loinc_and_ucum(
    client: TestClient, register: Register, worker: Worker
) -> None:
    headers = register()["headers"]
    result_id = processed_result(client, headers, worker, ANAEMIC_CSV)
    result = client.get(f"/api/v1/results/{result_id}", headers=headers).json()
    response = client.get(f"/api/v1/results/{result_id}/pdf", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    assert "Hemoglobin" in text
    assert "109 g/L" in text
    assert "Mean corpuscular volume" in text
    tier = {"HIGH": "High", "WARNING": "Elevated", "GRAY": "Borderline", "LOW": "Low"}[
        result["risk"]["risk_tier"]
    ]
    assert f"{result['risk']['risk_percent']:.0f}% ({tier})" in text
    assert " ".join(result["risk"]["disclaimer"]["en"].split()[:6]) in " ".join(text.split())
    assert "What moved the estimate" in text
    assert "blood count says little" not in text  # an adult's estimate carries no age note

    # The same report in Russian: the font carries Cyrillic, and the estimate's own texts are the Russian ones.
    response = client.get(f"/api/v1/results/{result_id}/pdf?lang=ru", headers=headers)
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text_ru = " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())
    assert "Гемоглобин" in text_ru
    assert "Риск дефицита железа" in text_ru
    assert " ".join(result["risk"]["disclaimer"]["ru"].split()[:6]) in text_ru
    assert "Hemoglobin" not in text_ru
    assert client.get(f"/api/v1/results/{result_id}/pdf?lang=de", headers=headers).status_code == 422

    # a young child's report says, in the reader's language, that the estimate is a weak signal at that age
    child_id = processed_result(client, headers, worker, ANAEMIC_CSV.replace("age,34,", "age,3,"))
    child = client.get(f"/api/v1/results/{child_id}", headers=headers).json()["risk"]
    assert child["confidence"] != "high"
    for language in ("en", "ru"):
        response = client.get(f"/api/v1/results/{child_id}/pdf?lang={language}", headers=headers)
        with pdfplumber.open(io.BytesIO(response.content)) as pdf:
            child_text = " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())
        assert " ".join(child["age_caveat"][language].split()[:8]) in child_text

    response = client.get(f"/api/v1/results/{result_id}/fhir", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    resources = validated_resources(response.json())
    kinds = [resource["resourceType"] for resource in resources]
    assert kinds.count("DiagnosticReport") == 1
    assert kinds.count("RiskAssessment") == 1
    observations = observations_by_loinc(resources)
    assert set(observations) == {"718-7", "787-2", "785-6", "788-0"}  # Hb, MCV, MCH, RDW-CV
    assert observations["718-7"]["valueQuantity"] == {
        "value": 109.0,
        "unit": "g/L",
        "system": "http://unitsofmeasure.org",
        "code": "g/L",
    }
    (risk,) = [resource for resource in resources if resource["resourceType"] == "RiskAssessment"]
    stored = result["risk"]
    assert risk["prediction"][0]["probabilityDecimal"] == pytest.approx(
        stored["risk_percent"] / 100, abs=1e-4
    )
    # every reference resolves inside the bundle
    full_urls = {entry["fullUrl"] for entry in response.json()["entry"]}
    (report,) = [resource for resource in resources if resource["resourceType"] == "DiagnosticReport"]
    references = [*report["result"], *risk["basis"], report["subject"], risk["subject"]]
    assert len(report["result"]) == len(observations)
    assert {reference["reference"] for reference in references} <= full_urls

    stranger = register()["headers"]
    assert client.get(f"/api/v1/results/{result_id}/pdf", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/results/{result_id}/fhir", headers=stranger).status_code == 404

"""An organisation's retention period: old documents and results are deleted (checksummed, audited, once),
their result link answers 410, younger ones and other organisations' stay."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload
from tests.orgs.partners import admin_headers, partner
from verae.cli import app
from verae.kit.deps import Services
from verae.kit.time import utcnow
from verae.models import AuditLog, ExpiredResult, Upload
from verae.orgs.retention import expire_organisation_data, result_checksum
from verae.worker import Worker


def _age(services: Services, upload_id: str, days: int) -> None:
    with services.db.unit_of_work() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == uuid.UUID(upload_id))
            .values(created_at=utcnow() - timedelta(days=days))
        )


def test_documents_and_results_past_retention_go_once_and_their_link_answers_410(
    client: TestClient, services: Services, worker: Worker, register: Register
) -> None:
    admin = admin_headers(register, services)
    clinic = partner(client, admin, retention_days=30)
    keeper = partner(client, admin)  # no retention period
    old, young = (accepted_upload(client, clinic["headers"], ANAEMIC_CSV) for _ in range(2))
    kept = accepted_upload(client, keeper["headers"], ANAEMIC_CSV)
    worker.run_pending()
    for accepted in (old, kept):
        _age(services, accepted["upload_id"], days=31)
    _age(services, young["upload_id"], days=29)
    old_result = client.get(f"/api/v1/jobs/{old['job_id']}", headers=clinic["headers"]).json()["result_id"]
    before = client.get(f"/api/v1/results/{old_result}", headers=clinic["headers"]).json()
    blobs_before = {path.name for path in Path(services.settings.blob_dir).rglob("*") if path.is_file()}

    first = expire_organisation_data(services.db, services.blobs)
    again = expire_organisation_data(services.db, services.blobs)

    assert (first.uploads_deleted, again.uploads_deleted) == (1, 0)
    gone = client.get(f"/api/v1/results/{old_result}", headers=clinic["headers"])
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "result_expired")
    # To anyone else it is still unknown.
    assert client.get(f"/api/v1/results/{old_result}", headers=keeper["headers"]).status_code == 404
    assert client.get(f"/api/v1/uploads/{old['upload_id']}", headers=clinic["headers"]).status_code == 404
    assert client.get(f"/api/v1/uploads/{young['upload_id']}", headers=clinic["headers"]).status_code == 200
    assert client.get(f"/api/v1/uploads/{kept['upload_id']}", headers=keeper["headers"]).status_code == 200
    blobs_after = {path.name for path in Path(services.settings.blob_dir).rglob("*") if path.is_file()}
    assert blobs_before - blobs_after == {old["upload_id"]}

    with services.db.unit_of_work(write=False) as session:
        (tombstone,) = session.scalars(select(ExpiredResult)).all()
        (audited,) = session.scalars(select(AuditLog).where(AuditLog.action == "retention.expired")).all()
    document_sha256 = hashlib.sha256(ANAEMIC_CSV.encode()).hexdigest()
    content_sha256 = result_checksum(before["report"], before["risk"])
    assert tombstone.document_sha256 == document_sha256
    assert audited.details == {
        "upload_id": old["upload_id"],
        "document_sha256": document_sha256,
        "result_id": old_result,
        "result_sha256": tombstone.result_sha256,
    }
    # The checksum is of what was stored, which the result's API body showed.
    assert tombstone.result_sha256 == content_sha256


def test_db_prune_deletes_documents_past_retention_on_demand(
    client: TestClient,
    services: Services,
    worker: Worker,
    register: Register,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = admin_headers(register, services)
    clinic = partner(client, admin, retention_days=30)
    old = accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
    worker.run_pending()
    _age(services, old["upload_id"], days=31)
    monkeypatch.setenv("VERAE_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("VERAE_BLOB_DIR", str(services.settings.blob_dir))

    pruned = CliRunner().invoke(app, ["db", "prune"])

    assert pruned.exit_code == 0, pruned.output
    said = " ".join(pruned.output.split())  # the console wraps long lines
    assert "deleted 1 documents (with their results) past their organisation's retention" in said
    assert client.get(f"/api/v1/uploads/{old['upload_id']}", headers=clinic["headers"]).status_code == 404

"""The scaled deployment's store: with VERAE_S3_BUCKET set, uploads go to the bucket (not the local folder),
the worker reads them from it, /ready watches it, deleting an account deletes its documents there, the
sweep cleans it, and a store that is down answers 503 without storing anything."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, job, upload
from tests.processes import free_port
from verae.config import Settings
from verae.jobs.service import requeue_failed
from verae.kit.deps import Services
from verae.kit.s3 import S3BlobStore
from verae.uploads.service import blob_key
from verae.uploads.sweep import sweep_orphan_blobs
from verae.worker import Worker

PREFIX = "verae"


@pytest.fixture
def settings_overrides(s3_bucket: str, s3_endpoint: str) -> dict[str, Any]:
    return {"s3_bucket": s3_bucket, "s3_prefix": PREFIX, "s3_endpoint_url": s3_endpoint}


def _object_keys(settings: Settings) -> list[str]:
    client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url)
    listed = client.list_objects_v2(Bucket=str(settings.s3_bucket))
    return sorted(found["Key"] for found in listed.get("Contents", []))


def test_an_upload_is_stored_in_the_bucket_and_analysed_from_it(
    client: TestClient, user_headers: dict[str, str], worker: Worker, settings: Settings
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    assert _object_keys(settings) == [f"{PREFIX}/{blob_key(uuid.UUID(accepted['upload_id']))}"]
    assert not (settings.blob_dir / "uploads").exists()

    assert worker.run_pending() == 1
    finished = job(client, user_headers, accepted["job_id"])
    assert finished["status"] == "done", finished
    assert finished["result_id"] is not None


def test_ready_reports_whether_the_bucket_can_be_reached(client: TestClient, settings: Settings) -> None:
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["blob_store"] == "ok"

    boto3.client("s3", endpoint_url=settings.s3_endpoint_url).delete_bucket(Bucket=str(settings.s3_bucket))
    not_ready = client.get("/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["error"]["details"]["checks"]["blob_store"] == "unavailable: BlobStoreUnavailable"


def test_an_upload_while_the_bucket_is_gone_is_503_and_stores_nothing(
    client: TestClient, user_headers: dict[str, str], settings: Settings
) -> None:
    earlier = accepted_upload(client, user_headers, ANAEMIC_CSV)
    s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint_url)
    bucket = str(settings.s3_bucket)
    kept = s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{blob_key(uuid.UUID(earlier['upload_id']))}")[
        "Body"
    ].read()
    s3.delete_object(Bucket=bucket, Key=f"{PREFIX}/{blob_key(uuid.UUID(earlier['upload_id']))}")
    s3.delete_bucket(Bucket=bucket)

    refused = upload(client, user_headers, ANAEMIC_CSV)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "storage_unavailable"
    assert refused.headers["Retry-After"] == "5"
    uploads = client.get("/api/v1/uploads", headers=user_headers).json()
    assert [item["id"] for item in uploads["items"]] == [earlier["upload_id"]]  # the earlier one is intact
    assert kept == ANAEMIC_CSV.encode()

    s3.create_bucket(Bucket=bucket)
    assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202


def test_a_worker_that_cannot_reach_the_bucket_fails_the_job_and_loses_nothing(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings, worker: Worker
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    cut_off = Worker(
        db=services.db,
        blobs=S3BlobStore(
            str(settings.s3_bucket), prefix=PREFIX, endpoint_url=f"http://127.0.0.1:{free_port()}"
        ),
        settings=settings,
        wakeup=services.wakeup,
    )
    # Tests retry at once: every attempt fails, and the job ends failed with the store's code.
    assert cut_off.run_pending() == settings.job_max_attempts
    failed = job(client, user_headers, accepted["job_id"])
    assert (failed["status"], failed["error_code"]) == ("failed", "storage_unavailable")
    assert "Nothing you uploaded was lost" in failed["failure_diagnostic"]

    with services.db.unit_of_work() as session:
        requeue_failed(session, uuid.UUID(accepted["job_id"]), operator="test")
    assert worker.run_pending() == 1
    assert job(client, user_headers, accepted["job_id"])["status"] == "done"


def test_deleting_the_account_deletes_its_documents_from_the_bucket(
    client: TestClient, register: Register, settings: Settings
) -> None:
    leaving, staying = register(), register()
    accepted_upload(client, leaving["headers"], ANAEMIC_CSV)
    accepted_upload(client, leaving["headers"], ANAEMIC_CSV.replace("10.9", "11.2"))
    kept = accepted_upload(client, staying["headers"], ANAEMIC_CSV)
    assert len(_object_keys(settings)) == 3

    assert (
        client.request(
            "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=leaving["headers"]
        ).status_code
        == 204
    )
    assert _object_keys(settings) == [f"{PREFIX}/{blob_key(uuid.UUID(kept['upload_id']))}"]


def test_the_sweep_cleans_the_bucket_and_keeps_what_uploads_own(
    client: TestClient, user_headers: dict[str, str], services: Services, settings: Settings
) -> None:
    owned = accepted_upload(client, user_headers, ANAEMIC_CSV)
    orphan = services.blobs.open_writer(blob_key(uuid.uuid4()))
    orphan.write(b"a document whose row was never written")
    orphan.commit()
    abandoned = services.blobs.open_writer(blob_key(uuid.uuid4()))
    abandoned.write(b"x" * (8 * 1024 * 1024))  # one part sent, then its process died

    report = sweep_orphan_blobs(services.db, services.blobs, grace=timedelta(0))

    assert (report.orphan_blobs, report.blobs_referenced, report.stale_unfinished_writes) == (1, 1, 1)
    assert _object_keys(settings) == [f"{PREFIX}/{blob_key(uuid.UUID(owned['upload_id']))}"]
    assert list(services.blobs.list_unfinished_writes("uploads")) == []

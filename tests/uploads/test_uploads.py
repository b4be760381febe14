"""Uploads: streamed with a size limit, typed by content, upload + job in one transaction."""

from __future__ import annotations

import hashlib
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, text

from tests.helpers import ANAEMIC_CSV, Register, report_json, upload
from verae.kit.deps import Services
from verae.models import AuditLog, Event, Job, Upload
from verae.queue.queue import enqueue

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _image(format_name: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format=format_name)
    return buffer.getvalue()


def _stored_blobs(services: Services) -> list[Path]:
    root = services.settings.blob_dir
    return [path for path in root.rglob("*") if path.is_file() and not path.name.startswith(".ready")]


def _count(services: Services, model: type) -> int:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_csv_upload_is_accepted_with_job_and_location(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    response = upload(client, user_headers, ANAEMIC_CSV, "results.csv")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert response.headers["Location"] == f"/api/v1/jobs/{body['job_id']}"
    with services.db.unit_of_work(write=False) as session:
        stored = session.get(Upload, uuid.UUID(body["upload_id"]))
        assert stored is not None
        assert stored.media_type == "text/csv"
        assert stored.sha256 == hashlib.sha256(ANAEMIC_CSV.encode()).hexdigest()
        assert stored.size_bytes == len(ANAEMIC_CSV)
        assert services.blobs.read(stored.blob_key) == ANAEMIC_CSV.encode()
        job = session.scalars(select(Job)).one()
        assert (job.state, job.upload_id) == ("queued", stored.id)
        events = set(session.scalars(select(Event.name)))
        assert {"upload_started", "upload_success", "job_created"} <= events
        assert session.scalar(select(func.count()).where(AuditLog.action == "upload.created")) == 1


@pytest.mark.parametrize(
    ("content", "filename", "declared", "expected"),
    [
        (report_json(), "values.txt", "text/plain", "application/json"),
        (ANAEMIC_CSV.encode(), "scan.pdf", "application/pdf", "text/csv"),
        (MINIMAL_PDF, "report", "application/octet-stream", "application/pdf"),
        (_image("PNG"), "photo.jpg", "image/jpeg", "image/png"),
        (_image("JPEG"), "photo.png", "image/png", "image/jpeg"),
    ],
)
def test_type_is_decided_by_content_not_name_or_declared_type(
    client: TestClient,
    user_headers: dict[str, str],
    services: Services,
    content: bytes,
    filename: str,
    declared: str,
    expected: str,
) -> None:
    response = client.post(
        "/api/v1/uploads", files={"file": (filename, content, declared)}, headers=user_headers
    )
    assert response.status_code == 202, response.text
    with services.db.unit_of_work(write=False) as session:
        assert session.scalars(select(Upload.media_type)).one() == expected


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00" + bytes(range(256)),  # a Windows executable renamed to .pdf
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        b"GIF89a\x01\x00\x01\x00",
        b"just a sentence without any separator",
        b"\xff\xfe\x00\x00 invalid utf-8 \xc3\x28",
    ],
)
def test_unsupported_content_is_415_naming_the_accepted_types_and_nothing_is_kept(
    client: TestClient, user_headers: dict[str, str], services: Services, content: bytes
) -> None:
    response = upload(client, user_headers, content, "report.pdf", "application/pdf")
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert set(error["details"]["accepted"]) == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/json",
    }
    assert _stored_blobs(services) == []
    assert _count(services, Upload) == 0


def test_empty_file_is_400(client: TestClient, user_headers: dict[str, str], services: Services) -> None:
    response = upload(client, user_headers, b"", "empty.csv")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_file"
    assert _stored_blobs(services) == []


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 4096}])
def test_file_over_the_limit_is_413_and_nothing_is_kept(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    assert client.get("/api/v1/uploads/limits").status_code == 401
    assert client.get("/api/v1/uploads/limits", headers=user_headers).json() == {"max_bytes": 4096}
    big = ("analyte,value,unit\n" + "hemoglobin,120,g/L\n" * 400).encode()
    assert len(big) > 4096
    response = upload(client, user_headers, big, "big.csv")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["details"] == {"max_bytes": 4096}
    assert _stored_blobs(services) == []
    assert _count(services, Upload) == 0
    assert _count(services, Job) == 0


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 4096}])
def test_limit_holds_without_content_length_when_streamed_in_chunks(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    boundary = "verae-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def body() -> object:
        yield head
        for _ in range(100):
            yield b"hemoglobin,120,g/L\n" * 10
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/api/v1/uploads",
        content=body(),
        headers={**user_headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert _stored_blobs(services) == []


def test_request_without_file_field_or_not_multipart_is_a_clear_400(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    no_file = client.post("/api/v1/uploads", files={"other": ("a.csv", ANAEMIC_CSV)}, headers=user_headers)
    assert (no_file.status_code, no_file.json()["error"]["code"]) == (400, "missing_file")
    not_multipart = client.post("/api/v1/uploads", content=ANAEMIC_CSV, headers=user_headers)
    assert (not_multipart.status_code, not_multipart.json()["error"]["code"]) == (400, "invalid_multipart")


def test_upload_needs_a_token(client: TestClient) -> None:
    response = upload(client, {}, ANAEMIC_CSV)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_token"


def test_failing_transaction_after_the_blob_write_leaves_no_orphan_row_or_blob(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    # A real database failure inside the upload's transaction: a trigger refuses the job row.
    with services.db.unit_of_work() as session:
        if services.db.is_sqlite:
            session.execute(
                text(
                    "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION refuse_jobs() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION refuse_jobs()"
                )
            )
    response = upload(client, user_headers, ANAEMIC_CSV)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert _count(services, Upload) == 0
    assert _count(services, Job) == 0
    assert _stored_blobs(services) == []


@pytest.mark.parametrize("settings_overrides", [{"max_queue_depth": 2}])
def test_uploads_get_429_with_retry_after_when_the_queue_is_full(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    for _ in range(2):
        assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202
    refused = upload(client, user_headers, ANAEMIC_CSV)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "queue_full"
    assert int(refused.headers["Retry-After"]) > 0
    assert _count(services, Upload) == 2


@pytest.mark.parametrize("settings_overrides", [{"max_queue_depth": 2}])
def test_only_waiting_uploads_fill_the_queue_not_other_kinds_of_jobs(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    owner = client.get("/api/v1/me", headers=user_headers).json()["id"]
    with services.db.unit_of_work() as session:
        for _ in range(5):  # e.g. webhook deliveries waiting out their backoff
            enqueue(session, kind="deliver_webhook", payload={}, user_id=uuid.UUID(owner), max_attempts=3)
    assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202


def test_uploads_are_listed_newest_first_and_other_peoples_are_404(
    client: TestClient, register: Register
) -> None:
    owner = register()
    stranger = register()
    first = upload(client, owner["headers"], ANAEMIC_CSV).json()
    second = upload(client, owner["headers"], report_json()).json()
    listed = client.get("/api/v1/uploads", headers=owner["headers"]).json()
    assert [item["id"] for item in listed["items"]] == [second["upload_id"], first["upload_id"]]
    assert listed["total"] == 2
    assert client.get(f"/api/v1/uploads/{first['upload_id']}", headers=owner["headers"]).status_code == 200
    foreign = client.get(f"/api/v1/uploads/{first['upload_id']}", headers=stranger["headers"])
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "upload_not_found")
    assert client.get("/api/v1/uploads", headers=stranger["headers"]).json()["total"] == 0


def _upload_with_key(client: TestClient, headers: dict[str, str], content: bytes, key: str) -> Any:
    files = {"file": ("report.csv", content, "text/csv")}
    return client.post("/api/v1/uploads", files=files, headers={**headers, "Idempotency-Key": key})


def _rows(services: Services) -> tuple[int, int]:
    with services.db.unit_of_work(write=False) as session:
        uploads = session.scalar(select(func.count()).select_from(Upload)) or 0
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
    return uploads, jobs


def test_a_retry_with_the_same_idempotency_key_gets_the_first_uploads_job(
    client: TestClient, user_headers: dict[str, str], register: Register, services: Services
) -> None:
    first = _upload_with_key(client, user_headers, ANAEMIC_CSV.encode(), "retry-1")
    again = _upload_with_key(client, user_headers, ANAEMIC_CSV.encode(), "retry-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert _rows(services) == (1, 1)
    assert len(_stored_blobs(services)) == 1  # the retry's copy of the file is not kept

    # Another file under the used key is refused, and nothing of it is kept.
    other = _upload_with_key(client, user_headers, report_json(), "retry-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert _rows(services) == (1, 1)
    assert len(_stored_blobs(services)) == 1

    # Keys belong to one person; without a key every upload is a new one.
    someone_else = register()["headers"]
    assert _upload_with_key(client, someone_else, ANAEMIC_CSV.encode(), "retry-1").status_code == 202
    assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202
    assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202
    assert _rows(services) == (4, 4)


def test_concurrent_retries_with_one_idempotency_key_store_one_upload(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(
                lambda _: _upload_with_key(client, user_headers, ANAEMIC_CSV.encode(), "same-click"), range(6)
            )
        )
    assert [answer.status_code for answer in answers] == [202] * 6
    assert len({answer.json()["job_id"] for answer in answers}) == 1
    assert _rows(services) == (1, 1)
    assert len(_stored_blobs(services)) == 1


def test_an_unusable_idempotency_key_is_a_clear_422(client: TestClient, user_headers: dict[str, str]) -> None:
    response = _upload_with_key(client, user_headers, ANAEMIC_CSV.encode(), "no spaces or slashes/")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"

"""Upload error paths found by review: malformed bodies, a failing abort, and the answer to a replay."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, upload
from verae.kit.blobstore import BlobStoreUnavailable, BlobWriter, LocalBlobStore
from verae.kit.deps import Services
from verae.worker import Worker


def test_a_part_whose_headers_never_end_is_400_invalid_multipart(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n"
        b"--XyZ--\r\n"
    )
    response = client.post(
        "/api/v1/uploads",
        content=body,
        headers={**user_headers, "Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_multipart"


class _BrownOutWriter:
    """A local writer whose abort fails the way S3 does in a brown-out, noting where it ran."""

    def __init__(self, inner: BlobWriter, aborts_on_event_loop: list[bool]) -> None:
        self._inner = inner
        self._aborts_on_event_loop = aborts_on_event_loop

    def write(self, data: bytes) -> None:
        self._inner.write(data)

    def commit(self) -> None:
        self._inner.commit()

    def abort(self) -> None:
        try:
            asyncio.get_running_loop()
            self._aborts_on_event_loop.append(True)
        except RuntimeError:
            self._aborts_on_event_loop.append(False)
        self._inner.abort()
        raise BlobStoreUnavailable("S3 brown-out")


class _BrownOutStore(LocalBlobStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.aborts_on_event_loop: list[bool] = []

    def open_writer(self, key: str) -> BlobWriter:
        return _BrownOutWriter(super().open_writer(key), self.aborts_on_event_loop)


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 1024}])
def test_a_failing_abort_runs_off_the_event_loop_and_the_client_still_gets_its_413(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    store = _BrownOutStore(services.settings.blob_dir)
    services.blobs = store
    response = upload(client, user_headers, b"x" * 4096 + b"\n", "big.csv")
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert store.aborts_on_event_loop == [False]


def test_a_failing_abort_does_not_replace_the_415(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    store = _BrownOutStore(services.settings.blob_dir)
    services.blobs = store
    response = upload(client, user_headers, b"\x00\x01 not a report", "x.bin")
    assert response.status_code == 415, response.text
    assert store.aborts_on_event_loop == [False]


def test_a_replayed_upload_answers_the_status_its_job_has_now(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    headers = {**user_headers, "Idempotency-Key": "replay-after-done"}
    first = upload(client, headers, ANAEMIC_CSV, "r.csv")
    assert (first.status_code, first.json()["status"]) == (202, "queued")
    assert worker.run_pending() == 1
    replay = upload(client, headers, ANAEMIC_CSV, "r.csv")
    assert replay.status_code == 202
    assert replay.json()["job_id"] == first.json()["job_id"]
    assert replay.json()["status"] == "done"

"""POST /ingest waits for the job: 200 with the result, 422 with the job when it needs input, 504 with the
job to poll when the wait ends first (the job keeps running); API keys only; idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, Register
from tests.orgs.partners import admin_headers, partner
from verae.kit.deps import Services
from verae.worker import Worker


@pytest.fixture
def clinic(client: TestClient, register: Register, services: Services) -> dict[str, Any]:
    return partner(client, admin_headers(register, services))


@pytest.fixture
def running_worker(services: Services) -> Iterator[Worker]:
    """Worker threads, as `verae serve` embeds them, so the request has something to wait for."""
    worker = Worker(
        db=services.db,
        blobs=services.blobs,
        settings=services.settings,
        wakeup=services.wakeup,
        concurrency=1,
    )
    worker.start()
    yield worker
    worker.stop()


def _ingest(client: TestClient, headers: dict[str, str], content: str, **params: Any) -> Any:
    return client.post(
        "/api/v1/ingest", params=params, files={"file": ("r.csv", content, "text/csv")}, headers=headers
    )


def test_ingest_answers_with_the_result_or_the_job_that_needs_input(
    client: TestClient, clinic: dict[str, Any], running_worker: Worker
) -> None:
    done = _ingest(client, clinic["headers"], ANAEMIC_CSV, wait=30, external_id="p-1")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done"
    assert body["result"]["id"] == body["job"]["result_id"]
    assert body["result"]["risk"]["risk_tier"] in ("LOW", "MODERATE", "HIGH")
    needs = _ingest(client, clinic["headers"], "analyte,value,unit\nhemoglobin,10.9,g/dL\n", wait=30)
    assert needs.status_code == 422, needs.text
    assert needs.json()["status"] == "needs_input"
    assert {"sex", "age"} <= set(needs.json()["job"]["missing_required_fields"])


def test_ingest_past_its_deadline_is_504_with_the_job_to_poll_and_a_retry_gets_the_same_job(
    client: TestClient, clinic: dict[str, Any], worker: Worker
) -> None:
    # No worker runs: the job cannot end within the wait.
    late = _ingest(client, clinic["headers"], ANAEMIC_CSV, wait=0.2, **{"external_id": "p-2"})
    assert late.status_code == 504
    error = late.json()["error"]
    assert error["code"] == "deadline_exceeded"
    assert late.headers["Location"] == f"/api/v1/jobs/{error['details']['job_id']}"
    assert worker.run_pending() == 1  # the job kept going
    polled = client.get(late.headers["Location"], headers=clinic["headers"]).json()
    assert polled["status"] == "done"

    keyed = {**clinic["headers"], "Idempotency-Key": "visit-9"}
    first = client.post(
        "/api/v1/ingest",
        params={"wait": 0.2},
        files={"file": ("r.csv", ANAEMIC_CSV, "text/csv")},
        headers=keyed,
    )
    worker.run_pending()
    again = client.post(
        "/api/v1/ingest",
        params={"wait": 5},
        files={"file": ("r.csv", ANAEMIC_CSV, "text/csv")},
        headers=keyed,
    )
    assert first.status_code == 504
    assert again.status_code == 200
    assert again.json()["job"]["id"] == first.json()["error"]["details"]["job_id"]


def test_ingest_is_for_api_keys_with_both_scopes(
    client: TestClient, register: Register, services: Services
) -> None:
    admin = admin_headers(register, services)
    writer = partner(client, admin, scopes=["uploads:write"])
    assert _ingest(client, {}, ANAEMIC_CSV).status_code == 401
    person = _ingest(client, register()["headers"], ANAEMIC_CSV)
    assert (person.status_code, person.json()["error"]["code"]) == (403, "api_key_required")
    scoped = _ingest(client, writer["headers"], ANAEMIC_CSV)
    assert (scoped.status_code, scoped.json()["error"]["code"]) == (403, "insufficient_scope")

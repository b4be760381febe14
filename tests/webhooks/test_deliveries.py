"""Webhooks end to end with a real receiver on 127.0.0.1: signed bodies verified by an independent HMAC
implementation, retries of timeouts and 5xx, no retry of 4xx, the delivery log and replay."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as independent_hmac
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload
from tests.orgs.partners import admin_headers, partner
from tests.webhooks.receiver import HANG, receiver
from verae.kit.deps import Services
from verae.kit.time import utcnow
from verae.models import Job
from verae.worker import Worker


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "webhook_allow_loopback": True,
        "webhook_retry_base_seconds": 0.0,  # retries are due at once, so run_pending() takes them
        "webhook_timeout_seconds": 0.5,
    }


@pytest.fixture
def admin(register: Register, services: Services) -> dict[str, str]:
    return admin_headers(register, services)


def _endpoint(client: TestClient, headers: dict[str, str], url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks/endpoints", json={"url": url, "events": events}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _verified(secret: str, signature_header: str, body: bytes) -> bool:
    """What a receiver does, with the `cryptography` package's HMAC rather than our code's `hmac`."""
    fields = dict(part.split("=", 1) for part in signature_header.split(","))
    mac = independent_hmac.HMAC(secret.encode(), hashes.SHA256())
    mac.update(fields["t"].encode() + b"." + body)
    try:
        mac.verify(bytes.fromhex(fields["v1"]))
    except Exception:
        return False
    return True


def _documented_verify() -> Callable[..., bool]:
    """The receivers' verification snippet in docs/api.md, run as a receiver would paste it."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    after = guide.split("<!-- verification snippet", 1)[1]
    code = after.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)
    verify: Callable[..., bool] = namespace["verify"]
    return verify


def _deliveries(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/webhooks/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_finished_job_is_delivered_signed_to_its_organisations_endpoint(
    client: TestClient, worker: Worker, admin: dict[str, str], register: Register
) -> None:
    clinic = partner(client, admin)
    with receiver() as hooks:
        endpoint = _endpoint(client, clinic["headers"], hooks.url, ["job.done"])
        response = client.post(
            "/api/v1/uploads",
            params={"external_id": "patient-42"},
            files={"file": ("r.csv", ANAEMIC_CSV, "text/csv")},
            headers=clinic["headers"],
        )
        assert response.status_code == 202
        accepted_upload(client, register()["headers"], ANAEMIC_CSV)  # a person's job: no webhook
        worker.run_pending()
    (delivered,) = hooks.received
    body = json.loads(delivered.body)
    assert _verified(endpoint["secret"], delivered.headers["Verae-Signature"], delivered.body)
    assert not _verified(endpoint["secret"], delivered.headers["Verae-Signature"], delivered.body + b" ")
    assert not _verified("whsec_another", delivered.headers["Verae-Signature"], delivered.body)
    documented = _documented_verify()
    assert documented(endpoint["secret"], delivered.headers["Verae-Signature"], delivered.body)
    assert not documented(endpoint["secret"], delivered.headers["Verae-Signature"], delivered.body[:-1])
    assert not documented(endpoint["secret"], delivered.headers["Verae-Signature"], delivered.body, -1)
    assert delivered.headers["Verae-Event-Id"] == body["id"]
    assert body["type"] == "job.done"
    assert set(body) == {"id", "type", "created_at", "data"}
    job = client.get(f"/api/v1/jobs/{response.json()['job_id']}", headers=clinic["headers"]).json()
    assert body["data"] | {} == {
        "job_id": job["id"],
        "upload_id": job["upload_id"],
        "external_id": "patient-42",
        "status": "done",
        "result_id": job["result_id"],
        "error_code": None,
    }
    (logged,) = _deliveries(client, clinic["headers"])
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("succeeded", 1, 200)
    assert logged["last_latency_ms"] is not None
    assert logged["event_id"] == body["id"]
    # The delivery jobs are not the organisation's uploads' jobs.
    assert client.get("/api/v1/jobs", headers=clinic["headers"]).json()["total"] == 1


def test_timeouts_and_server_errors_are_retried_with_the_same_event_id(
    client: TestClient, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    with receiver([503, HANG, 429, 200]) as hooks:
        hooks.hang_seconds = 1.0
        _endpoint(client, clinic["headers"], hooks.url, ["job.done", "job.needs_input"])
        accepted_upload(client, clinic["headers"], "analyte,value,unit\nhemoglobin,10.9,g/dL\n")
        worker.run_pending()
    assert len(hooks.received) == 4
    assert len({request.headers["Verae-Event-Id"] for request in hooks.received}) == 1
    assert json.loads(hooks.received[0].body)["type"] == "job.needs_input"
    (logged,) = _deliveries(client, clinic["headers"])
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("succeeded", 4, 200)


def test_a_4xx_is_not_retried_and_an_admin_can_replay_the_failed_delivery(
    client: TestClient, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    organisation_id = clinic["organisation"]["id"]
    with receiver([400, 200]) as hooks:
        _endpoint(client, clinic["headers"], hooks.url, ["job.done"])
        accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
        worker.run_pending()
        assert len(hooks.received) == 1
        (failed,) = _deliveries(client, clinic["headers"])
        assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 1, "http_400")
        listed = client.get(
            f"/api/v1/admin/orgs/{organisation_id}/webhooks/deliveries",
            params={"status": "failed"},
            headers=admin,
        ).json()
        assert [item["id"] for item in listed["items"]] == [failed["id"]]

        replay = f"/api/v1/admin/orgs/{organisation_id}/webhooks/deliveries/{failed['id']}/replay"
        assert client.post(replay, headers=clinic["headers"]).status_code == 403  # a key is not an admin
        replayed = client.post(replay, headers=admin)
        assert replayed.status_code == 202
        assert replayed.json()["status"] == "pending"
        worker.run_pending()
    assert len(hooks.received) == 2
    assert hooks.received[0].headers["Verae-Event-Id"] == hooks.received[1].headers["Verae-Event-Id"]
    (logged,) = _deliveries(client, clinic["headers"])
    assert (logged["status"], logged["attempts"]) == ("succeeded", 2)
    again = client.post(replay, headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "webhook_delivery_not_failed")
    unknown = client.post(
        f"/api/v1/admin/orgs/{organisation_id}/webhooks/deliveries/{uuid.uuid4()}/replay", headers=admin
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "webhook_delivery_not_found")


def test_endpoints_are_the_organisations_own_and_not_for_people(
    client: TestClient, admin: dict[str, str], register: Register
) -> None:
    clinic, other = partner(client, admin), partner(client, admin)
    created = _endpoint(client, clinic["headers"], "http://127.0.0.1:9/hooks", ["job.failed"])
    assert created["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/endpoints", headers=clinic["headers"]).json()
    assert [item["id"] for item in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert client.get("/api/v1/webhooks/endpoints", headers=other["headers"]).json() == []
    path = f"/api/v1/webhooks/endpoints/{created['id']}"
    assert client.delete(path, headers=other["headers"]).status_code == 404
    person = client.get("/api/v1/webhooks/endpoints", headers=register()["headers"])
    assert (person.status_code, person.json()["error"]["code"]) == (403, "api_key_required")
    assert client.delete(path, headers=clinic["headers"]).status_code == 204


def test_an_internal_url_is_refused_at_registration_and_again_at_delivery(
    client: TestClient, services: Services, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    refused = client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "http://169.254.169.254/latest", "events": ["job.done"]},
        headers=clinic["headers"],
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "unsafe_webhook_url")
    with receiver() as hooks:
        _endpoint(client, clinic["headers"], hooks.url, ["job.done"])
        accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
        services.settings.webhook_allow_loopback = False  # as in production: loopback is internal too
        worker.run_pending()
    assert hooks.received == []
    (logged,) = _deliveries(client, clinic["headers"])
    assert (logged["status"], logged["last_error"]) == ("failed", "unsafe_destination")


def test_failed_jobs_are_announced_also_when_their_worker_was_lost(
    client: TestClient, services: Services, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    with receiver() as hooks:
        _endpoint(client, clinic["headers"], hooks.url, ["job.failed"])
        unreadable = accepted_upload(client, clinic["headers"], b"%PDF-1.4\n\x00 not really a pdf", "r.pdf")
        worker.run_pending()
        lost = accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
        (claimed,) = worker.queue.claim()
        # Its worker died on the last attempt: the lease ran out and the rescue fails the job.
        with services.db.unit_of_work() as session:
            session.execute(
                update(Job)
                .where(Job.id == claimed.id)
                .values(attempt=Job.max_attempts, leased_until=utcnow() - timedelta(seconds=1))
            )
        assert worker.queue.rescue() == (0, 1)
        worker.run_pending()
    events = {
        json.loads(request.body)["data"]["job_id"]: json.loads(request.body) for request in hooks.received
    }
    assert set(events) == {unreadable["job_id"], lost["job_id"]}
    assert {event["type"] for event in events.values()} == {"job.failed"}
    assert events[lost["job_id"]]["data"]["error_code"] == "worker_lost"
    assert events[unreadable["job_id"]]["data"]["error_code"] not in (None, "worker_lost")
    assert events[unreadable["job_id"]]["data"]["result_id"] is None


@pytest.mark.parametrize(
    "settings_overrides",
    [{"webhook_allow_loopback": True, "webhook_retry_base_seconds": 0.0, "webhook_retry_hours": 0.0003}],
)
def test_retries_stop_when_the_retry_window_closes(
    client: TestClient, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    with receiver([503] * 10_000) as hooks:  # about a second of retries, every answer a 503
        _endpoint(client, clinic["headers"], hooks.url, ["job.done"])
        accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
        worker.run_pending()
    (logged,) = _deliveries(client, clinic["headers"])
    assert (logged["status"], logged["last_error"]) == ("failed", "http_503")
    assert logged["attempts"] == len(hooks.received) > 1

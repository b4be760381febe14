"""What support and admins can do and see: counts and codes but never lab values or documents; requeue that
is idempotent and has a dry run; settings with ETag/If-Match that take effect; disabled accounts; every
action in the audit trail with its actor."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.admin.conftest import Person
from tests.conftest import PASSWORD
from tests.helpers import ANAEMIC_CSV, accepted_upload, upload
from verae.worker import Worker

ADMIN = "/api/v1/admin"


def _audit(client: TestClient, headers: dict[str, str], **filters: str) -> list[dict[str, object]]:
    answer = client.get(f"{ADMIN}/audit", params={**filters, "limit": 100}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_support_sees_counts_and_codes_never_values_or_documents(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person], worker: Worker
) -> None:
    owner = person()
    accepted = upload(client, owner.headers, ANAEMIC_CSV, filename="Maria_Ivanova_ferritin.csv").json()
    assert worker.run_pending() == 1
    assert client.get(f"/api/v1/jobs/{accepted['job_id']}/values", headers=owner.headers).status_code == 200
    support = staff("support")

    found = client.get(
        f"{ADMIN}/users", params={"email": owner.email.upper()}, headers=support.headers
    ).json()
    assert [item["id"] for item in found["items"]] == [owner.id]
    assert found["items"][0]["counts"] == {"uploads": 1, "jobs": 1, "failed_jobs": 0, "results": 1}
    answers = [
        found,
        client.get(f"{ADMIN}/users/{owner.id}", headers=support.headers).json(),
        client.get(f"{ADMIN}/jobs", params={"user_id": owner.id}, headers=support.headers).json(),
        client.get(f"{ADMIN}/jobs/{accepted['job_id']}", headers=support.headers).json(),
        client.get(f"{ADMIN}/audit", params={"limit": 100}, headers=support.headers).json(),
        client.get(f"{ADMIN}/stats", headers=support.headers).json(),
    ]
    seen = repr(answers)
    assert accepted["job_id"] in seen  # what support needs is there
    assert owner.email in seen
    for secret in ("hemoglobin", "Maria_Ivanova", "ferritin", "risk_percent", "sha256", "blob"):
        assert secret not in seen, secret
    # The values as numbers on their own, not the same digits inside a timestamp such as "20:31:10.965678Z".
    for value in ("10.9", "24.1", "16.2"):
        assert not re.search(rf"(?<![\d:.]){re.escape(value)}(?![\d])", seen), value
    # Each look was audited with support as the actor.
    mine = _audit(client, support.headers, actor_id=support.id)
    assert {"admin.users_searched", "admin.user_viewed", "admin.jobs_listed", "admin.job_viewed"} <= {
        str(row["action"]) for row in mine
    }
    viewed = next(row for row in mine if row["action"] == "admin.user_viewed")
    assert (viewed["object_type"], viewed["object_id"], viewed["details"]) == (
        "user",
        owner.id,
        {"role": "support"},
    )


@pytest.mark.parametrize("settings_overrides", [{"faults": ["permanent@parsing"]}])
def test_requeue_has_a_dry_run_and_never_requeues_twice(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person], worker: Worker
) -> None:
    owner = person()
    job_ids = [accepted_upload(client, owner.headers, ANAEMIC_CSV)["job_id"] for _ in range(3)]
    assert worker.run_pending() == 3
    admin = staff("admin")
    failed = client.get(
        f"{ADMIN}/jobs", params={"status": "failed", "error_code": "injected_fault"}, headers=admin.headers
    ).json()
    assert sorted(item["id"] for item in failed["items"]) == sorted(job_ids)
    assert failed["items"][0]["errors"][0]["code"] == "injected_fault"

    one = client.post(f"{ADMIN}/jobs/{job_ids[0]}/requeue", headers=admin.headers).json()
    assert (one["requeued"], one["status"]) == (True, "queued")
    again = client.post(f"{ADMIN}/jobs/{job_ids[0]}/requeue", headers=admin.headers).json()
    assert (again["requeued"], again["status"]) == (False, "queued")

    dry = client.post(
        f"{ADMIN}/jobs/requeue", json={"error_code": "injected_fault"}, headers=admin.headers
    ).json()
    assert (dry["dry_run"], sorted(dry["job_ids"])) == (True, sorted(job_ids[1:]))
    still = client.get(f"{ADMIN}/jobs", params={"status": "failed"}, headers=admin.headers).json()["total"]
    assert still == 2
    real = {"error_code": "injected_fault", "dry_run": False}
    done = client.post(f"{ADMIN}/jobs/requeue", json=real, headers=admin.headers).json()
    assert sorted(done["job_ids"]) == sorted(job_ids[1:])
    assert client.post(f"{ADMIN}/jobs/requeue", json=real, headers=admin.headers).json()["job_ids"] == []

    requeues = _audit(client, admin.headers, actor_id=admin.id, action="admin.job_requeued")
    assert sorted(str(row["object_id"]) for row in requeues) == sorted(job_ids)  # once each
    assert len(_audit(client, admin.headers, action="admin.jobs_requeue_dry_run")) == 1
    queued = client.get(f"{ADMIN}/jobs", params={"status": "queued"}, headers=admin.headers).json()
    assert {item["attempts"] for item in queued["items"]} == {0}


def test_settings_need_the_current_etag_are_validated_and_take_effect(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person]
) -> None:
    admin, owner = staff("admin"), person()
    read = client.get(f"{ADMIN}/settings", headers=admin.headers)
    etag = read.headers["ETag"]
    assert read.json()["values"]["max_queue_depth"] is None
    assert read.json()["effective"]["max_queue_depth"] == 10_000

    missing = client.put(f"{ADMIN}/settings", json={"max_queue_depth": 1}, headers=admin.headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (428, "precondition_required")
    for invalid in ({"max_queue_depth": 0}, {"no_such_setting": 3}, {"max_upload_bytes": 10}):
        refused = client.put(f"{ADMIN}/settings", json=invalid, headers={**admin.headers, "If-Match": etag})
        assert refused.status_code == 422, invalid
    written = client.put(
        f"{ADMIN}/settings", json={"max_queue_depth": 1}, headers={**admin.headers, "If-Match": etag}
    )
    assert written.status_code == 200
    assert written.headers["ETag"] != etag
    assert written.json()["effective"]["max_queue_depth"] == 1
    stale = client.put(
        f"{ADMIN}/settings", json={"max_queue_depth": 7}, headers={**admin.headers, "If-Match": etag}
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (412, "precondition_failed")
    assert client.get(f"{ADMIN}/settings", headers=admin.headers).json()["values"]["max_queue_depth"] == 1

    # In force for uploads at once: one queued job fills a queue of 1.
    assert upload(client, owner.headers, ANAEMIC_CSV).status_code == 202
    full = upload(client, owner.headers, ANAEMIC_CSV)
    assert (full.status_code, full.json()["error"]["code"]) == (429, "queue_full")
    changes = _audit(client, admin.headers, action="admin.settings_changed")
    assert [row["details"] for row in changes] == [{"role": "admin", "changed": ["max_queue_depth"]}]


def test_an_upload_limit_set_by_an_admin_is_what_people_are_told_and_held_to(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person]
) -> None:
    admin, owner = staff("admin"), person()
    limits = client.get("/api/v1/uploads/limits", headers=owner.headers)
    assert limits.json() == {"max_bytes": 20 * 1024 * 1024}
    etag = client.get(f"{ADMIN}/settings", headers=admin.headers).headers["ETag"]
    written = client.put(
        f"{ADMIN}/settings", json={"max_upload_bytes": 64 * 1024}, headers={**admin.headers, "If-Match": etag}
    )
    assert written.status_code == 200
    assert client.get("/api/v1/uploads/limits", headers=owner.headers).json() == {"max_bytes": 64 * 1024}
    too_big = upload(client, owner.headers, ANAEMIC_CSV + "\n" * 64 * 1024)
    assert (too_big.status_code, too_big.json()["error"]["details"]) == (413, {"max_bytes": 64 * 1024})


def test_a_disabled_account_loses_its_sessions_and_cannot_log_in_until_enabled(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person]
) -> None:
    admin, owner = staff("admin"), person()
    assert client.post(f"{ADMIN}/users/{owner.id}/disable", headers=admin.headers).json()["disabled_at"]
    assert client.get("/api/v1/jobs", headers=owner.headers).status_code == 401
    login = {"email": owner.email, "password": PASSWORD}
    refused = client.post("/api/v1/auth/login", json=login)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_credentials")
    assert (
        client.post(f"{ADMIN}/users/{owner.id}/enable", headers=admin.headers).json()["disabled_at"] is None
    )
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    missing = client.post(
        f"{ADMIN}/users/00000000-0000-4000-8000-000000000000/disable", headers=admin.headers
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "user_not_found")


def test_a_lower_login_limit_set_at_runtime_throttles_logins(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person]
) -> None:
    admin, owner = staff("admin"), person()
    etag = client.get(f"{ADMIN}/settings", headers=admin.headers).headers["ETag"]
    lowered = {"login_max_failures_per_account_and_address": 2}
    assert client.put(
        f"{ADMIN}/settings", json=lowered, headers={**admin.headers, "If-Match": etag}
    ).is_success
    wrong = {"email": owner.email, "password": "not-the-password-1"}
    answers = [client.post("/api/v1/auth/login", json=wrong).status_code for _ in range(3)]
    assert answers == [401, 401, 429]

"""Organisations act through API keys: shown once and stored hashed, scoped, rotated with a grace period,
revoked at once, limited per key; an organisation's objects are its own (another's → 404)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, upload
from tests.orgs.partners import admin_headers, new_key, new_organisation, partner
from verae.kit.deps import Services
from verae.kit.time import utcnow
from verae.models import ApiKey
from verae.worker import Worker


@pytest.fixture
def admin(register: Register, services: Services) -> dict[str, str]:
    return admin_headers(register, services)


def test_a_key_is_shown_once_stored_hashed_and_acts_for_its_organisation_alone(
    client: TestClient, services: Services, worker: Worker, admin: dict[str, str], register: Register
) -> None:
    clinic, other = partner(client, admin), partner(client, admin)
    token: str = clinic["key"]["key"]
    prefix, secret = token.removeprefix("vk_").split("_", 1)
    assert prefix == clinic["key"]["prefix"]
    assert len(secret) >= 43
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalars(select(ApiKey.secret_hash)).all()
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert all(secret not in row for row in stored)
    listed = client.get(f"/api/v1/admin/orgs/{clinic['organisation']['id']}/keys", headers=admin).json()
    assert [key["prefix"] for key in listed] == [prefix]
    assert "key" not in listed[0]

    accepted = accepted_upload(client, clinic["headers"], ANAEMIC_CSV)
    assert worker.run_pending() == 1
    job = client.get(f"/api/v1/jobs/{accepted['job_id']}", headers=clinic["headers"]).json()
    assert job["status"] == "done"
    result_path = f"/api/v1/results/{job['result_id']}"
    assert client.get(result_path, headers=clinic["headers"]).status_code == 200
    # The X-API-Key header works as well as the bearer form.
    assert client.get(result_path, headers={"X-API-Key": token}).status_code == 200
    for stranger in (other["headers"], register()["headers"]):
        assert client.get(result_path, headers=stranger).status_code == 404
        assert client.get(f"/api/v1/jobs/{accepted['job_id']}", headers=stranger).status_code == 404
        assert client.get(f"/api/v1/uploads/{accepted['upload_id']}", headers=stranger).status_code == 404


@pytest.mark.parametrize(
    "token",
    ["vk_000000000000_not-the-secret", "vk_malformed", "vk_"],
)
def test_an_unknown_or_malformed_key_is_401(client: TestClient, token: str) -> None:
    response = client.get("/api/v1/results", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_wrong_secret_under_a_real_prefix_is_401(client: TestClient, admin: dict[str, str]) -> None:
    clinic = partner(client, admin)
    forged = f"vk_{clinic['key']['prefix']}_{'A' * 43}"
    response = client.get("/api/v1/results", headers={"X-API-Key": forged})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")


# (method, path, the scope it needs); paths a key may never use need a scope no key has.
ROUTES = [
    ("POST", "/api/v1/uploads", "uploads:write"),
    ("GET", "/api/v1/uploads", "uploads:read"),
    ("GET", "/api/v1/jobs", "uploads:read"),
    ("GET", "/api/v1/results", "results:read"),
    ("GET", "/api/v1/webhooks/endpoints", "webhooks:manage"),
    ("GET", "/api/v1/me", None),
    ("POST", "/api/v1/auth/logout", None),
    ("GET", "/api/v1/admin/orgs", None),
]


def test_scopes_are_enforced_on_every_route_a_key_may_call(client: TestClient, admin: dict[str, str]) -> None:
    organisation = new_organisation(client, admin)
    keys = {
        scope: new_key(client, admin, organisation["id"], [scope])["headers"]
        for scope in ("uploads:write", "uploads:read", "results:read", "webhooks:manage")
    }
    for method, path, needed in ROUTES:
        for scope, headers in keys.items():
            if method == "POST" and path == "/api/v1/uploads":
                response = upload(client, headers, ANAEMIC_CSV)
            else:
                response = client.request(method, path, headers=headers)
            allowed = scope == needed
            assert (response.status_code < 400) == allowed, (method, path, scope, response.text)
            if not allowed:
                assert (response.status_code, response.json()["error"]["code"]) == (403, "insufficient_scope")


def test_a_rotated_key_keeps_working_for_the_grace_period_and_a_revoked_one_stops_at_once(
    client: TestClient, services: Services, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin, scopes=["results:read"])
    organisation_id, old = clinic["organisation"]["id"], clinic["key"]
    rotated = client.post(f"/api/v1/admin/orgs/{organisation_id}/keys/{old['id']}/rotate", headers=admin)
    assert rotated.status_code == 201, rotated.text
    new: dict[str, Any] = rotated.json()
    assert new["key"] != old["key"]
    assert new["scopes"] == ["results:read"]
    for token in (old["key"], new["key"]):
        assert client.get("/api/v1/results", headers={"X-API-Key": token}).status_code == 200
    # Past the grace period the old key is refused, the new one is not.
    with services.db.unit_of_work() as session:
        session.execute(update(ApiKey).where(ApiKey.id == uuid.UUID(old["id"])).values(expires_at=utcnow()))
    assert client.get("/api/v1/results", headers={"X-API-Key": old["key"]}).status_code == 401
    assert client.get("/api/v1/results", headers={"X-API-Key": new["key"]}).status_code == 200
    again = client.post(f"/api/v1/admin/orgs/{organisation_id}/keys/{old['id']}/rotate", headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "api_key_revoked")

    revoked = client.post(f"/api/v1/admin/orgs/{organisation_id}/keys/{new['id']}/revoke", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    response = client.get("/api/v1/results", headers={"X-API-Key": new["key"]})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")


def test_a_key_over_its_requests_per_minute_gets_429_with_retry_after(
    client: TestClient, admin: dict[str, str]
) -> None:
    organisation = new_organisation(client, admin)
    limited = new_key(client, admin, organisation["id"], ["results:read"], rate_limit_per_minute=3)
    other = new_key(client, admin, organisation["id"], ["results:read"], rate_limit_per_minute=3)
    answers = [client.get("/api/v1/results", headers=limited["headers"]) for _ in range(7)]
    # Seven quick requests span at most two fixed windows of three.
    refused = [answer for answer in answers if answer.status_code != 200]
    assert refused
    assert {answer.status_code for answer in refused} == {429}
    assert refused[0].json()["error"]["code"] == "api_key_rate_limited"
    assert 1 <= int(refused[0].headers["Retry-After"]) <= 60
    # Limits are per key: the organisation's other key is untouched.
    assert client.get("/api/v1/results", headers=other["headers"]).status_code == 200


def test_results_are_listed_by_the_organisations_patient_reference(
    client: TestClient, worker: Worker, admin: dict[str, str]
) -> None:
    clinic = partner(client, admin)
    for reference in ("patient-7", "patient-7", "patient-8"):
        response = client.post(
            "/api/v1/uploads",
            params={"external_id": reference},
            files={"file": ("r.csv", ANAEMIC_CSV, "text/csv")},
            headers=clinic["headers"],
        )
        assert response.status_code == 202, response.text
    worker.run_pending()
    listed = client.get("/api/v1/results", params={"external_id": "patient-7"}, headers=clinic["headers"])
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    uploads = client.get("/api/v1/uploads", headers=clinic["headers"]).json()["items"]
    assert sorted(item["external_id"] for item in uploads) == ["patient-7", "patient-7", "patient-8"]
    # Another organisation with the same reference sees none of them.
    other = partner(client, admin)
    assert (
        client.get("/api/v1/results", params={"external_id": "patient-7"}, headers=other["headers"]).json()[
            "total"
        ]
        == 0
    )


def test_only_admins_manage_organisations(
    client: TestClient, register: Register, admin: dict[str, str]
) -> None:
    assert client.post("/api/v1/admin/orgs", json={"name": "x"}).status_code == 401
    assert (
        client.post("/api/v1/admin/orgs", json={"name": "x"}, headers=register()["headers"]).status_code
        == 404
    )
    first = client.post("/api/v1/admin/orgs", json={"name": "Same Lab"}, headers=admin)
    second = client.post("/api/v1/admin/orgs", json={"name": "Same Lab"}, headers=admin)
    assert first.status_code == 201
    assert (second.status_code, second.json()["error"]["code"]) == (409, "organisation_name_taken")

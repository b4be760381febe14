"""Registration, login, throttling, refresh rotation, logout and the profile — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import PASSWORD, TEST_JWT_SECRET, auth_headers
from tests.helpers import Register
from verae.auth.tokens import issue_access_token
from verae.kit.deps import Services
from verae.models import AuditLog, Event, User


def test_register_answers_tokens_and_user_and_hashes_the_password_with_argon2id(
    client: TestClient, services: Services
) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "Anna@Example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == services.settings.access_token_ttl_seconds
    assert body["user"]["email"] == "anna@example.com"
    with services.db.unit_of_work(write=False) as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert session.scalar(select(func.count()).where(Event.name == "signup")) == 1
        assert session.scalar(select(func.count()).where(AuditLog.action == "user.registered")) == 1


def test_email_is_unique_case_insensitively(client: TestClient, register: Register) -> None:
    register(email="dup@example.com")
    response = client.post("/api/v1/auth/register", json={"email": "DUP@example.COM", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize("password", ["short1", "onlyletters", "1234567890", "a1" * 65])
def test_weak_passwords_are_refused_with_weak_password(client: TestClient, password: str) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "w@example.com", "password": password})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"


def test_invalid_email_is_a_validation_error(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert PASSWORD not in response.text  # submitted values are never echoed


def test_login_with_the_right_password_gives_a_working_token(client: TestClient, register: Register) -> None:
    register(email="login@example.com")
    response = client.post("/api/v1/auth/login", json={"email": "LOGIN@example.com", "password": PASSWORD})
    assert response.status_code == 200
    me = client.get("/api/v1/me", headers=auth_headers(response.json()["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "login@example.com"


def test_wrong_password_and_unknown_account_answer_the_same_invalid_credentials(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="known@example.com")
    wrong = client.post("/api/v1/auth/login", json={"email": "known@example.com", "password": "wrong-pass-1"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    with services.db.unit_of_work(write=False) as session:
        # The failure is recorded even though the request itself failed.
        assert session.scalar(select(func.count()).where(AuditLog.action == "auth.login_failed")) == 2


def test_repeated_failures_for_one_account_are_throttled_with_retry_after(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="target@example.com")
    limit = services.settings.login_max_failures_per_account_and_address
    for _ in range(limit):
        response = client.post(
            "/api/v1/auth/login", json={"email": "target@example.com", "password": "nope-123"}
        )
        assert response.status_code == 401
    throttled = client.post("/api/v1/auth/login", json={"email": "target@example.com", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(throttled.headers["Retry-After"]) <= services.settings.login_window_seconds
    other = register(email="bystander@example.com")
    assert other["user"]["email"] == "bystander@example.com"


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_ip": 3}])
def test_repeated_failures_from_one_address_are_throttled_across_accounts(client: TestClient) -> None:
    for index in range(3):
        client.post("/api/v1/auth/login", json={"email": f"guess{index}@example.com", "password": "nope-123"})
    throttled = client.post("/api/v1/auth/login", json={"email": "fresh@example.com", "password": "nope-123"})
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers


def test_refresh_rotates_the_token_and_reusing_the_old_one_ends_the_session(
    client: TestClient, register: Register
) -> None:
    first = register()
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=auth_headers(second["access_token"])).status_code == 200

    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_reused"
    # The whole session is revoked: the newest refresh token and its access token stop working.
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    me = client.get("/api/v1/me", headers=auth_headers(second["access_token"]))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "invalid_token"


def test_unknown_refresh_token_is_invalid(client: TestClient) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_logout_revokes_the_session_but_not_other_sessions(client: TestClient, register: Register) -> None:
    account = register(email="multi@example.com")
    other = client.post(
        "/api/v1/auth/login", json={"email": "multi@example.com", "password": PASSWORD}
    ).json()
    assert client.post("/api/v1/auth/logout", headers=account["headers"]).status_code == 204
    assert client.get("/api/v1/me", headers=account["headers"]).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.get("/api/v1/me", headers=auth_headers(other["access_token"])).status_code == 200


def test_token_errors_have_their_own_codes(client: TestClient, register: Register) -> None:
    account = register()
    missing = client.get("/api/v1/me")
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "missing_token")
    garbage = client.get("/api/v1/me", headers=auth_headers("not.a.jwt"))
    assert (garbage.status_code, garbage.json()["error"]["code"]) == (401, "invalid_token")
    forged = issue_access_token("another-secret-another-secret-000", 60, uuid.uuid4(), uuid.uuid4())
    assert client.get("/api/v1/me", headers=auth_headers(forged)).json()["error"]["code"] == "invalid_token"
    expired = issue_access_token(TEST_JWT_SECRET, -5, uuid.UUID(account["user"]["id"]), uuid.uuid4())
    response = client.get("/api/v1/me", headers=auth_headers(expired))
    assert (response.status_code, response.json()["error"]["code"]) == (401, "token_expired")


def test_profile_can_be_updated_and_cleared(client: TestClient, user_headers: dict[str, str]) -> None:
    updated = client.patch(
        "/api/v1/me",
        json={"sex": "female", "birth_date": "1990-05-01", "height_cm": 168, "weight_kg": 61.5},
        headers=user_headers,
    )
    assert updated.status_code == 200
    assert updated.json()["sex"] == "female"
    assert client.get("/api/v1/me", headers=user_headers).json()["birth_date"] == "1990-05-01"
    cleared = client.patch("/api/v1/me", json={"height_cm": None}, headers=user_headers)
    assert cleared.json()["height_cm"] is None
    assert cleared.json()["weight_kg"] == 61.5
    invalid = client.patch("/api/v1/me", json={"height_cm": 900}, headers=user_headers)
    assert invalid.status_code == 422

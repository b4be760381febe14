"""Registration per address and refresh per session are limited, so neither can be used without bound."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import Register
from verae.kit.deps import Services
from verae.models import AuditLog


@pytest.mark.parametrize("settings_overrides", [{"registration_max_per_ip_per_hour": 3}])
def test_registrations_from_one_address_are_limited_taken_emails_included(
    client: TestClient, register: Register
) -> None:
    register(email="first@example.com")
    register(email="second@example.com")
    taken = client.post("/api/v1/auth/register", json={"email": "first@example.com", "password": PASSWORD})
    assert taken.json()["error"]["code"] == "email_taken"
    limited = client.post("/api/v1/auth/register", json={"email": "third@example.com", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "too_many_registrations"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize("settings_overrides", [{"refresh_max_per_session_per_minute": 3}])
def test_refreshes_of_one_session_are_limited_and_audited(
    client: TestClient, register: Register, services: Services
) -> None:
    token = register()["refresh_token"]
    for _ in range(2):
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert refreshed.status_code == 200, refreshed.text
        token = refreshed.json()["refresh_token"]
    limited = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "too_many_refreshes"
    assert "Retry-After" in limited.headers
    # The refused refresh did not use the token up: it still works once the minute has passed.
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).where(AuditLog.action == "auth.refreshed")) == 2

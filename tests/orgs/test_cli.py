"""`verae orgs create` and `verae keys create|rotate|revoke`: the operator's way, against the same database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import PASSWORD
from verae.auth.passwords import verify_password
from verae.cli import app
from verae.config import Settings
from verae.kit.deps import Services
from verae.models import Organisation, User


@pytest.fixture
def verae(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VERAE_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def run(*args: str, expect: int = 0) -> Any:
        result = runner.invoke(app, list(args))
        assert result.exit_code == expect, result.output
        return json.loads(result.stdout) if expect == 0 else result.output

    return run


def test_an_operator_creates_an_organisation_and_a_key_that_works_until_revoked(
    verae: Any, client: TestClient, services: Services
) -> None:
    organisation = verae("orgs", "create", "South Clinic", "--retention-days", "90")
    assert organisation["retention_days"] == 90
    created = verae("keys", "create", "South Clinic", "--scope", "results:read", "--rate-limit", "50")
    assert created["key"].startswith("vk_")
    assert created["rate_limit_per_minute"] == 50
    assert client.get("/api/v1/results", headers={"X-API-Key": created["key"]}).status_code == 200

    rotated = verae("keys", "rotate", created["id"])
    assert client.get("/api/v1/results", headers={"X-API-Key": rotated["key"]}).status_code == 200
    verae("keys", "revoke", rotated["id"])
    assert client.get("/api/v1/results", headers={"X-API-Key": rotated["key"]}).status_code == 401
    assert [key["id"] for key in verae("keys", "list", organisation["id"])] == [rotated["id"], created["id"]]

    assert "scopes are" in verae("keys", "create", "South Clinic", "--scope", "everything", expect=2)
    assert "already exists" in verae("orgs", "create", "South Clinic", expect=1)
    assert "No such organisation" in verae("keys", "create", "Nowhere", "--scope", "results:read", expect=1)

    # The organisation's principal has no password anyone could log in with.
    with services.db.unit_of_work(write=False) as session:
        email, password_hash = session.execute(
            select(User.email, User.password_hash).join(Organisation, Organisation.user_id == User.id)
        ).one()
    assert not any(verify_password(password_hash, guess) for guess in (PASSWORD, password_hash, ""))
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code in (401, 422)  # 422: the `.invalid` address is not even a valid email

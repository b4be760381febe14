"""Organisations and keys for tests, made through the admin API as an operator would."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.helpers import Register
from verae.auth.roles import Role
from verae.kit.deps import Services
from verae.models import User


def admin_headers(register: Register, services: Services) -> dict[str, str]:
    person = register()
    with services.db.unit_of_work() as session:
        session.execute(update(User).where(User.email == person["user"]["email"]).values(role=Role.ADMIN))
    headers: dict[str, str] = person["headers"]
    return headers


def new_organisation(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/admin/orgs", json={"name": f"clinic-{uuid.uuid4().hex[:8]}", **fields}, headers=admin
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def new_key(
    client: TestClient,
    admin: dict[str, str],
    organisation_id: str,
    scopes: list[str],
    rate_limit_per_minute: int | None = None,
) -> dict[str, Any]:
    """The created key's body; `headers` authenticate with it."""
    response = client.post(
        f"/api/v1/admin/orgs/{organisation_id}/keys",
        json={"scopes": scopes, "rate_limit_per_minute": rate_limit_per_minute},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['key']}"}
    return body


ALL_SCOPES = ["uploads:write", "uploads:read", "results:read", "webhooks:manage"]


def partner(
    client: TestClient, admin: dict[str, str], scopes: list[str] = ALL_SCOPES, **fields: Any
) -> dict[str, Any]:
    """A new organisation with one key: {organisation, key, headers}."""
    organisation = new_organisation(client, admin, **fields)
    key = new_key(client, admin, organisation["id"], scopes)
    return {"organisation": organisation, "key": key, "headers": key["headers"]}

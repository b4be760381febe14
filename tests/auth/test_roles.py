"""Staff routes exist only for their roles: no token → 401, a role not allowed → 404 like an unknown path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from verae.auth.roles import AdminPrincipal, Role, StaffPrincipal
from verae.kit.deps import Services
from verae.models import User


@pytest.fixture
def staff_client(client: TestClient) -> TestClient:
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/api/v1/test-staff")
    def staff_route(principal: StaffPrincipal) -> dict[str, str]:
        return {"role": principal.user.role}

    @app.get("/api/v1/test-admin")
    def admin_route(principal: AdminPrincipal) -> dict[str, str]:
        return {"role": principal.user.role}

    return client


def _person_with_role(
    register: Callable[..., dict[str, Any]], services: Services, role: Role
) -> dict[str, str]:
    person = register()
    with services.db.unit_of_work() as session:
        session.execute(update(User).where(User.email == person["user"]["email"]).values(role=role))
    headers: dict[str, str] = person["headers"]
    return headers


@pytest.mark.parametrize(
    ("role", "staff_status", "admin_status"),
    [(Role.USER, 404, 404), (Role.SUPPORT, 200, 404), (Role.ADMIN, 200, 200)],
)
def test_staff_routes_answer_their_roles_and_are_unknown_paths_to_others(
    staff_client: TestClient,
    register: Callable[..., dict[str, Any]],
    services: Services,
    role: Role,
    staff_status: int,
    admin_status: int,
) -> None:
    headers = _person_with_role(register, services, role)
    unknown = staff_client.get("/api/v1/no-such-route", headers=headers)
    for path, status in (("/api/v1/test-staff", staff_status), ("/api/v1/test-admin", admin_status)):
        response = staff_client.get(path, headers=headers)
        assert response.status_code == status
        if status == 404:
            assert response.json()["error"]["code"] == unknown.json()["error"]["code"] == "not_found"
        else:
            assert response.json() == {"role": role}


def test_staff_routes_without_a_token_answer_401(staff_client: TestClient) -> None:
    for path in ("/api/v1/test-staff", "/api/v1/test-admin"):
        response = staff_client.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "missing_token"

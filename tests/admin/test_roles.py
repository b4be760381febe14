"""Every admin route × every role: no token 401; a user 404 (like an unknown path); support 200 on what it
may see and 404 on what only admins do; admin 200. And the roles come from `verae users grant/revoke`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.admin.conftest import Person, run_cli
from tests.helpers import ANAEMIC_CSV, accepted_upload
from verae.config import Settings
from verae.kit.deps import Services
from verae.models import AuditLog

STAFF, ADMIN = "staff", "admin"


def _routes(target: Person, job_id: str) -> list[tuple[str, str, dict[str, Any] | None, str]]:
    return [
        ("GET", "/api/v1/admin/users?email=example", None, STAFF),
        ("GET", f"/api/v1/admin/users/{target.id}", None, STAFF),
        ("POST", f"/api/v1/admin/users/{target.id}/disable", None, ADMIN),
        ("POST", f"/api/v1/admin/users/{target.id}/enable", None, ADMIN),
        ("GET", "/api/v1/admin/jobs?status=queued", None, STAFF),
        ("GET", f"/api/v1/admin/jobs/{job_id}", None, STAFF),
        ("POST", f"/api/v1/admin/jobs/{job_id}/requeue", None, ADMIN),
        ("POST", "/api/v1/admin/jobs/requeue", {"dry_run": True}, ADMIN),
        ("GET", "/api/v1/admin/audit?action=upload.created", None, STAFF),
        ("GET", "/api/v1/admin/stats?days=7", None, STAFF),
        ("GET", "/api/v1/admin/settings", None, ADMIN),
        ("PUT", "/api/v1/admin/settings", {"max_queue_depth": 500}, ADMIN),
    ]


def test_every_admin_route_answers_each_role_as_it_should(
    client: TestClient, person: Callable[[], Person], staff: Callable[[str], Person]
) -> None:
    target = person()
    job_id = accepted_upload(client, target.headers, ANAEMIC_CSV)["job_id"]
    # The target is disabled and enabled along the way: the plain user calling is someone else.
    callers = {"user": person().headers, "support": staff("support").headers, "admin": staff("admin").headers}
    unknown = client.get("/api/v1/admin/no-such-route", headers=callers["admin"]).json()["error"]
    routes = _routes(target, job_id)
    assert {path.split("?")[0] for _, path, _, _ in routes} >= {
        route.path.replace("{user_id}", target.id).replace("{job_id}", job_id)
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "").startswith("/api/v1/admin")
    }, "a new admin route must join this matrix"

    for method, path, body, who in routes:
        anonymous = client.request(method, path, json=body)
        assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "missing_token"), path
        for role, headers in callers.items():
            allowed = role == "admin" or (role == "support" and who == STAFF)
            sent = dict(headers)
            if allowed and method == "PUT":
                sent["If-Match"] = client.get("/api/v1/admin/settings", headers=callers["admin"]).headers[
                    "ETag"
                ]
            answer = client.request(method, path, json=body, headers=sent)
            if allowed:
                assert answer.status_code == 200, (role, method, path, answer.text)
            else:
                assert answer.status_code == 404, (role, method, path)
                error = answer.json()["error"]
                assert (error["code"], error["message"]) == (unknown["code"], unknown["message"])


def test_roles_are_granted_and_revoked_from_the_command_line_and_audited(
    client: TestClient,
    person: Callable[[], Person],
    settings: Settings,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    someone = person()
    assert client.get("/api/v1/admin/users", headers=someone.headers).status_code == 404
    assert run_cli(settings, monkeypatch, "users", "grant", someone.email, "admin").exit_code == 0
    assert client.get("/api/v1/admin/settings", headers=someone.headers).status_code == 200
    assert run_cli(settings, monkeypatch, "users", "grant", someone.email, "support").exit_code == 0
    assert client.get("/api/v1/admin/settings", headers=someone.headers).status_code == 404
    assert client.get("/api/v1/admin/users", headers=someone.headers).status_code == 200
    assert run_cli(settings, monkeypatch, "users", "revoke", someone.email).exit_code == 0
    assert client.get("/api/v1/admin/users", headers=someone.headers).status_code == 404

    assert run_cli(settings, monkeypatch, "users", "grant", someone.email, "owner").exit_code == 2
    assert run_cli(settings, monkeypatch, "users", "grant", "nobody@example.com", "admin").exit_code == 1
    with services.db.unit_of_work(write=False) as session:
        changes = session.scalars(
            select(AuditLog).where(AuditLog.action == "users.role_changed").order_by(AuditLog.id)
        ).all()
    assert [(row.object_id, row.details["previous"], row.details["role"]) for row in changes] == [
        (someone.id, "user", "admin"),
        (someone.id, "admin", "support"),
        (someone.id, "support", "user"),
    ]

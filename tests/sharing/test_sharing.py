"""Share links for a doctor: create, open without login, PIN, expiry, revocation, access log — on SQLite
and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tests.helpers import ANAEMIC_CSV, Register, processed_result, report_json
from verae.app import create_app
from verae.config import Settings
from verae.kit.deps import Services
from verae.kit.time import utcnow
from verae.models import AuditLog, ShareLink
from verae.sharing.service import MAX_PIN_FAILURES
from verae.worker import Worker

VISITOR = ("203.0.113.7", 50000)
FIREFOX = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """Requests from a real-looking address, so the access log's network can be checked."""
    with TestClient(create_app(settings), client=VISITOR) as test_client:
        yield test_client


def _share(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    response = client.post("/api/v1/shares", json={"expires_in_hours": 24, **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _assert_public_headers(response: Any) -> None:
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_link_opens_without_login_is_logged_for_the_owner_and_is_gone_once_revoked(
    client: TestClient, register: Register, worker: Worker, services: Services
) -> None:
    owner = register()
    result_id = processed_result(client, owner["headers"], worker, ANAEMIC_CSV)
    created = _share(client, owner["headers"], result_id=result_id, label="Dr. Ivanova")
    token = created["token"]
    assert len(token) >= 43
    assert created["path"] == f"/shared#{token}"
    assert created["scope"] == "result"
    assert created["status"] == "active"
    assert not created["has_pin"]
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalar(select(ShareLink.token_hash))
    assert stored is not None
    assert token not in stored

    opened = client.get(f"/api/v1/shared/{token}", headers=FIREFOX)
    assert opened.status_code == 200, opened.text
    _assert_public_headers(opened)
    body = opened.json()
    assert body["scope"] == "result"
    assert len(body["results"]) == 1
    values = {value["analyte"]: value["normalized_value"] for value in body["results"][0]["report"]["values"]}
    assert values["hemoglobin"] == pytest.approx(109.0)
    assert owner["user"]["email"] not in opened.text
    assert result_id not in opened.text

    pdf = client.get(f"/api/v1/shared/{token}/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    _assert_public_headers(pdf)

    listed = client.get("/api/v1/shares", params={"result_id": result_id}, headers=owner["headers"]).json()
    assert [(item["id"], item["access_count"]) for item in listed["items"]] == [(created["id"], 2)]
    accesses = client.get(f"/api/v1/shares/{created['id']}/accesses", headers=owner["headers"]).json()[
        "items"
    ]
    assert [(item["view"], item["outcome"]) for item in accesses] == [("pdf", "opened"), ("json", "opened")]
    assert accesses[1]["network"] == "203.0.113.0/24"
    assert accesses[1]["client"] == "Firefox on Windows"

    # another person can neither share the result, nor see, revoke or read the log of the link
    stranger = register()["headers"]
    refused = client.post(
        "/api/v1/shares", json={"expires_in_hours": 1, "result_id": result_id}, headers=stranger
    )
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "result_not_found"
    assert client.get("/api/v1/shares", headers=stranger).json()["items"] == []
    assert client.delete(f"/api/v1/shares/{created['id']}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/shares/{created['id']}/accesses", headers=stranger).status_code == 404

    assert client.delete(f"/api/v1/shares/{created['id']}", headers=owner["headers"]).status_code == 204
    gone = client.get(f"/api/v1/shared/{token}")
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "share_link_revoked"
    _assert_public_headers(gone)
    assert client.get(f"/api/v1/shared/{token}/pdf").status_code == 410
    unknown = client.get(f"/api/v1/shared/{token[:-2]}xx")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "share_link_not_found"
    _assert_public_headers(unknown)
    with services.db.unit_of_work(write=False) as session:
        actions = list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("share.%"))))
    assert sorted(actions) == ["share.created", "share.opened", "share.opened", "share.revoked"]


def test_a_history_link_shows_every_result_and_expires(
    client: TestClient, register: Register, worker: Worker, services: Services
) -> None:
    owner = register()
    processed_result(client, owner["headers"], worker, ANAEMIC_CSV)
    processed_result(client, owner["headers"], worker, report_json())
    created = _share(client, owner["headers"])
    assert created["scope"] == "history"
    assert created["result_id"] is None
    body = client.get(f"/api/v1/shared/{created['token']}").json()
    assert len(body["results"]) == 2
    assert body["results"][0]["created_at"] >= body["results"][1]["created_at"]
    pdf = client.get(f"/api/v1/shared/{created['token']}/pdf")
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        assert len(document.pages) == 2  # one page per result

    with services.db.unit_of_work() as session:
        session.execute(update(ShareLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get(f"/api/v1/shared/{created['token']}")
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "share_link_expired"
    assert client.get("/api/v1/shares", headers=owner["headers"]).json()["items"][0]["status"] == "expired"


def test_expiry_and_pin_are_checked(client: TestClient, user_headers: dict[str, str]) -> None:
    for body in (
        {"expires_in_hours": 0},
        {"expires_in_hours": 90 * 24 + 1},
        {"expires_in_hours": 1, "pin": "12"},
        {"expires_in_hours": 1, "pin": "12ab"},
    ):
        response = client.post("/api/v1/shares", json=body, headers=user_headers)
        assert response.status_code == 422, body
    assert client.post("/api/v1/shares", json={"expires_in_hours": 1}).status_code == 401


def test_a_pin_is_required_and_too_many_wrong_ones_close_the_link(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    created = _share(client, user_headers, pin="4821")
    assert created["has_pin"]
    url = f"/api/v1/shared/{created['token']}"
    missing = client.get(url)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "share_pin_required"
    _assert_public_headers(missing)
    too_long = client.get(url, headers={"X-Share-Pin": "123456789"})
    assert too_long.status_code == 422
    _assert_public_headers(too_long)
    assert client.get(url, headers={"X-Share-Pin": "4821"}).status_code == 200

    for attempt in range(1, MAX_PIN_FAILURES):
        wrong = client.get(url, headers={"X-Share-Pin": "0000"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "share_pin_wrong"
        assert wrong.json()["error"]["details"]["attempts_left"] == MAX_PIN_FAILURES - attempt
    last = client.get(url, headers={"X-Share-Pin": "0000"})
    assert last.status_code == 410
    assert last.json()["error"]["code"] == "share_link_locked"
    # closed for good: the right PIN no longer opens it
    assert client.get(url, headers={"X-Share-Pin": "4821"}).status_code == 410

    accesses = client.get(f"/api/v1/shares/{created['id']}/accesses", headers=user_headers).json()["items"]
    outcomes = [item["outcome"] for item in accesses]
    assert outcomes == ["locked"] + ["wrong_pin"] * (MAX_PIN_FAILURES - 1) + ["opened"]
    assert client.get("/api/v1/shares", headers=user_headers).json()["items"][0]["status"] == "locked"
    with services.db.unit_of_work(write=False) as session:
        audited = session.scalar(select(func.count()).where(AuditLog.action == "share.pin_wrong"))
    assert audited == MAX_PIN_FAILURES


def test_deleting_the_account_removes_its_links_and_ends_its_sessions(
    client: TestClient, register: Register, worker: Worker
) -> None:
    owner = register()
    processed_result(client, owner["headers"], worker, ANAEMIC_CSV)
    token = _share(client, owner["headers"])["token"]
    assert client.get(f"/api/v1/shared/{token}").status_code == 200
    deleted = client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=owner["headers"])
    assert deleted.status_code == 204, deleted.text
    assert client.get(f"/api/v1/shared/{token}").status_code == 404
    assert client.get("/api/v1/shares", headers=owner["headers"]).status_code == 401

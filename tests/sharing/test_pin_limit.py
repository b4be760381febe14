"""PIN guesses are limited per client address across links and processes (the database-backed limiter)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"share_pin_attempts_per_address": 3}


def test_pin_attempts_from_one_address_are_limited_across_links(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    tokens = [
        client.post(
            "/api/v1/shares", json={"expires_in_hours": 1, "pin": "1234"}, headers=user_headers
        ).json()["token"]
        for _ in range(2)
    ]
    assert client.get(f"/api/v1/shared/{tokens[0]}", headers={"X-Share-Pin": "0000"}).status_code == 401
    assert client.get(f"/api/v1/shared/{tokens[0]}", headers={"X-Share-Pin": "1111"}).status_code == 401
    assert client.get(f"/api/v1/shared/{tokens[1]}/pdf", headers={"X-Share-Pin": "2222"}).status_code == 401
    refused = client.get(f"/api/v1/shared/{tokens[1]}", headers={"X-Share-Pin": "1234"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_pin_attempts"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Cache-Control"] == "no-store"
    # a request without a PIN is not a guess: it is still told that a PIN is needed
    assert client.get(f"/api/v1/shared/{tokens[1]}").status_code == 401

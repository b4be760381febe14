"""In production the interactive docs are off unless enabled, and /metrics needs its bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from verae.app import create_app
from verae.config import Settings

METRICS_TOKEN = "metrics-token-for-the-suite-0123456789"


def _client(tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    values: dict[str, Any] = {
        "env": "production",
        "database_url": f"sqlite:///{tmp_path}/verae.db",
        "allow_sqlite_in_production": True,
        "blob_dir": tmp_path / "blobs",
        "jwt_secret": "production-like-secret-0123456789-abcdefghijkl",
        "cors_origins": "https://app.example.com",
        "log_level": "WARNING",
    }
    values.update(overrides)
    with TestClient(create_app(Settings(**values))) as client:
        yield client


@pytest.fixture
def production(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path)


def test_production_serves_no_docs_page_and_no_metrics_without_a_token(production: TestClient) -> None:
    assert production.get("/api/v1/docs").status_code == 404
    assert production.get("/api/v1/openapi.json").status_code == 200  # the contract stays readable
    metrics = production.get("/metrics")
    assert metrics.status_code == 404
    assert "verae_http_requests_total" not in metrics.text


def test_docs_can_be_enabled_in_production(tmp_path: Path) -> None:
    for client in _client(tmp_path, api_docs=True):
        assert client.get("/api/v1/docs").status_code == 200


def test_metrics_with_a_token_answer_only_its_bearer(tmp_path: Path) -> None:
    for client in _client(tmp_path, metrics_token=METRICS_TOKEN):
        refused = client.get("/metrics")
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "metrics_token_required")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert allowed.status_code == 200
        assert "verae_http_requests_total" in allowed.text

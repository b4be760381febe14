"""Cross-cutting API behaviour: one error shape, correlation ids, health, readiness, metrics, OpenAPI."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from tests.helpers import Register
from verae.app import create_app
from verae.config import Settings
from verae.kit.deps import Services
from verae.kit.errors import AppError


def _assert_error_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "details", "correlation_id"}
    assert error["code"] == code
    assert error["message"]


def test_404_405_and_422_share_the_error_shape(client: TestClient, user_headers: dict[str, str]) -> None:
    _assert_error_shape(client.get("/api/v1/nowhere").json(), "not_found")
    _assert_error_shape(client.delete("/api/v1/auth/login").json(), "method_not_allowed")
    _assert_error_shape(
        client.get("/api/v1/jobs/not-a-uuid", headers=user_headers).json(), "validation_error"
    )
    _assert_error_shape(client.post("/api/v1/auth/login", content=b"{").json(), "validation_error")


def test_an_unexpected_failure_is_a_500_in_the_error_shape(
    client: TestClient, user_headers: dict[str, str], services: Services
) -> None:
    shutil.rmtree(services.settings.blob_dir)
    services.settings.blob_dir.write_text("not a folder")  # the blob store can no longer write
    as_a_browser = TestClient(client.app, raise_server_exceptions=False)
    response = as_a_browser.post(
        "/api/v1/uploads", files={"file": ("r.csv", b"analyte,value,unit\n")}, headers=user_headers
    )
    assert response.status_code == 500
    _assert_error_shape(response.json(), "internal_error")
    assert response.headers["x-correlation-id"] == response.json()["error"]["correlation_id"]


def test_correlation_id_is_echoed_or_generated_on_every_response(client: TestClient) -> None:
    echoed = client.get("/health", headers={"x-correlation-id": "abc-123"})
    assert echoed.headers["x-correlation-id"] == "abc-123"
    generated = client.get("/api/v1/nowhere")
    assert len(generated.headers["x-correlation-id"]) == 32
    assert generated.json()["error"]["correlation_id"] == generated.headers["x-correlation-id"]
    unsafe = client.get("/health", headers={"x-correlation-id": "bad id\twith spaces"})
    assert unsafe.headers["x-correlation-id"] != "bad id\twith spaces"


def test_health_ready_and_metrics(client: TestClient, services: Services) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "blob_store": "ok"}
    metrics = client.get("/metrics")
    assert "verae_http_requests_total" in metrics.text


def test_ready_reports_an_unusable_blob_store(client: TestClient, services: Services) -> None:
    shutil.rmtree(services.settings.blob_dir)
    services.settings.blob_dir.write_text("not a folder")
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_ready"
    assert response.json()["error"]["details"]["checks"]["database"] == "ok"


def test_openapi_declares_the_error_codes_of_each_route(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    upload = schema["paths"]["/api/v1/uploads"]["post"]
    assert "unsupported_media_type" in upload["responses"]["415"]["description"]
    assert "payload_too_large" in upload["responses"]["413"]["description"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    result = schema["paths"]["/api/v1/results/{result_id}"]["get"]
    assert "result_not_ready" in result["responses"]["409"]["description"]


@pytest.mark.parametrize("settings_overrides", [{"log_level": "INFO"}])
def test_access_log_lines_carry_ids_but_no_personal_data(client: TestClient, register: Register) -> None:
    account = register(email="logged@example.com")
    with capture_logs() as entries:
        client.get("/api/v1/me", headers={**account["headers"], "x-correlation-id": "trace-42"})
    (request_line,) = [entry for entry in entries if entry.get("event") == "request"]
    assert request_line["user_id"] == account["user"]["id"]
    assert request_line["route"] == "/api/v1/me"
    assert "logged@example.com" not in json.dumps(entries, default=str)


@pytest.mark.parametrize("settings_overrides", [{"request_threads": 2}])
def test_many_concurrent_requests_never_starve_the_connection_pool(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    # Routes with a session and an authenticated user run in several threadpool hops; a request holds its
    # connection between them. With 2 request threads the pool has 2 × (2 + 8) connections: more of these
    # requests in flight than that would leave every thread waiting for a connection held by a request
    # waiting for a thread, unless requests wait for a session before taking one.
    with ThreadPoolExecutor(max_workers=60) as pool:
        answers = list(
            pool.map(lambda _: client.get("/api/v1/jobs", headers=user_headers).status_code, range(180))
        )
    assert answers == [200] * 180


def test_metric_labels_take_no_method_a_client_invents(client: TestClient) -> None:
    client.request("BREW", "/health")
    exposed = client.get("/metrics").text
    assert 'method="BREW"' not in exposed
    assert 'method="other",route="/health",status_class="4xx"' in exposed


def _error_classes() -> list[type[AppError]]:
    found, pending = [], list(AppError.__subclasses__())
    while pending:
        error = pending.pop()
        pending.extend(error.__subclasses__())
        if "code" in vars(error):
            found.append(error)
    return found


# Answered by the app around every route (or, for job_not_failed, by the command line), not by one route.
_NOT_ROUTE_CODES = {
    "not_found",
    "method_not_allowed",
    "internal_error",
    "service_unavailable",
    "job_not_failed",
}


def test_every_error_code_has_one_class_is_documented_and_declared_on_the_routes_that_raise_it(
    client: TestClient,
) -> None:
    classes = _error_classes()
    codes = [error.code for error in classes]
    assert len(codes) == len(set(codes)), "one class per code"
    documented = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    declared = json.dumps(client.get("/api/v1/openapi.json").json()["paths"])
    for error in classes:
        assert f"`{error.code}`" in documented, error.code
        if error.code not in _NOT_ROUTE_CODES:
            assert f"`{error.code}`" in declared, error.code


def test_without_a_built_web_app_the_root_says_how_to_build_it(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings, web_dir=tmp_path / "no-web-app")) as client:
        answer = client.get("/")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    assert "make web" in answer.text

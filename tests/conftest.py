"""Shared fixtures: every API test runs against SQLite and a real PostgreSQL server.

PostgreSQL comes from VERAE_TEST_POSTGRES_URL (set by `make test`) or, when unset, from
scripts/test-postgres.sh, which starts a throw-away server. A missing server is an error, never a skip.
S3 is the one store we cannot run for real here: moto's S3 server stands in for it, over real HTTP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy.engine import make_url

from verae.app import create_app
from verae.config import Settings
from verae.kit.deps import Services
from verae.migrations import alembic_config
from verae.worker import Worker

REPO = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgresql")
TEST_JWT_SECRET = "test-secret-for-the-suite-only-0123456789"
PASSWORD = "correct-horse-42"


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("VERAE_TEST_POSTGRES_URL")
    if not url:
        started = subprocess.run(
            [str(REPO / "scripts" / "test-postgres.sh")], check=True, capture_output=True, text=True
        )
        url = started.stdout.strip().splitlines()[-1]
    return url


def _pg_url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def _pg_admin_execute(admin_url: str, statement: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement.encode())


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> dict[str, str]:
    """One migrated database per backend; each test gets a fresh copy."""
    sqlite_template = tmp_path_factory.mktemp("template") / "template.db"
    command.upgrade(alembic_config(f"sqlite:///{sqlite_template}"), "head")
    template_name = f"verae_template_{os.getpid()}"
    _pg_admin_execute(postgres_admin_url, f"DROP DATABASE IF EXISTS {template_name}")
    _pg_admin_execute(postgres_admin_url, f"CREATE DATABASE {template_name}")
    command.upgrade(alembic_config(_pg_url(postgres_admin_url, template_name)), "head")
    return {"sqlite": str(sqlite_template), "postgresql": template_name}


def fresh_database(backend: str, templates: dict[str, str], admin_url: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = directory / "verae.db"
        shutil.copy(templates["sqlite"], path)
        yield f"sqlite:///{path}"
        return
    name = f"verae_test_{uuid.uuid4().hex[:16]}"
    _pg_admin_execute(admin_url, f"CREATE DATABASE {name} TEMPLATE {templates['postgresql']}")
    try:
        yield _pg_url(admin_url, name)
    finally:
        _pg_admin_execute(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    migrated_templates: dict[str, str],
    postgres_admin_url: str,
    tmp_path: Path,
) -> Iterator[str]:
    yield from fresh_database(request.param, migrated_templates, postgres_admin_url, tmp_path)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override this to change settings for their module."""
    return {}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "blob_dir": tmp_path / "blobs",
        "jwt_secret": TEST_JWT_SECRET,
        "job_retry_base_seconds": 0.0,
        "job_poll_interval_seconds": 0.05,
        "log_level": "WARNING",
    }
    values.update(settings_overrides)
    return Settings(**values)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


@pytest.fixture
def worker(services: Services) -> Worker:
    """The real worker, driven synchronously with run_pending() so tests need not wait on threads."""
    return Worker(db=services.db, blobs=services.blobs, settings=services.settings, wakeup=services.wakeup)


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def register(client: TestClient) -> Callable[..., dict[str, Any]]:
    def _register(email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        response = client.post(
            "/api/v1/auth/register",
            json={"email": email or f"person-{uuid.uuid4().hex[:10]}@example.com", "password": password},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        body["headers"] = auth_headers(body["access_token"])
        return body

    return _register


@pytest.fixture
def user_headers(register: Callable[..., dict[str, Any]]) -> dict[str, str]:
    headers: dict[str, str] = register()["headers"]
    return headers


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible HTTP server on a free loopback port, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket; credentials come from the standard AWS variables, as in production."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "verae-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "verae-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"verae-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name

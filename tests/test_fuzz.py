"""Property-based fuzzing of every operation in the OpenAPI contract (schemathesis), with and without a
token: no 5xx, and every response conforms to the schema."""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.conftest import TEST_JWT_SECRET
from verae.app import create_app
from verae.config import Settings

CASES_PER_OPERATION = 40
# What the contract promises: no server error, and every answer (status, content type, headers, body)
# is one the schema documents. A business rule refusing schema-valid data (a weak password, a taken
# email) is not a contract violation, so positive/negative data acceptance is not checked here.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.allow_header_conformance,
]
cases_run: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzzed_app(
    tmp_path_factory: pytest.TempPathFactory, migrated_templates: dict[str, str]
) -> Iterator[FastAPI]:
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copy(migrated_templates["sqlite"], directory / "verae.db")
    app = create_app(
        Settings(
            env="test",
            database_url=f"sqlite:///{directory / 'verae.db'}",
            blob_dir=directory / "blobs",
            jwt_secret=TEST_JWT_SECRET,
            log_level="ERROR",
            # The fuzzer registers an account for each session-ending case, all from one address.
            registration_max_per_ip_per_hour=10_000,
        )
    )
    with TestClient(app):  # runs the lifespan
        yield app


def _new_account_token(app: FastAPI) -> str:
    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/auth/register",
            json={"email": f"fuzz-{uuid.uuid4().hex[:8]}@example.com", "password": "fuzz-pass-1"},
        )
    value: str = answer.json()["access_token"]
    return value


@pytest.fixture(scope="module")
def token(fuzzed_app: FastAPI) -> str:
    return _new_account_token(fuzzed_app)


# Operations that end the caller's account or login session run with a throw-away account, so the shared
# token stays valid and every other operation is fuzzed past authentication, not answered 401.
SESSION_ENDING = {
    ("DELETE", "/api/v1/me"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/logout-all"),
}


# The committed contract (tests/test_openapi_contract.py keeps it equal to the code).
schema = schemathesis.openapi.from_path(Path(__file__).resolve().parent.parent / "docs" / "openapi.json")


@schema.parametrize()
@settings(max_examples=CASES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_with_a_token(case: Any, fuzzed_app: FastAPI, token: str) -> None:
    if (case.operation.method.upper(), case.operation.path) in SESSION_ENDING:
        token = _new_account_token(fuzzed_app)
    case.call_and_validate(app=fuzzed_app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    cases_run["with token"] += 1


@schema.parametrize()
@settings(max_examples=CASES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_without_a_token(case: Any, fuzzed_app: FastAPI) -> None:
    case.call_and_validate(app=fuzzed_app, checks=CHECKS)
    cases_run["without token"] += 1


def test_the_fuzzing_above_ran_at_least_a_thousand_cases_and_kept_its_account(
    fuzzed_app: FastAPI, token: str
) -> None:
    # Runs after the parametrised tests in this module (pytest keeps definition order).
    assert sum(cases_run.values()) >= 1000, cases_run
    with TestClient(fuzzed_app) as client:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

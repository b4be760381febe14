"""Login throttling (SECURITY.md, "Logins"): exact under concurrency, per account and address, and nobody
can lock a person out of their own account."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import Register
from verae.auth import service, throttle
from verae.auth.errors import InvalidCredentials, TooManyAttempts
from verae.kit.deps import Services
from verae.models import AuditLog, LoginAttempt


def _login(services: Services, email: str, password: str, ip: str) -> str:
    """Log in as from `ip` (the test client always has one address), answering the outcome's code."""
    try:
        with services.db.unit_of_work() as session:
            service.login(session, services.db, services.settings, email, password, ip)
    except (InvalidCredentials, TooManyAttempts) as refused:
        return refused.code
    return "ok"


def test_parallel_wrong_passwords_are_counted_before_any_is_checked(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="parallel@example.com")
    limit = services.settings.login_max_failures_per_account_and_address

    def wrong_login(_: int) -> int:
        body = {"email": "parallel@example.com", "password": "wrong-pass-1"}
        status: int = client.post("/api/v1/auth/login", json=body).status_code
        return status

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(wrong_login, range(12)))
    assert sorted(statuses) == [401] * limit + [429] * (12 - limit)


def test_failures_from_one_address_do_not_lock_the_person_out_from_another(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="owner@example.com")
    for _ in range(services.settings.login_max_failures_per_account_and_address):
        assert _login(services, "owner@example.com", "guess-123", "198.51.100.7") == "invalid_credentials"
    assert _login(services, "owner@example.com", PASSWORD, "198.51.100.7") == "too_many_attempts"
    assert _login(services, "owner@example.com", PASSWORD, "203.0.113.20") == "ok"


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "login_account_slowdown_after": 3,
            "login_account_slowdown_seconds": 60,
            "login_max_failures_per_ip": 50,
        }
    ],
)
def test_an_account_under_attack_slows_down_addresses_that_failed_on_it_only(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="targeted@example.com")
    for last_octet in (1, 2, 3):  # one failure from each of three addresses: the account is under attack
        assert (
            _login(services, "targeted@example.com", "guess-1", f"192.0.2.{last_octet}")
            == "invalid_credentials"
        )
    assert _login(services, "targeted@example.com", "guess-2", "192.0.2.1") == "too_many_attempts"
    # A fresh address is still answered, and the person gets in.
    assert _login(services, "targeted@example.com", "guess-3", "192.0.2.99") == "invalid_credentials"
    assert _login(services, "targeted@example.com", PASSWORD, "192.0.2.100") == "ok"


def test_attempts_store_a_keyed_hash_of_the_email_not_a_plain_digest(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="hashed@example.com")
    assert _login(services, "Hashed@Example.com", "wrong-1", "192.0.2.5") == "invalid_credentials"
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalars(select(LoginAttempt.email_hash)).one()
    assert stored != hashlib.sha256(b"hashed@example.com").hexdigest()
    assert stored == throttle.email_key(services.settings, "hashed@example.com")
    other_server = services.settings.model_copy(update={"jwt_secret": SecretStr("another-secret")})
    assert throttle.email_key(other_server, "hashed@example.com") != stored


def test_a_successful_login_does_not_count_as_a_failure_and_throttled_ones_are_audited(
    client: TestClient, register: Register, services: Services
) -> None:
    register(email="audited@example.com")
    for _ in range(services.settings.login_max_failures_per_account_and_address - 1):
        assert _login(services, "audited@example.com", "wrong-1", "192.0.2.8") == "invalid_credentials"
    for _ in range(3):
        assert _login(services, "audited@example.com", PASSWORD, "192.0.2.8") == "ok"
    assert _login(services, "audited@example.com", "wrong-1", "192.0.2.8") == "invalid_credentials"
    assert _login(services, "audited@example.com", PASSWORD, "192.0.2.8") == "too_many_attempts"
    with services.db.unit_of_work(write=False) as session:
        throttled = session.scalars(select(AuditLog).where(AuditLog.action == "auth.login_throttled")).one()
        assert throttled.ip == "192.0.2.8"
        failed = select(func.count()).where(LoginAttempt.succeeded.is_(False))
        assert session.scalar(failed) == services.settings.login_max_failures_per_account_and_address

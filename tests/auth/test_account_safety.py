"""Change password, log out everywhere, the absolute session lifetime, re-authentication before deleting
the account, the common-password list, the refresh cookie and its CSRF rule — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PASSWORD, auth_headers
from tests.helpers import Register
from verae.app import create_app
from verae.auth.cookies import REFRESH_COOKIE
from verae.config import Settings
from verae.kit.deps import Services
from verae.models import AuditLog, RefreshToken, User

NEW_PASSWORD = "lantern-river-2718"


def _login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _audit_actions(services: Services) -> list[str]:
    with services.db.unit_of_work(write=False) as session:
        return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


@pytest.mark.parametrize("password", ["password1", "aaaaaaa1", "Password1", "qwerty123"])
def test_common_passwords_are_refused(client: TestClient, password: str) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "c@example.com", "password": password})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"
    assert response.json()["error"]["details"] == {"reason": "common"}


def test_a_password_containing_the_email_local_part_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register", json={"email": "marina.k@example.com", "password": "Marina.K-2024"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"reason": "contains_email"}


def test_change_password_ends_every_other_session_and_keeps_this_one(
    client: TestClient, register: Register, services: Services
) -> None:
    here = register(email="change@example.com")
    elsewhere = _login(client, "change@example.com")
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=here["headers"],
    )
    assert changed.status_code == 204, changed.text
    assert client.get("/api/v1/me", headers=here["headers"]).status_code == 200
    assert client.get("/api/v1/me", headers=auth_headers(elsewhere["access_token"])).status_code == 401
    ended = client.post("/api/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
    assert ended.status_code == 401
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": here["refresh_token"]}).status_code == 200
    )
    old = client.post("/api/v1/auth/login", json={"email": "change@example.com", "password": PASSWORD})
    assert old.status_code == 401
    _login(client, "change@example.com", NEW_PASSWORD)
    assert "auth.password_changed" in _audit_actions(services)


def test_change_password_needs_the_current_password_and_a_good_new_one(
    client: TestClient, register: Register, services: Services
) -> None:
    account = register(email="guard@example.com")
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not-it-123", "new_password": NEW_PASSWORD},
        headers=account["headers"],
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "wrong_password")
    assert "auth.reauthentication_failed" in _audit_actions(services)
    weak = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "password1"},
        headers=account["headers"],
    )
    assert (weak.status_code, weak.json()["error"]["code"]) == (400, "weak_password")
    # Neither attempt changed anything, and the session goes on.
    _login(client, "guard@example.com")
    assert client.get("/api/v1/me", headers=account["headers"]).status_code == 200


def test_logout_all_ends_every_session_including_this_one(
    client: TestClient, register: Register, services: Services
) -> None:
    here = register(email="all@example.com")
    elsewhere = _login(client, "all@example.com")
    assert client.post("/api/v1/auth/logout-all", headers=here["headers"]).status_code == 204
    for account in (here, elsewhere):
        assert client.get("/api/v1/me", headers=auth_headers(account["access_token"])).status_code == 401
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": account["refresh_token"]})
        assert refreshed.status_code == 401
    assert "auth.logout_all" in _audit_actions(services)


def _age_sessions(services: Services, email: str, by: timedelta) -> None:
    with services.db.unit_of_work() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        for token in session.scalars(select(RefreshToken).where(RefreshToken.user_id == user_id)):
            token.session_started_at -= by


def test_a_session_ends_at_its_maximum_age_however_often_it_was_refreshed(
    client: TestClient, register: Register, services: Services
) -> None:
    account = register(email="old@example.com")
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert fresh.status_code == 200
    max_age = services.settings.session_max_age
    _age_sessions(services, "old@example.com", max_age - timedelta(minutes=5))
    # Near the end, a refresh still works but its tokens do not outlive the session.
    near_end = client.post("/api/v1/auth/refresh", json={"refresh_token": fresh.json()["refresh_token"]})
    assert near_end.status_code == 200
    with services.db.unit_of_work(write=False) as session:
        newest = session.scalars(select(RefreshToken).order_by(RefreshToken.created_at.desc())).first()
        assert newest is not None
        assert newest.expires_at <= newest.session_started_at + max_age
    _age_sessions(services, "old@example.com", timedelta(minutes=6))
    expired = client.post("/api/v1/auth/refresh", json={"refresh_token": near_end.json()["refresh_token"]})
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "session_expired")


@pytest.mark.parametrize(
    "settings_overrides", [{"session_max_age_days": 1, "access_token_ttl_seconds": 7 * 86400}]
)
def test_an_access_token_never_outlives_its_session(client: TestClient, register: Register) -> None:
    account = register()
    # A week-long access-token lifetime is cut to the one-day session.
    assert 0 < account["expires_in"] <= 7 * 86400
    claims = jwt.decode(account["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 86400


def test_deleting_the_account_needs_the_password(
    client: TestClient, register: Register, services: Services
) -> None:
    account = register(email="leaving@example.com")
    missing = client.request("DELETE", "/api/v1/me", headers=account["headers"])
    assert missing.status_code == 422
    wrong = client.request(
        "DELETE", "/api/v1/me", json={"password": "not-it-123"}, headers=account["headers"]
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "wrong_password")
    assert client.get("/api/v1/me", headers=account["headers"]).status_code == 200
    right = client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=account["headers"])
    assert right.status_code == 204
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(User).where(User.email == "leaving@example.com")) is None


# The refresh cookie. Secure cookies go only over https, so these clients speak to https://testserver.


@pytest.fixture
def browser(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield test_client


BROWSER = {"X-Requested-With": "verae-web"}


def test_login_sets_an_httponly_secure_strict_cookie_scoped_to_the_auth_path(
    browser: TestClient, register: Register
) -> None:
    register(email="cookie@example.com")
    response = browser.post(
        "/api/v1/auth/login", json={"email": "cookie@example.com", "password": PASSWORD}, headers=BROWSER
    )
    assert response.status_code == 200
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{REFRESH_COOKIE}=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/v1/auth"):
        assert attribute.lower() in set_cookie.lower()
    # The web app's requests never see the refresh token; API clients still get it in the body.
    assert response.json()["refresh_token"] is None
    api_client = browser.post(
        "/api/v1/auth/login", json={"email": "cookie@example.com", "password": PASSWORD}
    )
    assert api_client.json()["refresh_token"]


def test_refresh_from_the_cookie_needs_the_csrf_header_and_rotates_the_cookie(
    browser: TestClient, register: Register
) -> None:
    register(email="csrf@example.com")
    browser.post(
        "/api/v1/auth/login", json={"email": "csrf@example.com", "password": PASSWORD}, headers=BROWSER
    )
    first_cookie = browser.cookies.get(REFRESH_COOKIE)
    assert first_cookie
    forged = browser.post("/api/v1/auth/refresh")
    assert (forged.status_code, forged.json()["error"]["code"]) == (403, "csrf_check_failed")
    refreshed = browser.post("/api/v1/auth/refresh", headers=BROWSER)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] is None
    assert browser.cookies.get(REFRESH_COOKIE) not in (None, first_cookie)
    me = browser.get("/api/v1/me", headers=auth_headers(refreshed.json()["access_token"]))
    assert me.status_code == 200


def test_logout_clears_the_cookie_and_without_one_refresh_is_refused(
    browser: TestClient, register: Register
) -> None:
    register(email="bye@example.com")
    login = browser.post(
        "/api/v1/auth/login", json={"email": "bye@example.com", "password": PASSWORD}, headers=BROWSER
    )
    logout = browser.post(
        "/api/v1/auth/logout", headers={**BROWSER, **auth_headers(login.json()["access_token"])}
    )
    assert logout.status_code == 204
    assert (
        f'{REFRESH_COOKIE}=""' in logout.headers["set-cookie"] or "Max-Age=0" in logout.headers["set-cookie"]
    )
    assert browser.cookies.get(REFRESH_COOKIE) is None
    after = browser.post("/api/v1/auth/refresh", headers=BROWSER)
    assert (after.status_code, after.json()["error"]["code"]) == (401, "invalid_token")

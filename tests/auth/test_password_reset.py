"""Password reset by email, through a real SMTP server on 127.0.0.1 (aiosmtpd) — on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PASSWORD, auth_headers
from tests.helpers import Register
from tests.processes import free_port
from verae.kit.deps import Services
from verae.models import AuditLog, PasswordResetToken

NEW_PASSWORD = "harbour-lights-5150"
PUBLIC_URL = "https://verae.example.org"


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def settings_overrides(smtp_port: int) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_starttls": False,
        "smtp_from": "Verae <no-reply@verae.example.org>",
        "public_url": PUBLIC_URL,
    }


def _wait_for_mail(inbox: Inbox, count: int = 1) -> list[Message]:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return inbox.messages


def _token_from(message: Message) -> str:
    body = email.message_from_string(message.as_string()).get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(re.escape(PUBLIC_URL) + r"/reset-password#token=([A-Za-z0-9_\-]+)", body.decode())
    assert match, body
    return match.group(1)


def test_reset_by_email_sets_the_password_once_and_ends_every_session(
    client: TestClient, register: Register, inbox: Inbox, services: Services
) -> None:
    account = register(email="forgot@example.com")
    requested = client.post("/api/v1/auth/password-reset", json={"email": "Forgot@Example.com"})
    assert requested.status_code == 202
    [message] = _wait_for_mail(inbox)
    assert message["To"] == "forgot@example.com"
    assert message["From"] == "Verae <no-reply@verae.example.org>"
    token = _token_from(message)
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalars(select(PasswordResetToken)).one()
        # Only the SHA-256 is kept.
        assert token not in stored.token_hash
        assert len(stored.token_hash) == 64

    confirmed = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert client.get("/api/v1/me", headers=account["headers"]).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert refreshed.status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": "forgot@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 200

    again = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "other-pass-99"}
    )
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_reset_token")
    with services.db.unit_of_work(write=False) as session:
        actions = list(session.scalars(select(AuditLog.action)))
    assert {"auth.password_reset_requested", "auth.password_reset_used"} <= set(actions)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: TestClient, inbox: Inbox) -> None:
    response = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.com"})
    assert response.status_code == 202
    assert response.content in (b"", b"null")
    time.sleep(0.3)
    assert inbox.messages == []


def test_a_reset_token_expires_after_its_lifetime(
    client: TestClient, register: Register, inbox: Inbox, services: Services
) -> None:
    register(email="late@example.com")
    client.post("/api/v1/auth/password-reset", json={"email": "late@example.com"})
    token = _token_from(_wait_for_mail(inbox)[0])
    with services.db.unit_of_work() as session:
        for stored in session.scalars(select(PasswordResetToken)):
            stored.expires_at = stored.created_at - timedelta(seconds=1)
    late = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert (late.status_code, late.json()["error"]["code"]) == (400, "invalid_reset_token")
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "late@example.com", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_a_weak_new_password_leaves_the_token_usable(
    client: TestClient, register: Register, inbox: Inbox
) -> None:
    register(email="retry@example.com")
    client.post("/api/v1/auth/password-reset", json={"email": "retry@example.com"})
    token = _token_from(_wait_for_mail(inbox)[0])
    weak = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "password1"}
    )
    assert (weak.status_code, weak.json()["error"]["code"]) == (400, "weak_password")
    good = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert good.status_code == 204


def test_requests_per_account_are_limited(
    client: TestClient, register: Register, inbox: Inbox, services: Services
) -> None:
    register(email="flood@example.com")
    limit = services.settings.password_resets_per_hour
    for _ in range(limit + 2):
        assert (
            client.post("/api/v1/auth/password-reset", json={"email": "flood@example.com"}).status_code == 202
        )
    _wait_for_mail(inbox, limit)
    time.sleep(0.3)
    assert len(inbox.messages) == limit


@pytest.mark.parametrize(
    "settings_overrides", [{"smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_starttls": False}]
)
def test_a_mail_server_that_is_down_neither_fails_the_request_nor_logs_the_address(
    client: TestClient,
    register: Register,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    register(email="offline@example.com")
    response = client.post("/api/v1/auth/password-reset", json={"email": "offline@example.com"})
    assert response.status_code == 202
    captured = capsys.readouterr()
    logged = captured.err + captured.out + caplog.text
    assert "password_reset_email_not_sent" in logged
    assert "offline@example.com" not in logged


def test_reset_endpoints_need_no_token_but_the_bearer_is_ignored(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/password-reset", json={"email": "x@example.com"}, headers=auth_headers("garbage")
    )
    assert response.status_code == 202


def test_two_concurrent_uses_of_one_token_set_one_password(
    client: TestClient, register: Register, inbox: Inbox
) -> None:
    register(email="race@example.com")
    client.post("/api/v1/auth/password-reset", json={"email": "race@example.com"})
    token = _token_from(_wait_for_mail(inbox)[0])
    candidates = ["first-choice-4711", "second-choice-4712"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(
                lambda password: (
                    client.post(
                        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": password}
                    ).status_code
                ),
                candidates,
            )
        )
    assert sorted(answers) == [204, 400]
    winner = candidates[answers.index(204)]
    logins = {
        password: client.post(
            "/api/v1/auth/login", json={"email": "race@example.com", "password": password}
        ).status_code
        for password in candidates
    }
    assert logins == {winner: 200, candidates[1 - answers.index(204)]: 401}


def test_requests_from_one_address_are_limited_whatever_the_email(
    client: TestClient, register: Register, inbox: Inbox, services: Services
) -> None:
    limit = services.settings.password_reset_requests_per_ip_per_hour
    emails = [f"person{number}@example.com" for number in range(3)]
    for address in emails:
        register(email=address)
    # Unknown emails count too (the answer cannot tell them apart), then three real accounts.
    for number in range(limit - 1):
        assert (
            client.post(
                "/api/v1/auth/password-reset", json={"email": f"nobody{number}@example.com"}
            ).status_code
            == 202
        )
    for address in emails:
        assert client.post("/api/v1/auth/password-reset", json={"email": address}).status_code == 202
    _wait_for_mail(inbox, 1)
    time.sleep(0.3)
    assert [message["To"] for message in inbox.messages] == [emails[0]]

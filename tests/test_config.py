"""Settings come from VERAE_* variables; production refuses insecure defaults."""

from __future__ import annotations

import secrets
import uuid

import pytest

from verae.auth.errors import InvalidToken
from verae.auth.tokens import issue_access_token, read_access_token
from verae.config import DEVELOPMENT_JWT_SECRET, InsecureConfiguration, Settings, estimated_secret_bits

# Made once with secrets.token_urlsafe(32).
STRONG_SECRET = "B4gdAPoZYAL84Rg4IUwQkt9TUAwfIVv5a4tueyO_UvI"
POSTGRES = "postgresql://verae@db.internal/verae"


def test_defaults_run_locally_on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VERAE_DATABASE_URL", "VERAE_BLOB_DIR", "VERAE_ENV", "VERAE_MAX_UPLOAD_BYTES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./var/verae.db"
    assert str(settings.blob_dir) == "var/blobs"
    assert settings.max_upload_bytes == 20 * 1024 * 1024
    assert settings.env == "development"


def test_environment_variables_configure_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERAE_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("VERAE_CORS_ORIGINS", "https://app.example.com, https://clinic.example.com")
    settings = Settings()
    assert settings.max_upload_bytes == 1000
    assert settings.cors_origins == ["https://app.example.com", "https://clinic.example.com"]


def test_production_with_secure_settings_starts() -> None:
    settings = Settings(
        env="production",
        jwt_secret=STRONG_SECRET,
        cors_origins=["https://app.example.com"],
        database_url=POSTGRES,
    )
    assert settings.env == "production"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"jwt_secret": DEVELOPMENT_JWT_SECRET}, "VERAE_JWT_SECRET"),
        ({"jwt_secret": "short"}, "VERAE_JWT_SECRET"),
        ({"jwt_secret": "a" * 32}, "VERAE_JWT_SECRET"),
        ({"jwt_secret": "s" * 40}, "VERAE_JWT_SECRET"),
        ({"jwt_secret": "ab" * 40}, "VERAE_JWT_SECRET"),
        ({"jwt_secret": "my-production-jwt-secret-for-verae-2026"}, "VERAE_JWT_SECRET"),
        ({"jwt_secret_previous": "old-secret"}, "VERAE_JWT_SECRET_PREVIOUS"),
        ({"cors_origins": ["*"]}, "VERAE_CORS_ORIGINS"),
        ({"cors_origins": ["http://app.example.com"]}, "https://"),
        ({"cors_origins": ["https://app.example.com", "null"]}, "https://"),
        ({"database_url": "sqlite:///./var/verae.db"}, "SQLite"),
        ({"faults": ["permanent@parsing"]}, "VERAE_FAULTS"),
        ({"webhook_allow_loopback": True}, "VERAE_WEBHOOK_ALLOW_LOOPBACK"),
    ],
)
def test_production_refuses_insecure_settings(overrides: dict[str, object], complaint: str) -> None:
    values: dict[str, object] = {
        "env": "production",
        "jwt_secret": STRONG_SECRET,
        "cors_origins": ["https://app.example.com"],
        "database_url": POSTGRES,
    }
    values.update(overrides)
    with pytest.raises(InsecureConfiguration, match=complaint):
        Settings(**values)  # type: ignore[arg-type]


def test_sqlite_in_production_can_be_allowed_explicitly() -> None:
    settings = Settings(
        env="production",
        jwt_secret=STRONG_SECRET,
        cors_origins=["https://app.example.com"],
        database_url="sqlite:///./var/verae.db",
        allow_sqlite_in_production=True,
    )
    assert settings.is_sqlite


def test_random_secrets_of_256_bits_are_strong_and_patterns_are_not() -> None:
    assert estimated_secret_bits(secrets.token_urlsafe(32)) >= 256
    assert estimated_secret_bits(secrets.token_hex(32)) >= 256
    assert estimated_secret_bits("a" * 64) == 0
    assert estimated_secret_bits("abcd" * 16) < 256


def test_http_origins_are_allowed_in_production_only_with_the_development_flag() -> None:
    settings = Settings(
        env="production",
        jwt_secret=STRONG_SECRET,
        cors_origins=["http://localhost:5173"],
        database_url=POSTGRES,
        allow_insecure_cors=True,
    )
    assert settings.cors_origins == ["http://localhost:5173"]


def test_the_previous_key_verifies_tokens_during_a_rotation() -> None:
    previous = "RX4xHM5webkDcX93GJPkfm6rsRU1eEnjGQ8FWIXvmmg"
    settings = Settings(jwt_secret=STRONG_SECRET, jwt_secret_previous=previous)
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    signed_before = issue_access_token(previous, 60, user_id, session_id)
    assert read_access_token(settings.jwt_verification_keys, signed_before).user_id == user_id
    with pytest.raises(InvalidToken):
        read_access_token(Settings(jwt_secret=STRONG_SECRET).jwt_verification_keys, signed_before)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])
def test_the_development_secret_never_listens_beyond_loopback(host: str) -> None:
    settings = Settings(env="development")
    with pytest.raises(InsecureConfiguration, match="VERAE_JWT_SECRET"):
        settings.refuse_development_secret_beyond_loopback(host)
    settings.refuse_development_secret_beyond_loopback("127.0.0.1")
    Settings(jwt_secret=STRONG_SECRET).refuse_development_secret_beyond_loopback(host)

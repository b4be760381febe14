"""Settings come from VERAE_* variables; production refuses insecure defaults."""

from __future__ import annotations

import pytest

from verae.config import DEVELOPMENT_JWT_SECRET, InsecureConfiguration, Settings

STRONG_SECRET = "s" * 40
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
        ({"cors_origins": ["*"]}, "VERAE_CORS_ORIGINS"),
        ({"database_url": "sqlite:///./var/verae.db"}, "SQLite"),
        ({"faults": ["permanent@parsing"]}, "VERAE_FAULTS"),
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

"""All settings in one place, read from VERAE_* environment variables."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "verae-development-secret-change-me-0000000000"
MIB = 1024 * 1024


class InsecureConfiguration(Exception):
    """Production settings that would expose people's data; the process refuses to start.

    Not a ValueError, so pydantic lets it through unchanged instead of folding it into a ValidationError.
    """


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VERAE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/verae.db"
    allow_sqlite_in_production: bool = False
    blob_dir: Path = Path("./var/blobs")
    # Set s3_bucket to keep uploads in an S3-compatible bucket instead of blob_dir (the scaled deployment);
    # credentials and region come from the usual AWS variables, s3_endpoint_url points at MinIO and the like.
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    access_token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    max_upload_bytes: int = Field(default=20 * MIB, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    # Threads for the blocking part of requests (database work); each holds at most one pooled connection.
    request_threads: int = Field(default=16, ge=1)

    # Login throttling: failures counted in a sliding window, per account and per client address.
    login_window_seconds: int = Field(default=15 * 60, gt=0)
    login_max_failures_per_account: int = Field(default=5, gt=0)
    login_max_failures_per_ip: int = Field(default=20, gt=0)

    # The jobs-table queue (docs/architecture.md, "Queue").
    job_lease_seconds: float = Field(default=30.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    job_poll_interval_seconds: float = Field(default=1.0, gt=0)
    job_retry_base_seconds: float = Field(default=2.0, ge=0)
    job_retry_cap_seconds: float = Field(default=300.0, ge=0)
    max_queue_depth: int = Field(default=10_000, gt=0)

    # POST /api/v1/risk/predict needs no login; each API process allows this many per client address.
    predict_requests_per_minute: int = Field(default=60, gt=0)

    log_level: str = "INFO"
    # Test-only fault injection (verae/jobs/faults.py); refused in production.
    faults: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Account safety (docs/operations.md, SECURITY.md): a login session ends this long after the login,
    # however often it is refreshed; password-reset links live this long and point at the web app.
    session_max_age_days: int = Field(default=90, gt=0)
    password_reset_ttl_minutes: int = Field(default=30, gt=0)
    password_resets_per_hour: int = Field(default=3, gt=0)
    public_url: str = "http://127.0.0.1:8000"
    # Outgoing mail (password resets); no host: nothing is sent and a warning is logged.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Verae <no-reply@localhost>"
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # /api/v1/docs: on by default except in production, where it is off unless set to true.
    api_docs: bool | None = None
    # /metrics needs `Authorization: Bearer <token>` when set; in production it is off without one.
    metrics_token: SecretStr | None = None

    @field_validator("cors_origins", "faults", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = []
        if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32:
            problems.append("VERAE_JWT_SECRET must be set to a secret of at least 32 characters")
        if "*" in self.cors_origins:
            problems.append("VERAE_CORS_ORIGINS must list the allowed origins, not '*'")
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "VERAE_DATABASE_URL points at SQLite; use PostgreSQL "
                "or set VERAE_ALLOW_SQLITE_IN_PRODUCTION=true"
            )
        if self.faults:
            problems.append("VERAE_FAULTS is for tests only")
        if problems:
            raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(days=self.session_max_age_days)

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

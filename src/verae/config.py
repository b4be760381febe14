"""All settings in one place, read from VERAE_* environment variables."""

from __future__ import annotations

import math
import string
from collections import Counter
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "verae-development-secret-change-me-0000000000"
MIB = 1024 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# HS256 keys: at least as much entropy as the hash's output (RFC 7518 §3.2).
MIN_SECRET_BITS = 256
_ALPHABETS = (
    "0123456789abcdef",
    "0123456789ABCDEF",
    string.ascii_letters + string.digits + "-_",
    string.printable.strip(),
)


# Random strings spread their characters evenly: over 50,000 draws of secrets.token_urlsafe(32) the
# evenness below never fell under 0.77; `abab…` scores 0.17, a repeated character 0.
RANDOM_LOOKING_EVENNESS = 0.7


def estimated_secret_bits(secret: str) -> float:
    """A heuristic estimate of a secret's entropy: its length times the bits of the smallest usual
    alphabet (hex, base64url, printable) that holds it, scaled down when its characters are spread too
    unevenly to be random. `secrets.token_urlsafe(32)` and `secrets.token_hex(32)` reach 256 bits; a
    repeated character, a short pattern or a short phrase does not. It refuses the obvious; it cannot
    prove randomness."""
    if not secret:
        return 0.0
    alphabet = next((len(set(chars)) for chars in _ALPHABETS if set(secret) <= set(chars)), 256)
    counts = Counter(secret).values()
    observed = -sum(count / len(secret) * math.log2(count / len(secret)) for count in counts)
    # A random string of this length shows at most this many bits per character.
    attainable = math.log2(min(alphabet, len(secret)))
    evenness = min(1.0, observed / attainable) if attainable > 0 else 0.0
    nominal = len(secret) * math.log2(alphabet)
    return nominal if evenness >= RANDOM_LOOKING_EVENNESS else nominal * evenness


def is_strong_secret(secret: str) -> bool:
    return secret != DEVELOPMENT_JWT_SECRET and estimated_secret_bits(secret) >= MIN_SECRET_BITS


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
    # Local documents are written 0600; true makes them 0640 for a group that must read them (backups).
    blob_group_readable: bool = False
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    # The key before the last rotation: tokens it signed stay valid until they expire (docs/operations.md).
    jwt_secret_previous: SecretStr | None = None
    # Development only: allow http:// CORS origins (a local front end) with VERAE_ENV=production.
    allow_insecure_cors: bool = False
    access_token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    max_upload_bytes: int = Field(default=20 * MIB, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    # Threads for the blocking part of requests (database work); each holds at most one pooled connection.
    request_threads: int = Field(default=16, ge=1)

    # Login throttling (auth/throttle.py, SECURITY.md): failures counted in a sliding window.
    login_window_seconds: int = Field(default=15 * 60, gt=0)
    login_max_failures_per_account_and_address: int = Field(default=5, gt=0)
    login_max_failures_per_ip: int = Field(default=20, gt=0)
    login_account_slowdown_after: int = Field(default=10, gt=0)
    login_account_slowdown_seconds: int = Field(default=30, gt=0)
    # Registrations (taken emails included) per client address per hour; refreshes per login session.
    registration_max_per_ip_per_hour: int = Field(default=10, gt=0)
    refresh_max_per_session_per_minute: int = Field(default=12, gt=0)
    # Least data kept (verae/retention.py): login attempts, the client addresses in audit rows, and share
    # links (with their access logs) this long after they expired or were revoked.
    login_attempt_retention_days: int = Field(default=30, gt=0)
    audit_ip_retention_days: int = Field(default=90, gt=0)
    share_link_retention_days: int = Field(default=90, gt=0)

    # The jobs-table queue (docs/architecture.md, "Queue").
    job_lease_seconds: float = Field(default=30.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    job_poll_interval_seconds: float = Field(default=1.0, gt=0)
    job_retry_base_seconds: float = Field(default=2.0, ge=0)
    job_retry_cap_seconds: float = Field(default=300.0, ge=0)
    max_queue_depth: int = Field(default=10_000, gt=0)
    # Per person: jobs waiting or running, and bytes uploaded in any 24 hours.
    upload_max_waiting_jobs_per_user: int = Field(default=20, gt=0)
    upload_max_bytes_per_day: int = Field(default=500 * MIB, gt=0)
    # Each PDF, PNG or JPEG is read in a child process whose address space is capped at this many MiB
    # (verae/labs/isolation.py); a 2-page scan with OCR needs 384-512, so 1024 leaves twice the headroom.
    document_memory_limit_mib: int = Field(default=1024, ge=256)

    # POST /api/v1/risk/predict needs no login: this many per client address per minute, over all processes.
    predict_requests_per_minute: int = Field(default=60, gt=0)
    # Share links (verae/sharing): PIN attempts each client address may make in 15 minutes, all processes.
    share_pin_attempts_per_address: int = Field(default=20, gt=0)

    # Organisations (docs/api.md, "Partner guide"): a key's requests per minute unless set per key, and how
    # long a rotated key keeps working; POST /ingest waits `ingest_wait_seconds` unless asked for less.
    api_key_rate_limit_per_minute: int = Field(default=600, gt=0)
    api_key_rotation_grace_hours: float = Field(default=24.0, ge=0)
    ingest_wait_seconds: float = Field(default=20.0, gt=0)
    ingest_max_wait_seconds: float = Field(default=60.0, gt=0)
    # Webhooks: each attempt's timeout; retries with exponential backoff and jitter for this many hours.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_hours: float = Field(default=24.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=30.0, ge=0)
    webhook_retry_cap_seconds: float = Field(default=3600.0, ge=0)
    # Tests only: deliver to loopback receivers (private and link-local addresses stay refused).
    webhook_allow_loopback: bool = False

    log_level: str = "INFO"
    # Test-only fault injection (verae/jobs/faults.py); refused in production.
    faults: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Account safety (docs/operations.md, SECURITY.md): a login session ends this long after the login,
    # however often it is refreshed; password-reset links live this long and point at the web app.
    session_max_age_days: int = Field(default=90, gt=0)
    password_reset_ttl_minutes: int = Field(default=30, gt=0)
    password_resets_per_hour: int = Field(default=3, gt=0)
    # Reset requests from one client address per hour, whatever the email (known or not).
    password_reset_requests_per_ip_per_hour: int = Field(default=10, gt=0)
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
        for name, secret in (
            ("VERAE_JWT_SECRET", self.jwt_secret),
            ("VERAE_JWT_SECRET_PREVIOUS", self.jwt_secret_previous),
        ):
            if secret is not None and not is_strong_secret(secret.get_secret_value()):
                problems.append(
                    f"{name} must be a random secret of at least {MIN_SECRET_BITS} bits "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        if "*" in self.cors_origins:
            problems.append("VERAE_CORS_ORIGINS must list the allowed origins, not '*'")
        elif not self.allow_insecure_cors and any(
            not origin.startswith("https://") for origin in self.cors_origins
        ):
            problems.append(
                "VERAE_CORS_ORIGINS must be https:// origins (not http:// or null), "
                "unless VERAE_ALLOW_INSECURE_CORS=true"
            )
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "VERAE_DATABASE_URL points at SQLite; use PostgreSQL "
                "or set VERAE_ALLOW_SQLITE_IN_PRODUCTION=true"
            )
        if self.faults:
            problems.append("VERAE_FAULTS is for tests only")
        if self.webhook_allow_loopback:
            problems.append("VERAE_WEBHOOK_ALLOW_LOOPBACK is for tests only")
        if problems:
            raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
        return self

    def refuse_development_secret_beyond_loopback(self, host: str) -> None:
        """A server reachable from other machines must not sign tokens with the published development
        secret, whatever VERAE_ENV says (an unset VERAE_ENV means development)."""
        if host not in LOOPBACK_HOSTS and not is_strong_secret(self.jwt_secret.get_secret_value()):
            raise InsecureConfiguration(
                f"refusing to listen on {host}: VERAE_JWT_SECRET is the development secret or a weak one; "
                "set a random secret of at least 256 bits, or listen on 127.0.0.1"
            )

    @property
    def jwt_verification_keys(self) -> tuple[str, ...]:
        """The current key, then the previous one during a rotation."""
        previous = () if self.jwt_secret_previous is None else (self.jwt_secret_previous.get_secret_value(),)
        return (self.jwt_secret.get_secret_value(), *previous)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(days=self.session_max_age_days)

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

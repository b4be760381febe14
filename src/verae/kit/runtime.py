"""Settings an admin changes while Verae runs (the admin API's /settings): overrides stored in the database
over the environment's defaults. Each process reads them at most every few seconds, so a change takes
effect everywhere within `CACHE_SECONDS` without a restart."""

from __future__ import annotations

import threading
import time

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.config import MIB, Settings
from verae.kit.db import Database
from verae.models import RuntimeSettings

CACHE_SECONDS = 5.0
ROW_ID = 1


class RuntimeOverrides(BaseModel):
    """What may be changed at runtime; unset (null) means the environment's value."""

    model_config = ConfigDict(extra="forbid")

    max_queue_depth: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="Uploads are refused (429 queue_full) at this many waiting upload jobs",
    )
    max_upload_bytes: int | None = Field(
        default=None, ge=64 * 1024, le=1024 * MIB, description="Largest file one upload may send"
    )
    upload_max_waiting_jobs_per_user: int | None = Field(
        default=None, ge=1, le=10_000, description="Unfinished jobs one person may have"
    )
    upload_max_bytes_per_day: int | None = Field(
        default=None, ge=MIB, le=100 * 1024 * MIB, description="Bytes one person may upload in 24 hours"
    )
    login_max_failures_per_account_and_address: int | None = Field(
        default=None, ge=1, le=1000, description="Failed logins per account and address in the window"
    )
    login_max_failures_per_ip: int | None = Field(
        default=None, ge=1, le=100_000, description="Failed logins per address in the window"
    )


class _Stored(RuntimeOverrides):
    # A stored key that a later version no longer knows is ignored, not an error on every request.
    model_config = ConfigDict(extra="ignore")


def stored_overrides(session: Session) -> tuple[RuntimeOverrides, int]:
    """The stored overrides and their version (0 before the first write)."""
    row = session.scalar(select(RuntimeSettings).where(RuntimeSettings.id == ROW_ID))
    if row is None:
        return RuntimeOverrides(), 0
    return RuntimeOverrides(**_Stored.model_validate(row.values).model_dump()), row.version


def apply_overrides(settings: Settings, overrides: RuntimeOverrides) -> Settings:
    return settings.model_copy(update=overrides.model_dump(exclude_none=True))


_cache: dict[str, tuple[float, RuntimeOverrides]] = {}
_cache_lock = threading.Lock()


def effective_settings(db: Database, settings: Settings) -> Settings:
    """The environment's settings with the stored overrides applied, read at most every CACHE_SECONDS."""
    key = settings.database_url
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        with db.unit_of_work(write=False) as session:
            overrides, _ = stored_overrides(session)
        cached = (now, overrides)
        with _cache_lock:
            _cache[key] = cached
    return apply_overrides(settings, cached[1])


def forget_cached(settings: Settings) -> None:
    """After a write, this process uses the new values at once (the others within CACHE_SECONDS)."""
    with _cache_lock:
        _cache.pop(settings.database_url, None)

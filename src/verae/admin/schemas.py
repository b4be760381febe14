"""What the admin API shows: ids, states, codes and counts; never lab values, file names or documents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from verae.jobs.schemas import JobStatus
from verae.kit.pagination import PageMeta
from verae.kit.runtime import RuntimeOverrides

FUNNEL_STEPS = ("signup", "upload_started", "upload_success", "job_created", "result_viewed")


class UserCounts(BaseModel):
    uploads: int
    jobs: int
    failed_jobs: int
    results: int


class AdminUser(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    created_at: datetime
    disabled_at: datetime | None
    counts: UserCounts


class AdminUserPage(PageMeta):
    items: list[AdminUser]


class JobError(BaseModel):
    attempt: int | None
    code: str
    at: datetime | None


class AdminJob(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    status: JobStatus
    progress_stage: str | None
    attempts: int
    max_attempts: int
    error_code: str | None
    errors: list[JobError] = Field(description="Every failed attempt: its code and when (no messages)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AdminJobPage(PageMeta):
    items: list[AdminJob]


class RequeueOutcome(BaseModel):
    job_id: uuid.UUID
    requeued: bool = Field(
        description="False when the job was not failed (already requeued, say): nothing done"
    )
    status: JobStatus


class RequeueFilter(BaseModel):
    error_code: str | None = Field(default=None, max_length=64)
    failed_after: datetime | None = None
    failed_before: datetime | None = None
    limit: int = Field(default=100, ge=1, le=500)
    dry_run: bool = Field(default=True, description="Only list what would be requeued")


class BulkRequeue(BaseModel):
    dry_run: bool
    job_ids: list[uuid.UUID] = Field(
        description="The failed jobs that matched (and were requeued unless dry run)"
    )


class AuditEntry(BaseModel):
    id: int
    created_at: datetime
    actor_id: uuid.UUID | None
    action: str
    object_type: str | None
    object_id: str | None
    correlation_id: str | None
    details: dict[str, Any]


class AuditPage(PageMeta):
    items: list[AuditEntry]


class FunnelDay(BaseModel):
    day: date
    people: dict[str, int] = Field(description="Distinct people per step that day")


class FunnelStep(BaseModel):
    step: str
    people: int = Field(description="People who signed up in the period and reached this step in it")
    events: int = Field(
        description="Events of this step in the period (one upload_success per stored upload)"
    )
    conversion: float | None = Field(description="Share of the previous step's people; null for the first")


class Processing(BaseModel):
    finished: int
    done: int
    failed: int
    failed_share: float | None
    p50_seconds: float | None = Field(description="Upload to finished, retries included")
    p95_seconds: float | None
    error_codes: dict[str, int]


class Stats(BaseModel):
    since: datetime
    until: datetime
    days: list[FunnelDay]
    funnel: list[FunnelStep]
    processing: Processing


class SettingsOut(BaseModel):
    version: int
    values: RuntimeOverrides = Field(description="What is stored; null means the environment's value")
    effective: dict[str, int] = Field(description="What is in force now")

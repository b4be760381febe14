from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from verae.kit.pagination import PageMeta
from verae.labs.schemas import InvalidField, LabReport, SubmittedValues
from verae.models.job import RUNNING

JobStatus = Literal["queued", "processing", "done", "failed", "needs_input"]
ProgressStage = Literal["parsing", "normalizing", "inference", "persisting"]


class JobFields(Protocol):
    """What a job's status is made of: a `Job`, or a row of just these columns (the polled status read)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def upload_id(self) -> uuid.UUID | None: ...
    @property
    def state(self) -> str: ...
    @property
    def progress_stage(self) -> str | None: ...
    @property
    def attempt(self) -> int: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def last_error_code(self) -> str | None: ...
    @property
    def failure_diagnostic(self) -> str | None: ...
    @property
    def missing_required_fields(self) -> list[Any]: ...
    @property
    def invalid_fields(self) -> list[Any]: ...
    @property
    def result_id(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def run_at(self) -> datetime: ...


class JobOut(BaseModel):
    id: uuid.UUID
    upload_id: uuid.UUID | None
    status: JobStatus
    progress_stage: ProgressStage | None
    attempts: int
    max_attempts: int
    error_code: str | None
    failure_diagnostic: str | None
    missing_required_fields: list[str]
    invalid_fields: list[InvalidField]
    result_id: uuid.UUID | None = Field(description="Set when status is done")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When a retry is scheduled")

    @classmethod
    def of(cls, job: JobFields) -> JobOut:
        status: JobStatus = "processing" if job.state == RUNNING else job.state  # type: ignore[assignment]
        return cls(
            id=job.id,
            upload_id=job.upload_id,
            status=status,
            progress_stage=job.progress_stage if status == "processing" else None,
            attempts=job.attempt,
            max_attempts=job.max_attempts,
            error_code=job.last_error_code,
            failure_diagnostic=job.failure_diagnostic,
            missing_required_fields=job.missing_required_fields,
            invalid_fields=[InvalidField.model_validate(item) for item in job.invalid_fields],
            result_id=job.result_id if status == "done" else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            next_attempt_at=job.run_at if status == "queued" and job.attempt > 0 else None,
        )


class JobPage(PageMeta):
    items: list[JobOut]


class SuppliedValue(BaseModel):
    value: float | str
    unit: str | None = Field(default=None, max_length=32)


SuppliedInput = float | str | SuppliedValue


class ReviewedValues(SubmittedValues):
    """The complete set of values to use from now on; it replaces what was read from the document."""


class JobValues(BaseModel):
    original: LabReport | None = Field(description="What was read from the document (kept unchanged)")
    current: LabReport | None = Field(description="The values the latest result used, or the reviewed ones")

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from verae.jobs.schemas import JobStatus
from verae.kit.pagination import PageMeta


class UploadAccepted(BaseModel):
    job_id: uuid.UUID
    upload_id: uuid.UUID
    status: JobStatus = Field(
        description="`queued` for a new upload; a retried upload (same Idempotency-Key and file) answers "
        "with its first job's current status"
    )


class UploadLimits(BaseModel):
    """What an upload may be right now (an admin may change the size limit at runtime)."""

    max_bytes: int = Field(description="The largest file accepted, in bytes; a larger one is 413.")


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str | None
    media_type: str
    size_bytes: int
    sha256: str
    external_id: str | None = Field(
        default=None, description="The organisation's patient reference, if given"
    )
    created_at: datetime


class UploadPage(PageMeta):
    items: list[UploadOut]

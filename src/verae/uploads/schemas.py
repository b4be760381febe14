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

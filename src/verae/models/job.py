from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from verae.kit.time import utcnow
from verae.models.base import Base, CreatedAtMixin, IdMixin

# Queue states. The public job status is derived from `state` alone (running is shown as processing),
# so there is one source of truth.
QUEUED, RUNNING, DONE, FAILED, NEEDS_INPUT = "queued", "running", "done", "failed", "needs_input"


class Job(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # Partial indexes keep the claim and the rescue proportional to what they take, not to the table.
        Index(
            "ix_jobs_ready",
            "priority",
            "run_at",
            "id",
            postgresql_where=text("state = 'queued'"),
            sqlite_where=text("state = 'queued'"),
        ),
        Index(
            "ix_jobs_leased_until",
            "leased_until",
            postgresql_where=text("state = 'running'"),
            sqlite_where=text("state = 'running'"),
        ),
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    priority: Mapped[int] = mapped_column(default=0)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempt: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    lease_token: Mapped[uuid.UUID | None]
    leased_until: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Business fields for people, kept beside the queue columns.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    upload_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), index=True
    )
    # Reserved at creation so a client can hold the id before the result exists.
    result_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, unique=True)
    progress_stage: Mapped[str | None] = mapped_column(String(16))
    failure_diagnostic: Mapped[str | None] = mapped_column(String(1000))
    missing_required_fields: Mapped[list[Any]] = mapped_column(default=list)
    invalid_fields: Mapped[list[Any]] = mapped_column(default=list)
    # The reading of the document as first extracted, kept so supplying inputs never re-reads it.
    extraction: Mapped[dict[str, Any] | None]
    supplied_inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)

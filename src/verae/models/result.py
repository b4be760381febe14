from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.base import Base, CreatedAtMixin


class Result(CreatedAtMixin, Base):
    """Written once per job, in the same transaction that marks the job done."""

    __tablename__ = "results"
    __table_args__ = (Index("ix_results_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    upload_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"))
    report: Mapped[dict[str, Any]]
    risk: Mapped[dict[str, Any]]
    model_version: Mapped[str] = mapped_column(String(64))
    risk_percent: Mapped[float]
    risk_tier: Mapped[str] = mapped_column(String(16))
    collection_date: Mapped[date | None]

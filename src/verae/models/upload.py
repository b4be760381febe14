from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.base import Base, CreatedAtMixin, IdMixin


class Upload(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "uploads"
    # A client's retry of the same upload (same key) finds the first one instead of creating another.
    __table_args__ = (
        Index("ix_uploads_user_id_idempotency_key", "user_id", "idempotency_key", unique=True),
        Index("ix_uploads_user_id_external_id", "user_id", "external_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(255), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    # An organisation's own reference for the patient (results can be listed by it).
    external_id: Mapped[str | None] = mapped_column(String(128))

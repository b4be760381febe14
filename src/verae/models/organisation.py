from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.base import Base, CreatedAtMixin, IdMixin

# users.role of an organisation's service principal: the account its API keys act as. It has no usable
# password, so it can never log in (docs/decisions/0005-organisations-act-through-a-principal.md).
ORGANISATION_ROLE = "organisation"


class Organisation(IdMixin, CreatedAtMixin, Base):
    """A clinic or lab that calls the API with keys; its uploads, jobs and results belong to `user_id`."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # Documents and results older than this are deleted by the workers (None: kept until deleted).
    retention_days: Mapped[int | None]


class ApiKey(IdMixin, CreatedAtMixin, Base):
    """`vk_<prefix>_<secret>`: the prefix finds the row, the secret is kept only as its SHA-256."""

    __tablename__ = "api_keys"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    rate_limit_per_minute: Mapped[int]
    # Set on the old key when it is rotated (the grace period's end); revocation ends it at once.
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ExpiredResult(Base):
    """What retention deleted: the result's id stays known, so its link answers 410 instead of 404, with
    the checksum of what was deleted (the document's SHA-256 and the result's)."""

    __tablename__ = "expired_results"

    result_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expired_at: Mapped[datetime]
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    result_sha256: Mapped[str] = mapped_column(String(64))

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.audit import AUTO_ID
from verae.models.base import Base, CreatedAtMixin, IdMixin


class ShareLink(IdMixin, CreatedAtMixin, Base):
    """A read-only link a person gives their doctor: to one result, or to all their results when
    `result_id` is null. Only the SHA-256 of the token is kept; the links die with the account (cascade)."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_user_id_created_at", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    result_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(80))
    # argon2id of the optional PIN
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    failed_pin_attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ShareAccess(CreatedAtMixin, Base):
    """One opening of a share link (or a wrong PIN), shown to the owner: when, and a rough client — the
    address cut to its network and the browser family, never the full address or user agent."""

    __tablename__ = "share_accesses"
    __table_args__ = (Index("ix_share_accesses_link_id_created_at", "link_id", "created_at"),)

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True)
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    view: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    network: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))

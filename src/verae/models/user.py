from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.kit.time import utcnow
from verae.models.base import Base, CreatedAtMixin, IdMixin


class User(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "users"

    # Stored lower-cased so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    # Set by support or an admin: no login, no refresh, every session ended (the data is kept).
    disabled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Profile: model inputs a report often lacks.
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None]
    height_cm: Mapped[float | None]
    weight_kg: Mapped[float | None]


class RefreshToken(IdMixin, CreatedAtMixin, Base):
    """One row per issued refresh token; a family is one login session across rotations."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # When the family's login happened; the session ends a fixed time after it (VERAE_SESSION_MAX_AGE_DAYS).
    session_started_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordResetToken(IdMixin, CreatedAtMixin, Base):
    """A password-reset link sent by email: stored as a SHA-256 hash, single-use, short-lived."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(IdMixin, CreatedAtMixin, Base):
    """Failed and successful logins, counted in a window to throttle guessing (per account and per IP)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_hash_created_at", "email_hash", "created_at"),
        Index("ix_login_attempts_ip_created_at", "ip", "created_at"),
    )

    email_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.base import Base


class RateLimitWindow(Base):
    """Requests counted for one limiter key in one fixed window (kit/limiter.py); shared by every process."""

    __tablename__ = "rate_limit_windows"
    __table_args__ = (Index("ix_rate_limit_windows_window_end", "window_end"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Unix seconds: the window's start (a multiple of its length) and its end, when the row can go.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_end: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer)

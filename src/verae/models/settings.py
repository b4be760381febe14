from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from verae.kit.time import utcnow
from verae.models.base import Base


class RuntimeSettings(Base):
    """The one row of settings an admin changes while Verae runs (kit/runtime.py): overrides of the
    environment's defaults, and a version that makes each write a compare-and-set (the admin API's ETag)."""

    __tablename__ = "runtime_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None]

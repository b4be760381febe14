from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from verae.models.base import Base, CreatedAtMixin, IdMixin

# A delivery's states (its queue job carries the attempts and the schedule).
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


class WebhookEndpoint(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "webhook_endpoints"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[Any]] = mapped_column(default=list)
    # Kept as is: signing needs the secret itself (it is shown to the organisation once, at creation).
    secret: Mapped[str] = mapped_column(String(128))


class WebhookDelivery(IdMixin, CreatedAtMixin, Base):
    """One event sent to one endpoint: the body signed at each attempt, and the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_organisation_id_created_at", "organisation_id", "created_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # `Verae-Event-Id`: the same on every attempt and replay, so receivers can de-duplicate.
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(64))
    last_latency_ms: Mapped[float | None]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

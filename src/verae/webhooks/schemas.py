from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from verae.kit.pagination import PageMeta

EventType = Literal["job.done", "job.failed", "job.needs_input"]
EVENT_TYPES: tuple[EventType, ...] = ("job.done", "job.failed", "job.needs_input")


class EndpointIn(BaseModel):
    url: str = Field(min_length=8, max_length=2048, examples=["https://lab.example.com/verae-events"])
    events: list[EventType] = Field(min_length=1)


class EndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[EventType]
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="Verifies `Verae-Signature`; shown this once")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: EventType
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None = Field(description="`timeout`, `connection_error`, `http_<status>`, …")
    last_latency_ms: float | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(PageMeta):
    items: list[DeliveryOut]

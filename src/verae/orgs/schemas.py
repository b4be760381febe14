from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from verae.orgs.scopes import Scope


class OrganisationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    retention_days: int | None = Field(default=None, gt=0, le=36500)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    retention_days: int | None
    created_at: datetime


class ApiKeyIn(BaseModel):
    scopes: list[Scope] = Field(min_length=1)
    rate_limit_per_minute: int | None = Field(default=None, gt=0, le=100_000)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    prefix: str
    scopes: list[Scope]
    rate_limit_per_minute: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself, shown this once: Verae keeps only its hash.")

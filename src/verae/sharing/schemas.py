from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from verae.labs.schemas import LabReport
from verae.models import Result, ShareLink
from verae.risk.schemas import RiskResult

MAX_HOURS = 90 * 24
ShareStatus = Literal["active", "expired", "revoked", "locked"]
ShareScope = Literal["result", "history"]


class ShareCreate(BaseModel):
    result_id: uuid.UUID | None = Field(
        default=None, description="The result to share; null shares all the person's results"
    )
    expires_in_hours: int = Field(ge=1, le=MAX_HOURS, description="1 hour to 90 days")
    pin: str | None = Field(
        default=None, pattern=r"^[0-9]{4,8}$", description="Optional 4–8 digit PIN the doctor must enter"
    )
    label: str | None = Field(default=None, max_length=80, description="A note for the owner, e.g. a name")


class ShareLinkOut(BaseModel):
    id: uuid.UUID
    scope: ShareScope
    result_id: uuid.UUID | None
    label: str | None
    has_pin: bool
    status: ShareStatus
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    access_count: int = Field(description="Successful openings")
    last_accessed_at: datetime | None

    @classmethod
    def of(
        cls, link: ShareLink, status: ShareStatus, access_count: int, last_accessed_at: datetime | None
    ) -> ShareLinkOut:
        return cls(
            id=link.id,
            scope="history" if link.result_id is None else "result",
            result_id=link.result_id,
            label=link.label,
            has_pin=link.pin_hash is not None,
            status=status,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            access_count=access_count,
            last_accessed_at=last_accessed_at,
        )


class ShareLinkCreated(ShareLinkOut):
    token: str = Field(description="Shown once: the link's secret, never stored")
    path: str = Field(description="The web app's page for the doctor: /shared#<token>")


class ShareLinkList(BaseModel):
    items: list[ShareLinkOut]


class ShareAccessOut(BaseModel):
    at: datetime
    view: Literal["json", "pdf"]
    outcome: Literal["opened", "wrong_pin", "locked"]
    network: str | None = Field(description="The visitor's network (/24 or /48), not the full address")
    client: str | None = Field(description="Browser family and system, e.g. Firefox on Windows")


class ShareAccessList(BaseModel):
    items: list[ShareAccessOut]


class SharedResult(BaseModel):
    """A result as a doctor sees it: no ids, no file names, nothing about the account."""

    created_at: datetime
    collection_date: date | None
    risk: RiskResult
    report: LabReport

    @classmethod
    def of(cls, result: Result) -> SharedResult:
        return cls(
            created_at=result.created_at,
            collection_date=result.collection_date,
            risk=RiskResult.model_validate(result.risk),
            report=LabReport.model_validate(result.report),
        )


class SharedView(BaseModel):
    scope: ShareScope
    expires_at: datetime
    results: list[SharedResult] = Field(description="Newest first")

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from verae.kit.pagination import PageMeta
from verae.labs.schemas import LabReport
from verae.models import Result
from verae.risk.schemas import RiskResult, RiskTier

TREND_ANALYTES = ("hemoglobin", "mcv", "ferritin")


_SOURCE_FILENAME = "The uploaded file's name as the client sent it (null when it sent none)"


class ResultOut(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID
    upload_id: uuid.UUID | None
    created_at: datetime
    collection_date: date | None
    risk: RiskResult
    report: LabReport = Field(description="The values the estimate used, in canonical units")
    source_filename: str | None = Field(description=_SOURCE_FILENAME)

    @classmethod
    def of(cls, result: Result, source_filename: str | None) -> ResultOut:
        return cls(
            id=result.id,
            job_id=result.job_id,
            upload_id=result.upload_id,
            created_at=result.created_at,
            collection_date=result.collection_date,
            risk=RiskResult.model_validate(result.risk),
            report=LabReport.model_validate(result.report),
            source_filename=source_filename,
        )


class ResultSummary(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID
    created_at: datetime
    collection_date: date | None
    risk_percent: float
    risk_tier: RiskTier
    model_version: str
    key_values: dict[str, float | None] = Field(
        description="hemoglobin (g/L), mcv (fL), ferritin (µg/L) for trends"
    )
    source_filename: str | None = Field(description=_SOURCE_FILENAME)

    @classmethod
    def of(cls, result: Result, source_filename: str | None) -> ResultSummary:
        report = LabReport.model_validate(result.report)
        return cls(
            id=result.id,
            job_id=result.job_id,
            created_at=result.created_at,
            collection_date=result.collection_date,
            risk_percent=result.risk_percent,
            risk_tier=result.risk_tier,
            model_version=result.model_version,
            key_values={code: report.value_of(code) for code in TREND_ANALYTES},
            source_filename=source_filename,
        )


class ResultPage(PageMeta):
    items: list[ResultSummary]

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.kit.pagination import PageParams, page_of
from verae.labs.schemas import LabReport
from verae.models import ExpiredResult, Job, Result, Upload
from verae.risk.schemas import RiskResult
from verae.uploads import repository as uploads_repository


def get_result(session: Session, result_id: uuid.UUID) -> Result | None:
    return session.get(Result, result_id)


def get_result_of_user(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Result | None:
    return session.scalar(select(Result).where(Result.id == result_id, Result.user_id == user_id))


def list_results_of_user(
    session: Session, user_id: uuid.UUID, page: PageParams, external_id: str | None = None
) -> tuple[list[Result], int]:
    query = select(Result).where(Result.user_id == user_id)
    if external_id is not None:  # an organisation's patient reference, on the upload
        query = query.join(Upload, Upload.id == Result.upload_id).where(
            Upload.user_id == user_id, Upload.external_id == external_id
        )
    return page_of(session, query.order_by(Result.created_at.desc(), Result.id.desc()), page)


def source_filenames(session: Session, results: list[Result]) -> dict[uuid.UUID, str | None]:
    """Each result's uploaded file name by result id, in one query (absent when it had no upload)."""
    upload_ids = {result.upload_id for result in results if result.upload_id is not None}
    by_upload = uploads_repository.filenames_of_uploads(session, upload_ids)
    return {result.id: by_upload.get(result.upload_id) for result in results if result.upload_id is not None}


def save_result(session: Session, job: Job, report: LabReport, risk: RiskResult) -> None:
    """The job's result, under the id reserved on the job; a review re-runs a finished job and replaces it."""
    session.merge(
        Result(
            id=job.result_id,
            job_id=job.id,
            user_id=job.user_id,
            upload_id=job.upload_id,
            report=report.model_dump(mode="json"),
            risk=risk.model_dump(mode="json"),
            model_version=risk.model_version,
            risk_percent=risk.risk_percent,
            risk_tier=risk.risk_tier,
            collection_date=report.collection_date,
        )
    )


def was_expired(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """The result was the user's and retention deleted it."""
    found = select(ExpiredResult.result_id).where(
        ExpiredResult.result_id == result_id, ExpiredResult.user_id == user_id
    )
    return session.scalar(found) is not None

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from verae.jobs import repository as jobs_repository
from verae.jobs.schemas import JobOut
from verae.kit.pagination import PageParams
from verae.observability.audit import record_audit, record_event
from verae.results import repository
from verae.results.errors import ResultExpired, ResultNotFound, ResultNotReady
from verae.results.schemas import ResultOut, ResultPage, ResultSummary


def list_results(
    session: Session, user_id: uuid.UUID, page: PageParams, external_id: str | None = None
) -> ResultPage:
    results, total = repository.list_results_of_user(session, user_id, page, external_id)
    filenames = repository.source_filenames(session, results)
    record_audit(session, "results.listed", user_id=user_id, details={"count": len(results)})
    return ResultPage(
        items=[ResultSummary.of(result, filenames.get(result.id)) for result in results],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def view_result(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> ResultOut:
    result = repository.get_result_of_user(session, result_id, user_id)
    if result is None:
        job = jobs_repository.get_job_by_result_id(session, result_id, user_id)
        if job is None:
            if repository.was_expired(session, result_id, user_id):
                raise ResultExpired()
            raise ResultNotFound()
        raise ResultNotReady(
            details={"job_id": str(job.id), "status": JobOut.of(job).status},
        )
    record_audit(session, "result.viewed", user_id=user_id, object_type="result", object_id=result.id)
    record_event(session, "result_viewed", user_id=user_id)
    return ResultOut.of(result, repository.source_filenames(session, [result]).get(result.id))

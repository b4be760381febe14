from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from verae.jobs import repository as jobs_repository
from verae.jobs.schemas import JobOut
from verae.kit.errors import ConflictError, NotFoundError
from verae.models import Result
from verae.observability.audit import record_audit, record_event
from verae.results import repository


def view_result(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Result:
    result = repository.get_result_of_user(session, result_id, user_id)
    if result is None:
        job = jobs_repository.get_job_by_result_id(session, result_id, user_id)
        if job is None:
            raise NotFoundError("No such result.", code="result_not_found")
        raise ConflictError(
            "The result is not ready yet.",
            code="result_not_ready",
            details={"job_id": str(job.id), "status": JobOut.of(job).status},
        )
    record_audit(session, "result.viewed", user_id=user_id, object_type="result", object_id=result.id)
    record_event(session, "result_viewed", user_id=user_id)
    return result

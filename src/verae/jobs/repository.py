from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from verae.auth.repository import SESSION_IS_ACTIVE, session_parameters
from verae.auth.tokens import AccessClaims
from verae.jobs.schemas import JobFields
from verae.kit.pagination import PageParams, page_of
from verae.models import Job
from verae.models.job import QUEUED, RUNNING


def fresh_attempts(now: datetime) -> dict[str, Any]:
    """The columns of a job sent through the pipeline again (a requeue, reviewed values): queued now, with a
    fresh set of attempts and no outcome of the last run."""
    return {
        "state": QUEUED,
        "run_at": now,
        "attempt": 0,
        "finished_at": None,
        "last_error_code": None,
        "failure_diagnostic": None,
        "missing_required_fields": [],
        "invalid_fields": [],
    }


def get_job_of_user(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))


# The status endpoint that clients poll: one prepared statement reads the job and checks the login session.
# Just the columns a status shows (no payload or extraction documents), built once.
_STATUS_IN_ACTIVE_SESSION = select(
    Job.id,
    Job.upload_id,
    Job.state,
    Job.progress_stage,
    Job.attempt,
    Job.max_attempts,
    Job.last_error_code,
    Job.failure_diagnostic,
    Job.missing_required_fields,
    Job.invalid_fields,
    Job.result_id,
    Job.created_at,
    Job.started_at,
    Job.finished_at,
    Job.run_at,
).where(Job.id == bindparam("job_id"), Job.user_id == bindparam("user_id"), SESSION_IS_ACTIVE)


def get_job_status_in_active_session(
    connection: Connection, job_id: uuid.UUID, claims: AccessClaims
) -> JobFields | None:
    """The job's status fields, provided it belongs to the token's user and the token's login session is
    active; None otherwise."""
    row: JobFields | None = connection.execute(
        _STATUS_IN_ACTIVE_SESSION, {"job_id": job_id, **session_parameters(claims)}
    ).first()
    return row


# A person's jobs are their uploads' (an organisation's webhook deliveries are jobs of its principal too).
_OF_AN_UPLOAD = Job.upload_id.is_not(None)


def list_jobs_of_user(session: Session, user_id: uuid.UUID, page: PageParams) -> tuple[list[Job], int]:
    newest_first = (
        select(Job)
        .where(Job.user_id == user_id, _OF_AN_UPLOAD)
        .order_by(Job.created_at.desc(), Job.id.desc())
    )
    return page_of(session, newest_first, page)


def get_job_by_result_id(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.result_id == result_id, Job.user_id == user_id))


def count_unfinished_jobs_of_user(session: Session, user_id: uuid.UUID) -> int:
    """The person's jobs waiting to run or running."""
    unfinished = select(func.count()).where(
        Job.user_id == user_id, _OF_AN_UPLOAD, Job.state.in_((QUEUED, RUNNING))
    )
    return session.scalar(unfinished) or 0


def get_job(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id)

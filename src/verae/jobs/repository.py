from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.models import Job
from verae.models.owned import newest_first_page


def get_job_of_user(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))


def list_jobs_of_user(session: Session, user_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Job], int]:
    return newest_first_page(session, Job, user_id, limit, offset)


def get_job_by_result_id(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.result_id == result_id, Job.user_id == user_id))

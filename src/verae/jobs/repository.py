from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verae.models import Job


def get_job_of_user(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))


def list_jobs_of_user(session: Session, user_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Job], int]:
    total = session.scalar(select(func.count()).select_from(Job).where(Job.user_id == user_id)) or 0
    jobs = session.scalars(
        select(Job)
        .where(Job.user_id == user_id)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(jobs), total


def get_job_by_result_id(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.result_id == result_id, Job.user_id == user_id))

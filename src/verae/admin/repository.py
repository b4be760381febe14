"""Every query of the admin API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from verae.jobs.repository import fresh_attempts
from verae.kit.pagination import PageParams, page_of
from verae.kit.runtime import ROW_ID
from verae.kit.time import utcnow
from verae.models import AuditLog, Event, Job, Result, RuntimeSettings, Upload, User
from verae.models.job import DONE, FAILED


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_users(session: Session, email: str | None, page: PageParams) -> tuple[list[User], int]:
    query = select(User).order_by(User.created_at.desc(), User.id)
    if email:
        query = query.where(User.email.like(f"%{escape_like(email.lower())}%", escape="\\"))
    return page_of(session, query, page)


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def _counts_by_user(session: Session, query: Select[Any]) -> dict[uuid.UUID, int]:
    return {user_id: int(count) for user_id, count in session.execute(query).all()}


def counts_of_users(session: Session, user_ids: Sequence[uuid.UUID]) -> dict[str, dict[uuid.UUID, int]]:
    """Uploads, jobs, failed jobs and results per person: counts only."""

    def per_user(model: Any, *conditions: Any) -> dict[uuid.UUID, int]:
        return _counts_by_user(
            session,
            select(model.user_id, func.count())
            .where(model.user_id.in_(user_ids), *conditions)
            .group_by(model.user_id),
        )

    return {
        "uploads": per_user(Upload),
        "jobs": per_user(Job),
        "failed_jobs": per_user(Job, Job.state == FAILED),
        "results": per_user(Result),
    }


def list_jobs(
    session: Session,
    page: PageParams,
    *,
    states: Sequence[str] | None,
    error_code: str | None,
    created_before: datetime | None,
    user_id: uuid.UUID | None,
) -> tuple[list[Job], int]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if states:
        query = query.where(Job.state.in_(states))
    if error_code:
        query = query.where(Job.last_error_code == error_code)
    if created_before is not None:
        query = query.where(Job.created_at < created_before)
    if user_id is not None:
        query = query.where(Job.user_id == user_id)
    return page_of(session, query, page)


def get_job(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id)


def failed_job_ids(
    session: Session,
    *,
    error_code: str | None,
    failed_after: datetime | None,
    failed_before: datetime | None,
    limit: int,
) -> list[uuid.UUID]:
    query = select(Job.id).where(Job.state == FAILED).order_by(Job.finished_at, Job.id).limit(limit)
    if error_code:
        query = query.where(Job.last_error_code == error_code)
    if failed_after is not None:
        query = query.where(Job.finished_at >= failed_after)
    if failed_before is not None:
        query = query.where(Job.finished_at < failed_before)
    return list(session.scalars(query).all())


def requeue_failed_jobs(session: Session, job_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Back to the queue with a fresh set of attempts, each only if it is still failed (a compare-and-set:
    a repeated or concurrent requeue finds nothing to do). The (job, owner) pairs requeued."""
    if not job_ids:
        return []
    now = utcnow()
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == FAILED)
        .values(**fresh_attempts(now), updated_at=now)
        .returning(Job.id, Job.user_id)
        .execution_options(synchronize_session=False)
    ).all()
    return [(job_id, user_id) for job_id, user_id in rows]


def search_audit(
    session: Session,
    page: PageParams,
    *,
    actor_id: uuid.UUID | None,
    action: str | None,
    object_type: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[AuditLog], int]:
    query = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    for column, value in (
        (AuditLog.user_id, actor_id),
        (AuditLog.action, action),
        (AuditLog.object_type, object_type),
        (AuditLog.object_id, object_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditLog.created_at >= since)
    if until is not None:
        query = query.where(AuditLog.created_at < until)
    return page_of(session, query, page)


def funnel_events(
    session: Session, names: Sequence[str], since: datetime, until: datetime
) -> list[tuple[str, uuid.UUID | None, datetime]]:
    """(step, person, when) of every funnel event in the period."""
    rows = session.execute(
        select(Event.name, Event.user_id, Event.created_at).where(
            Event.name.in_(names), Event.created_at >= since, Event.created_at < until
        )
    ).all()
    return [(name, user_id, created_at) for name, user_id, created_at in rows]


def finished_jobs(
    session: Session, since: datetime, until: datetime
) -> list[tuple[str, str | None, datetime, datetime]]:
    """(state, error code, created, finished) of the jobs that ended done or failed in the period."""
    rows = session.execute(
        select(Job.state, Job.last_error_code, Job.created_at, Job.finished_at).where(
            Job.state.in_((DONE, FAILED)), Job.finished_at >= since, Job.finished_at < until
        )
    ).all()
    return [
        (state, code, created, finished) for state, code, created, finished in rows if finished is not None
    ]


def write_overrides(
    session: Session, values: dict[str, Any], *, expected_version: int, actor_id: uuid.UUID
) -> int | None:
    """Store the overrides if they are still at `expected_version`; the new version, or None if another
    write came first."""
    now = utcnow()
    if expected_version == 0:
        try:
            with session.begin_nested():
                session.add(
                    RuntimeSettings(id=1, values=values, version=1, updated_at=now, updated_by=actor_id)
                )
        except IntegrityError:
            return None
        return 1
    changed = session.execute(
        update(RuntimeSettings)
        .where(RuntimeSettings.id == ROW_ID, RuntimeSettings.version == expected_version)
        .values(values=values, version=expected_version + 1, updated_at=now, updated_by=actor_id)
        .execution_options(synchronize_session=False)
    )
    return expected_version + 1 if changed.rowcount == 1 else None  # type: ignore[attr-defined]

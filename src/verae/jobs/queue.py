"""The durable job queue on the `jobs` table (docs/architecture.md, "Queue"; DESIGN.md §4).

Claiming is one statement per dialect: PostgreSQL locks candidate rows with FOR UPDATE SKIP LOCKED in a
materialised CTE; SQLite takes the database write lock with BEGIN IMMEDIATE and claims with
UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING. A claim hands out a lease; an expired lease makes the
job claimable again. Every later transition is a compare-and-set on (id, state, lease_token), so a worker
that lost its lease can never overwrite a newer attempt.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from verae.jobs.wakeup import JOBS_CHANNEL
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import Job
from verae.models.job import DONE, FAILED, NEEDS_INPUT, QUEUED, RUNNING
from verae.observability.audit import record_audit

_CLAIMED_COLUMNS = (
    Job.id,
    Job.kind,
    Job.payload,
    Job.attempt,
    Job.max_attempts,
    Job.lease_token,
    Job.errors,
    Job.user_id,
    Job.upload_id,
    Job.result_id,
    Job.extraction,
    Job.supplied_inputs,
)


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    lease_token: uuid.UUID
    errors: list[Any]
    user_id: uuid.UUID
    upload_id: uuid.UUID | None
    result_id: uuid.UUID
    extraction: dict[str, Any] | None
    supplied_inputs: dict[str, Any]


WORKER_LOST_DIAGNOSTIC = (
    "Processing stopped unexpectedly several times. Please upload the file again later or contact support."
)


class LeaseLost(Exception):
    """The job's lease expired and another worker may own it now; this attempt's work is discarded."""


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full-range jitter (0.5×–1.5×), capped."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    jitter: float = (rng or random).uniform(0.5, 1.5)
    return delay * jitter


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    user_id: uuid.UUID,
    upload_id: uuid.UUID | None,
    max_attempts: int,
) -> Job:
    """Add a job in the caller's transaction, so it exists exactly when the caller's rows do."""
    job = Job(kind=kind, payload=payload, user_id=user_id, upload_id=upload_id, max_attempts=max_attempts)
    session.add(job)
    session.flush()
    record_audit(session, "job.queued", user_id=user_id, object_type="job", object_id=job.id)
    announce_job(session)
    return job


def announce_job(session: Session) -> None:
    """Wake listening workers when the caller's transaction commits (PostgreSQL; SQLite workers poll or
    share the process's Wakeup)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(JOBS_CHANNEL, "")))


def _owned(job: ClaimedJob) -> Any:
    return and_(Job.id == job.id, Job.state == RUNNING, Job.lease_token == job.lease_token)


class Queue:
    def __init__(self, db: Database, *, lease_seconds: float) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)

    def claim(self, limit: int = 1) -> list[ClaimedJob]:
        now = utcnow()
        lease_token = uuid.uuid4()
        # Walks the partial index ix_jobs_ready in order, so a claim costs the same at any backlog.
        candidates = (
            select(Job.id)
            .where(Job.state == QUEUED, Job.run_at <= now)
            .order_by(Job.priority, Job.run_at, Job.id)
            .limit(limit)
        )
        if self.db.is_sqlite:
            target: Any = Job.id.in_(candidates.scalar_subquery())
        else:
            locked = candidates.with_for_update(skip_locked=True).cte("claimable").prefix_with("MATERIALIZED")
            target = Job.id == locked.c.id
        statement = (
            update(Job)
            .where(target)
            .values(
                state=RUNNING,
                lease_token=lease_token,
                leased_until=now + self.lease,
                heartbeat_at=now,
                attempt=Job.attempt + 1,
                started_at=func.coalesce(Job.started_at, now),
                updated_at=now,
            )
            .returning(*_CLAIMED_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        with self.db.unit_of_work() as session:
            claimed = [ClaimedJob(**row._asdict()) for row in session.execute(statement)]
            for job in claimed:
                record_audit(
                    session,
                    "job.processing",
                    user_id=job.user_id,
                    object_type="job",
                    object_id=job.id,
                    details={"attempt": job.attempt},
                )
        return claimed

    def _transition(self, session: Session, job: ClaimedJob, **values: Any) -> None:
        result = session.execute(
            update(Job)
            .where(_owned(job))
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost(str(job.id))

    def heartbeat(self, job: ClaimedJob) -> bool:
        now = utcnow()
        try:
            with self.db.unit_of_work() as session:
                self._transition(session, job, leased_until=now + self.lease, heartbeat_at=now)
        except LeaseLost:
            return False
        return True

    def set_stage(self, job: ClaimedJob, stage: str) -> None:
        with self.db.unit_of_work() as session:
            self._transition(session, job, progress_stage=stage)

    def complete(self, session: Session, job: ClaimedJob, **values: Any) -> None:
        """Mark the job done inside the caller's transaction (which also writes the job's result)."""
        self._transition(
            session,
            job,
            state=DONE,
            finished_at=utcnow(),
            lease_token=None,
            leased_until=None,
            last_error_code=None,
            failure_diagnostic=None,
            missing_required_fields=[],
            invalid_fields=[],
            **values,
        )
        record_audit(session, "job.done", user_id=job.user_id, object_type="job", object_id=job.id)

    def needs_input(
        self,
        job: ClaimedJob,
        *,
        missing_required_fields: list[str],
        invalid_fields: list[dict[str, Any]],
        extraction: dict[str, Any] | None,
    ) -> None:
        with self.db.unit_of_work() as session:
            self._transition(
                session,
                job,
                state=NEEDS_INPUT,
                finished_at=utcnow(),
                lease_token=None,
                leased_until=None,
                missing_required_fields=missing_required_fields,
                invalid_fields=invalid_fields,
                extraction=extraction,
            )
            record_audit(session, "job.needs_input", user_id=job.user_id, object_type="job", object_id=job.id)

    def fail(self, job: ClaimedJob, *, code: str, diagnostic: str) -> None:
        with self.db.unit_of_work() as session:
            self._transition(
                session,
                job,
                state=FAILED,
                finished_at=utcnow(),
                lease_token=None,
                leased_until=None,
                last_error_code=code,
                failure_diagnostic=diagnostic[:1000],
                errors=[*job.errors, _error_entry(job, code)],
            )
            record_audit(
                session,
                "job.failed",
                user_id=job.user_id,
                object_type="job",
                object_id=job.id,
                details={"code": code},
            )

    def retry(self, job: ClaimedJob, *, code: str, delay_seconds: float) -> None:
        with self.db.unit_of_work() as session:
            self._transition(
                session,
                job,
                state=QUEUED,
                run_at=utcnow() + timedelta(seconds=delay_seconds),
                lease_token=None,
                leased_until=None,
                last_error_code=code,
                errors=[*job.errors, _error_entry(job, code)],
            )
            record_audit(
                session,
                "job.retry_scheduled",
                user_id=job.user_id,
                object_type="job",
                object_id=job.id,
                details={"code": code, "attempt": job.attempt, "delay_seconds": round(delay_seconds, 3)},
            )

    def rescue(self) -> tuple[int, int]:
        """Jobs whose lease expired (their worker died or hung): back to the queue while attempts are left,
        failed as `worker_lost` after the last one. Returns (requeued, failed)."""
        now = utcnow()
        expired = and_(Job.state == RUNNING, Job.leased_until < now)
        released = {"lease_token": None, "leased_until": None, "updated_at": now}
        with self.db.unit_of_work() as session:
            requeued = session.execute(
                update(Job)
                .where(expired, Job.attempt < Job.max_attempts)
                .values(state=QUEUED, run_at=now, last_error_code="lease_expired", **released)
                .returning(Job.id, Job.user_id)
                .execution_options(synchronize_session=False)
            ).all()
            abandoned = session.execute(
                update(Job)
                .where(expired, Job.attempt >= Job.max_attempts)
                .values(
                    state=FAILED,
                    finished_at=now,
                    last_error_code="worker_lost",
                    failure_diagnostic=WORKER_LOST_DIAGNOSTIC,
                    **released,
                )
                .returning(Job.id, Job.user_id)
                .execution_options(synchronize_session=False)
            ).all()
            for action, rows in (("job.lease_expired", requeued), ("job.failed", abandoned)):
                for job_id, user_id in rows:
                    record_audit(session, action, user_id=user_id, object_type="job", object_id=job_id)
            if requeued:
                announce_job(session)
        return len(requeued), len(abandoned)

    def depth(self, session: Session) -> int:
        """Jobs waiting to run (back-pressure)."""
        return session.scalar(select(func.count()).select_from(Job).where(Job.state == QUEUED)) or 0


def _error_entry(job: ClaimedJob, code: str) -> dict[str, Any]:
    # Codes and attempt numbers only: exception messages may quote document contents.
    return {"attempt": job.attempt, "code": code, "at": utcnow().isoformat()}

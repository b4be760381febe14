"""The durable job queue on the `jobs` table (docs/architecture.md, "Queue"; DESIGN.md §4).

Claiming is one statement per dialect: PostgreSQL locks candidate rows with FOR UPDATE SKIP LOCKED in a
materialised CTE; SQLite takes the database write lock with BEGIN IMMEDIATE and claims with
UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING. A claim hands out a lease; an expired lease makes the
job claimable again. Every later transition is a compare-and-set on (id, state, lease_token), so a worker
that lost its lease can never overwrite a newer attempt.

The hot path costs few round trips and little Python: statements are built once (Core, with bound
parameters) and, on PostgreSQL, a transition and its audit row are one statement (a data-modifying CTE),
run in autocommit unless the caller's transaction must include it. A claim is one round trip, a
completion three (BEGIN, the statement, COMMIT) beside the caller's own writes.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    String,
    Table,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import AuditLog, Job
from verae.models.job import DONE, FAILED, NEEDS_INPUT, QUEUED, RUNNING
from verae.observability.audit import record_audit
from verae.observability.metrics import LEASE_EXPIRIES
from verae.queue.wakeup import JOBS_CHANNEL

JOBS: Table = Job.__table__  # type: ignore[assignment]
AUDIT_LOGS: Table = AuditLog.__table__  # type: ignore[assignment]

# Where a job's payload keeps the trace context of the request that queued it (observability/tracing.py).
TRACE_KEY = "trace"

_CLAIMED_COLUMNS = (
    JOBS.c.id,
    JOBS.c.kind,
    JOBS.c.payload,
    JOBS.c.attempt,
    JOBS.c.max_attempts,
    JOBS.c.lease_token,
    JOBS.c.errors,
    JOBS.c.user_id,
    JOBS.c.created_at,
)


@dataclass(frozen=True)
class ClaimedJob:
    """The queue's columns of a claimed job; a handler reads its feature's own columns of the row itself."""

    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    lease_token: uuid.UUID
    errors: list[Any]
    user_id: uuid.UUID
    created_at: datetime

    @property
    def correlation_id(self) -> str:
        """The upload request's correlation id, so its logs and audit rows join up with the request's."""
        return str(self.payload.get("correlation_id") or self.id)


@dataclass(frozen=True)
class JobOutcome:
    """A job that reached `done`, `failed` or `needs_input`, as outcome listeners see it."""

    id: uuid.UUID
    kind: str
    user_id: uuid.UUID
    state: str
    error_code: str | None = None


# Called inside the transaction that records the outcome, so what a listener writes (e.g. a notification
# to send) exists exactly when the outcome does.
OutcomeListener = Callable[[Connection, JobOutcome], None]

LEASE_EXPIRED, WORKER_LOST = "lease_expired", "worker_lost"
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
    max_attempts: int,
    **columns: Any,
) -> Job:
    """Add a job in the caller's transaction, so it exists exactly when the caller's rows do. `columns` are
    the feature's own columns of the row (e.g. the upload it processes)."""
    job = Job(kind=kind, payload=payload, user_id=user_id, max_attempts=max_attempts, **columns)
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


@dataclass(frozen=True)
class _Audit:
    action: str
    details: dict[str, Any]


# The audit_logs columns a job's transition fills (the others are null or generated).
_AUDIT_COLUMNS = ("created_at", "user_id", "action", "object_type", "object_id", "correlation_id", "details")


def _audit_row(audit: _Audit, job: ClaimedJob, at: datetime) -> dict[str, Any]:
    values = (at, job.user_id, audit.action, "job", str(job.id), job.correlation_id, audit.details)
    return dict(zip(_AUDIT_COLUMNS, values, strict=True))


def _audit_from(source: Any, **columns: Any) -> Any:
    """INSERT INTO audit_logs … SELECT … FROM source: one audit row per row the source CTE changed."""
    return insert(AUDIT_LOGS).from_select(list(columns), select(*columns.values()).select_from(source))


@functools.cache
def _claim_statement(postgresql: bool) -> Executable:
    candidates = (
        select(JOBS.c.id)
        .where(JOBS.c.state == QUEUED, JOBS.c.run_at <= bindparam("now"))
        .order_by(JOBS.c.priority, JOBS.c.run_at, JOBS.c.id)  # walks the partial index ix_jobs_ready
        .limit(bindparam("limit"))
    )
    if postgresql:
        locked = candidates.with_for_update(skip_locked=True).cte("claimable").prefix_with("MATERIALIZED")
        target: Any = JOBS.c.id == locked.c.id
    else:
        target = JOBS.c.id.in_(candidates.scalar_subquery())
    claim = (
        update(JOBS)
        .where(target)
        .values(
            state=RUNNING,
            lease_token=bindparam("new_token"),
            leased_until=bindparam("lease_until"),
            heartbeat_at=bindparam("now"),
            attempt=JOBS.c.attempt + 1,
            started_at=func.coalesce(JOBS.c.started_at, bindparam("now")),
            updated_at=bindparam("now"),
        )
        .returning(*_CLAIMED_COLUMNS)
    )
    if not postgresql:
        return claim  # SQLite cannot write in a CTE: the claim's audit rows are a second statement
    claimed = claim.cte("claimed")
    audit = _audit_from(
        claimed,
        created_at=bindparam("now", type_=JOBS.c.updated_at.type),
        user_id=claimed.c.user_id,
        action=literal("job.processing"),
        object_type=literal("job"),
        object_id=cast(claimed.c.id, String),
        correlation_id=func.coalesce(
            claimed.c.payload["correlation_id"].as_string(), cast(claimed.c.id, String)
        ),
        details=func.jsonb_build_object("attempt", claimed.c.attempt),
    )
    return select(*claimed.c).add_cte(audit.cte("audit"))


@functools.cache
def _transition_statement(columns: tuple[str, ...], audited: bool, postgresql: bool) -> Executable:
    """UPDATE the job if this attempt still holds its lease (set_<column> parameters), returning its id;
    on PostgreSQL with its audit row (audit_* parameters) in the same statement."""
    moved = (
        update(JOBS)
        .where(
            JOBS.c.id == bindparam("job_id"),
            JOBS.c.state == RUNNING,
            JOBS.c.lease_token == bindparam("held_token"),
        )
        .values({column: bindparam(f"set_{column}") for column in columns})
        .returning(JOBS.c.id)
    )
    if not (audited and postgresql):
        return moved
    moved_cte = moved.cte("moved")
    audit = _audit_from(
        moved_cte,
        **{
            column: bindparam(f"audit_{column}", type_=AUDIT_LOGS.c[column].type) for column in _AUDIT_COLUMNS
        },
    )
    return select(moved_cte.c.id).add_cte(audit.cte("audit"))


class Queue:
    def __init__(
        self, db: Database, *, lease_seconds: float, outcome_listeners: Sequence[OutcomeListener] = ()
    ) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self._postgresql = not db.is_sqlite
        self.outcome_listeners = tuple(outcome_listeners)

    @contextmanager
    def _own_transaction(self) -> Iterator[Connection]:
        """For a transition that is not part of the caller's work: on PostgreSQL its one statement commits
        by itself; on SQLite the update and the audit insert share a write transaction."""
        if self._postgresql:
            with self.db.single_statement() as connection:
                yield connection
        else:
            with self.db.write_transaction() as connection:
                yield connection

    def claim(self, limit: int = 1) -> list[ClaimedJob]:
        now = utcnow()
        parameters = {"now": now, "limit": limit, "new_token": uuid.uuid4(), "lease_until": now + self.lease}
        with self._own_transaction() as connection:
            rows = connection.execute(_claim_statement(self._postgresql), parameters).all()
            claimed = [ClaimedJob(**row._asdict()) for row in rows]
            if claimed and not self._postgresql:
                connection.execute(
                    insert(AUDIT_LOGS),
                    [
                        _audit_row(_Audit("job.processing", {"attempt": job.attempt}), job, now)
                        for job in claimed
                    ],
                )
        return claimed

    @contextmanager
    def _outcome_transaction(self) -> Iterator[Connection]:
        """A final transition's transaction: with listeners, a real one they share on every database."""
        if self.outcome_listeners:
            with self.db.write_transaction() as connection:
                yield connection
        else:
            with self._own_transaction() as connection:
                yield connection

    def _tell_listeners(self, connection: Connection, outcome: JobOutcome) -> None:
        for listener in self.outcome_listeners:
            listener(connection, outcome)

    def _transition(
        self, connection: Connection, job: ClaimedJob, values: dict[str, Any], audit: _Audit | None = None
    ) -> None:
        now = utcnow()
        values = {"updated_at": now, **values}
        statement = _transition_statement(tuple(sorted(values)), audit is not None, self._postgresql)
        parameters = {"job_id": job.id, "held_token": job.lease_token}
        parameters.update({f"set_{column}": value for column, value in values.items()})
        row = _audit_row(audit, job, now) if audit is not None else None
        if row is not None and self._postgresql:
            parameters.update({f"audit_{column}": value for column, value in row.items()})
        if len(connection.execute(statement, parameters).all()) != 1:
            raise LeaseLost(str(job.id))
        if row is not None and not self._postgresql:
            connection.execute(insert(AUDIT_LOGS), row)

    def heartbeat(self, job: ClaimedJob) -> bool:
        now = utcnow()
        try:
            with self._own_transaction() as connection:
                self._transition(connection, job, {"leased_until": now + self.lease, "heartbeat_at": now})
        except LeaseLost:
            return False
        return True

    def set_stage(self, job: ClaimedJob, stage: str) -> None:
        with self._own_transaction() as connection:
            self._transition(connection, job, {"progress_stage": stage})

    def complete(self, session: Session, job: ClaimedJob, **values: Any) -> None:
        """Mark the job done inside the caller's transaction (which also writes the job's result)."""
        finished = {
            "state": DONE,
            "finished_at": utcnow(),
            "lease_token": None,
            "leased_until": None,
            "last_error_code": None,
            "failure_diagnostic": None,
            "missing_required_fields": [],
            "invalid_fields": [],
        }
        connection = session.connection()
        self._transition(connection, job, finished | values, _Audit("job.done", {}))
        self._tell_listeners(connection, JobOutcome(job.id, job.kind, job.user_id, DONE))

    def needs_input(self, job: ClaimedJob, **values: Any) -> None:
        """Park the job until a person supplies what it lacks; `values` are the feature's columns saying what."""
        waiting = {
            "state": NEEDS_INPUT,
            "finished_at": utcnow(),
            "lease_token": None,
            "leased_until": None,
            **values,
        }
        with self._outcome_transaction() as connection:
            self._transition(connection, job, waiting, _Audit("job.needs_input", {}))
            self._tell_listeners(connection, JobOutcome(job.id, job.kind, job.user_id, NEEDS_INPUT))

    def fail(self, job: ClaimedJob, *, code: str, diagnostic: str) -> None:
        failed = {
            "state": FAILED,
            "finished_at": utcnow(),
            "lease_token": None,
            "leased_until": None,
            "last_error_code": code,
            "failure_diagnostic": diagnostic[:1000],
            "errors": [*job.errors, _error_entry(job, code)],
        }
        with self._outcome_transaction() as connection:
            self._transition(connection, job, failed, _Audit("job.failed", {"code": code}))
            self._tell_listeners(connection, JobOutcome(job.id, job.kind, job.user_id, FAILED, code))

    def retry(self, job: ClaimedJob, *, code: str, delay_seconds: float) -> None:
        requeued = {
            "state": QUEUED,
            "run_at": utcnow() + timedelta(seconds=delay_seconds),
            "lease_token": None,
            "leased_until": None,
            "last_error_code": code,
            "errors": [*job.errors, _error_entry(job, code)],
        }
        details = {"code": code, "attempt": job.attempt, "delay_seconds": round(delay_seconds, 3)}
        with self._own_transaction() as connection:
            self._transition(connection, job, requeued, _Audit("job.retry_scheduled", details))

    @staticmethod
    def depth(session: Session, *, kind: str | None = None) -> int:
        """Jobs waiting to run, of one kind or of all (back-pressure)."""
        waiting = select(func.count()).select_from(Job).where(Job.state == QUEUED)
        if kind is not None:
            waiting = waiting.where(Job.kind == kind)
        return session.scalar(waiting) or 0

    def rescue(self) -> tuple[int, int]:
        """Jobs whose lease expired (their worker died or hung): back to the queue while attempts are left,
        failed as `worker_lost` after the last one, each with the expiry in its error history.
        Returns (requeued, failed)."""
        now = utcnow()
        expired = and_(Job.state == RUNNING, Job.leased_until < now)
        released = {"lease_token": None, "leased_until": None, "updated_at": now}
        with self.db.unit_of_work() as session:
            requeued = session.execute(
                update(Job)
                .where(expired, Job.attempt < Job.max_attempts)
                .values(state=QUEUED, run_at=now, last_error_code=LEASE_EXPIRED, **released)
                .returning(Job.id, Job.user_id, Job.attempt, Job.errors)
                .execution_options(synchronize_session=False)
            ).all()
            abandoned = session.execute(
                update(Job)
                .where(expired, Job.attempt >= Job.max_attempts)
                .values(
                    state=FAILED,
                    finished_at=now,
                    last_error_code=WORKER_LOST,
                    failure_diagnostic=WORKER_LOST_DIAGNOSTIC,
                    **released,
                )
                .returning(Job.id, Job.user_id, Job.attempt, Job.errors, Job.kind)
                .execution_options(synchronize_session=False)
            ).all()
            for code, action, rows in (
                (LEASE_EXPIRED, "job.lease_expired", requeued),
                (WORKER_LOST, "job.failed", abandoned),
            ):
                for job_id, user_id, attempt, errors, *_ in rows:
                    # The rows are this transaction's now: no other worker can change them until it commits.
                    entry = {"attempt": attempt, "code": code, "at": now.isoformat()}
                    session.execute(update(Job).where(Job.id == job_id).values(errors=[*errors, entry]))
                    record_audit(session, action, user_id=user_id, object_type="job", object_id=job_id)
            for job_id, user_id, _, _, kind in abandoned:
                self._tell_listeners(
                    session.connection(), JobOutcome(job_id, kind, user_id, FAILED, WORKER_LOST)
                )
            if requeued:
                announce_job(session)
        LEASE_EXPIRIES.labels("requeued").inc(len(requeued))
        LEASE_EXPIRIES.labels("failed").inc(len(abandoned))
        return len(requeued), len(abandoned)


def _error_entry(job: ClaimedJob, code: str) -> dict[str, Any]:
    # Codes and attempt numbers only: exception messages may quote document contents.
    return {"attempt": job.attempt, "code": code, "at": utcnow().isoformat()}

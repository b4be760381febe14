"""The jobs-table queue itself: claims, leases, compare-and-set transitions — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from verae.config import Settings
from verae.kit.blobstore import LocalBlobStore
from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import AuditLog, Job, User
from verae.observability.context import current_correlation_id
from verae.queue.context import JobContext
from verae.queue.queue import ClaimedJob, LeaseLost, Queue, backoff_seconds, enqueue
from verae.queue.worker import Worker


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=8)
    yield database
    database.dispose()


@pytest.fixture
def user_id(db: Database) -> uuid.UUID:
    with db.unit_of_work() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        return user.id


def _enqueue(db: Database, user_id: uuid.UUID, count: int, max_attempts: int = 3) -> list[uuid.UUID]:
    with db.unit_of_work() as session:
        return [
            enqueue(
                session, kind="noop", payload={}, user_id=user_id, upload_id=None, max_attempts=max_attempts
            ).id
            for _ in range(count)
        ]


def _state(db: Database, job_id: uuid.UUID) -> Job:
    with db.unit_of_work(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _expire_lease(db: Database, job_id: uuid.UUID) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(leased_until=utcnow() - timedelta(seconds=1))
        )


def test_concurrent_claimers_never_get_the_same_job(db: Database, user_id: uuid.UUID) -> None:
    job_ids = set(_enqueue(db, user_id, 120))
    queue = Queue(db, lease_seconds=60)
    claimed: list[list[uuid.UUID]] = [[] for _ in range(4)]
    # A claim takes about a millisecond: without a common start and a little "work" between claims, one
    # thread can drain the queue alone (on SQLite the others sleep in the busy handler meanwhile).
    start = threading.Barrier(4)

    def claimer(index: int) -> None:
        start.wait(10)
        while batch := queue.claim(limit=3):
            claimed[index].extend(job.id for job in batch)
            time.sleep(0.005)

    threads = [threading.Thread(target=claimer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every_claim = [job_id for per_thread in claimed for job_id in per_thread]
    assert len(every_claim) == len(set(every_claim)) == 120
    assert set(every_claim) == job_ids
    assert sum(1 for per_thread in claimed if per_thread) >= 2  # the claimers really competed


def test_claim_takes_jobs_in_priority_then_run_at_order_and_skips_future_ones(
    db: Database, user_id: uuid.UUID
) -> None:
    later, urgent, normal = _enqueue(db, user_id, 3)
    with db.unit_of_work() as session:
        session.execute(update(Job).where(Job.id == later).values(run_at=utcnow() + timedelta(hours=1)))
        session.execute(update(Job).where(Job.id == urgent).values(priority=-1))
    queue = Queue(db, lease_seconds=60)
    assert [job.id for job in queue.claim(limit=5)] == [urgent, normal]
    assert queue.claim(limit=5) == []


def test_an_expired_lease_is_rescued_and_the_stale_worker_cannot_finish(
    db: Database, user_id: uuid.UUID
) -> None:
    (job_id,) = _enqueue(db, user_id, 1)
    queue = Queue(db, lease_seconds=60)
    (first,) = queue.claim()
    assert queue.claim() == []  # leased
    assert queue.rescue() == (0, 0)  # the lease is still valid
    _expire_lease(db, job_id)
    assert queue.rescue() == (1, 0)
    assert _state(db, job_id).last_error_code == "lease_expired"
    (second,) = queue.claim()
    assert second.id == job_id
    assert second.attempt == 2
    assert second.lease_token != first.lease_token

    with pytest.raises(LeaseLost), db.unit_of_work() as session:
        queue.complete(session, first)
    with pytest.raises(LeaseLost):
        queue.fail(first, code="x", diagnostic="stale")
    with pytest.raises(LeaseLost):
        queue.retry(first, code="x", delay_seconds=0)
    assert queue.heartbeat(first) is False
    assert _state(db, job_id).state == "running"

    with db.unit_of_work() as session:
        queue.complete(session, second)
    assert _state(db, job_id).state == "done"
    with db.unit_of_work(write=False) as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == str(job_id)).order_by(AuditLog.id)
        ).all()
    # The stale attempt's refused transitions left no audit rows.
    assert actions == ["job.queued", "job.processing", "job.lease_expired", "job.processing", "job.done"]


def test_heartbeat_extends_the_lease(db: Database, user_id: uuid.UUID) -> None:
    (job_id,) = _enqueue(db, user_id, 1)
    queue = Queue(db, lease_seconds=30)
    (job,) = queue.claim()
    before = _state(db, job_id).leased_until
    time.sleep(0.05)
    assert queue.heartbeat(job) is True
    after = _state(db, job_id).leased_until
    assert before is not None
    assert after is not None
    assert after > before


def test_retry_requeues_with_a_delay_and_records_the_error(db: Database, user_id: uuid.UUID) -> None:
    (job_id,) = _enqueue(db, user_id, 1)
    queue = Queue(db, lease_seconds=30)
    (job,) = queue.claim()
    queue.retry(job, code="database_unavailable", delay_seconds=120)
    stored = _state(db, job_id)
    assert stored.state == "queued"
    assert stored.lease_token is None
    assert stored.run_at > utcnow() + timedelta(seconds=100)
    assert stored.errors == [{"attempt": 1, "code": "database_unavailable", "at": stored.errors[0]["at"]}]
    assert queue.claim() == []


def test_a_job_abandoned_on_its_last_attempt_is_failed_not_run_again(
    db: Database, user_id: uuid.UUID
) -> None:
    (job_id,) = _enqueue(db, user_id, 1, max_attempts=1)
    queue = Queue(db, lease_seconds=30)
    assert len(queue.claim()) == 1
    _expire_lease(db, job_id)
    assert queue.rescue() == (0, 1)
    assert queue.claim() == []
    stored = _state(db, job_id)
    assert (stored.state, stored.last_error_code) == ("failed", "worker_lost")


def test_depth_counts_waiting_jobs(db: Database, user_id: uuid.UUID) -> None:
    _enqueue(db, user_id, 3)
    queue = Queue(db, lease_seconds=30)
    queue.claim()
    with db.unit_of_work(write=False) as session:
        assert queue.depth(session) == 2


def test_claimed_job_carries_what_the_handler_needs(db: Database, user_id: uuid.UUID) -> None:
    (job_id,) = _enqueue(db, user_id, 1)
    (job,) = Queue(db, lease_seconds=30).claim()
    assert isinstance(job, ClaimedJob)
    assert (job.id, job.user_id, job.kind, job.attempt) == (job_id, user_id, "noop", 1)
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(Job.started_at).where(Job.id == job_id)) is not None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_seconds(attempt, base=2, cap=300, rng=rng) for attempt in range(1, 12)]
    assert 1 <= delays[0] <= 3
    assert 4 <= delays[2] <= 12
    assert all(delay <= 450 for delay in delays)
    assert delays[-1] >= 150
    assert len({round(delay, 6) for delay in delays}) == len(delays)


def test_audit_rows_of_a_job_carry_its_correlation_id(db: Database, user_id: uuid.UUID) -> None:
    # On PostgreSQL the claim's and the transitions' audit rows are written inside their statements.
    with db.unit_of_work() as session:
        job_id = enqueue(
            session,
            kind="noop",
            payload={"correlation_id": "upload-request-1"},
            user_id=user_id,
            upload_id=None,
            max_attempts=3,
        ).id
    queue = Queue(db, lease_seconds=30)
    (job,) = queue.claim()
    queue.retry(job, code="timeout", delay_seconds=0)
    (job,) = queue.claim()
    with db.unit_of_work() as session:
        queue.complete(session, job)
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(AuditLog.action, AuditLog.correlation_id, AuditLog.details)
            .where(AuditLog.object_id == str(job_id), AuditLog.action != "job.queued")
            .order_by(AuditLog.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("job.processing", "upload-request-1", {"attempt": 1}),
        ("job.retry_scheduled", "upload-request-1", {"code": "timeout", "attempt": 1, "delay_seconds": 0}),
        ("job.processing", "upload-request-1", {"attempt": 2}),
        ("job.done", "upload-request-1", {}),
    ]


def test_the_worker_keeps_the_lease_of_a_job_that_outlasts_it(
    db: Database, user_id: uuid.UUID, settings: Settings
) -> None:
    (job_id,) = _enqueue(db, user_id, 1)
    seen: dict[str, object] = {}

    def slow(job: ClaimedJob, context: JobContext) -> None:
        time.sleep(2.5)  # two and a half leases
        seen["rescued"] = context.queue.rescue()  # what another worker's rescue would find now
        seen["correlation_id"] = current_correlation_id()
        with context.db.unit_of_work() as session:
            context.queue.complete(session, job)

    short_lease = settings.model_copy(update={"job_lease_seconds": 1.0})
    worker = Worker(
        db=db, blobs=LocalBlobStore(settings.blob_dir), settings=short_lease, handlers={"noop": slow}
    )
    assert worker.run_pending() == 1
    assert seen == {"rescued": (0, 0), "correlation_id": str(job_id)}
    assert current_correlation_id() is None  # the job's id is not left bound after it
    stored = _state(db, job_id)
    assert (stored.state, stored.attempt) == ("done", 1)


def test_lease_expiries_are_recorded_in_the_jobs_error_history(db: Database, user_id: uuid.UUID) -> None:
    (job_id,) = _enqueue(db, user_id, 1, max_attempts=2)
    queue = Queue(db, lease_seconds=30)
    for expected in ((1, 0), (0, 1)):
        assert len(queue.claim()) == 1
        _expire_lease(db, job_id)
        assert queue.rescue() == expected
    stored = _state(db, job_id)
    assert [(entry["attempt"], entry["code"]) for entry in stored.errors] == [
        (1, "lease_expired"),
        (2, "worker_lost"),
    ]

"""Accepting an upload: stream to the blob store, decide the type by content, then one transaction for
the upload row and its job. A blob without rows is deleted; rows without a blob are never written."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from verae.config import Settings
from verae.jobs import repository as jobs
from verae.kit.db import Database
from verae.kit.pagination import PageParams
from verae.kit.time import seconds_until, utcnow
from verae.models import Job, Upload
from verae.observability.audit import record_audit, record_event
from verae.observability.context import current_correlation_id
from verae.observability.tracing import trace_carrier
from verae.queue.queue import TRACE_KEY, Queue, enqueue
from verae.uploads import repository
from verae.uploads.errors import (
    DailyUploadQuotaExceeded,
    IdempotencyKeyReused,
    QueueFull,
    TooManyWaitingUploads,
    UploadNotFound,
)
from verae.uploads.receive import ReceivedFile
from verae.uploads.schemas import UploadOut, UploadPage

PROCESS_UPLOAD = "process_upload"
QUEUE_FULL_RETRY_AFTER_SECONDS = 30
# Every upload's blob lives in this folder of the blob store, and nothing else does.
BLOB_FOLDER = "uploads"


def admit_upload(session: Session, settings: Settings, user_id: uuid.UUID) -> None:
    """Before the body streams: refuse when the queue is full or the person's quota is used up (so one
    account cannot fill the queue for everyone, or the disk), else count the upload as started."""
    # Only uploads waiting count: webhook deliveries waiting out their retry backoff for a receiver that is
    # down must not refuse everyone's uploads.
    if Queue.depth(session, kind=PROCESS_UPLOAD) >= settings.max_queue_depth:
        raise QueueFull(retry_after_seconds=QUEUE_FULL_RETRY_AFTER_SECONDS)
    if jobs.count_unfinished_jobs_of_user(session, user_id) >= settings.upload_max_waiting_jobs_per_user:
        raise TooManyWaitingUploads(retry_after_seconds=QUEUE_FULL_RETRY_AFTER_SECONDS)
    day_start = utcnow() - timedelta(days=1)
    stored, oldest = repository.bytes_uploaded_by_user(session, user_id, since=day_start)
    if stored >= settings.upload_max_bytes_per_day:
        raise DailyUploadQuotaExceeded(
            retry_after_seconds=seconds_until(oldest + timedelta(days=1)),
            limit_bytes=settings.upload_max_bytes_per_day,
        )
    record_event(session, "upload_started", user_id=user_id)


def blob_key(upload_id: uuid.UUID) -> str:
    return f"{BLOB_FOLDER}/{upload_id}"


def earlier_upload_job(
    session: Session, user_id: uuid.UUID, idempotency_key: str, received: ReceivedFile
) -> Job | None:
    """The job of the person's earlier upload under this idempotency key (a client's retry): the same file
    gets the same answer; another file under the same key is refused."""
    found = repository.earlier_upload_under_key(session, user_id, idempotency_key)
    if found is None:
        return None
    sha256, job = found
    if sha256 != received.sha256.hexdigest():
        raise IdempotencyKeyReused()
    return job


def store_upload(
    db: Database,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    upload_id: uuid.UUID,
    received: ReceivedFile,
    media_type: str,
    idempotency_key: str | None,
    external_id: str | None = None,
) -> tuple[Job, bool]:
    """The upload's job, in a transaction of its own; True when it is an earlier upload's (a retry under
    the same idempotency key), whose blob then makes this one's redundant."""

    def earlier() -> Job | None:
        if idempotency_key is None:
            return None
        with db.unit_of_work(write=False) as session:
            return earlier_upload_job(session, user_id, idempotency_key, received)

    if job := earlier():
        return job, True
    try:
        with db.own_unit_of_work() as session:
            job = create_upload_and_job(
                session,
                settings,
                user_id=user_id,
                upload_id=upload_id,
                received=received,
                media_type=media_type,
                idempotency_key=idempotency_key,
                external_id=external_id,
            )
        return job, False
    except IntegrityError:
        if job := earlier():  # a concurrent retry under the same key committed first
            return job, True
        raise


def create_upload_and_job(
    session: Session,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    upload_id: uuid.UUID,
    received: ReceivedFile,
    media_type: str,
    idempotency_key: str | None = None,
    external_id: str | None = None,
) -> Job:
    upload = Upload(
        id=upload_id,
        user_id=user_id,
        filename=received.filename,
        media_type=media_type,
        size_bytes=received.size,
        sha256=received.sha256.hexdigest(),
        blob_key=blob_key(upload_id),
        idempotency_key=idempotency_key,
        external_id=external_id,
    )
    session.add(upload)
    session.flush()
    job = enqueue(
        session,
        kind=PROCESS_UPLOAD,
        payload={"correlation_id": current_correlation_id(), TRACE_KEY: trace_carrier()},
        user_id=user_id,
        upload_id=upload_id,
        max_attempts=settings.job_max_attempts,
    )
    record_audit(
        session,
        "upload.created",
        user_id=user_id,
        object_type="upload",
        object_id=upload_id,
        details={"media_type": media_type, "size_bytes": received.size},
    )
    record_event(session, "upload_success", user_id=user_id, properties={"media_type": media_type})
    record_event(session, "job_created", user_id=user_id, properties={"job_id": str(job.id)})
    return job


def list_uploads(session: Session, user_id: uuid.UUID, page: PageParams) -> UploadPage:
    uploads, total = repository.list_uploads_of_user(session, user_id, page)
    return UploadPage(
        items=[UploadOut.model_validate(upload) for upload in uploads],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def get_upload(session: Session, upload_id: uuid.UUID, user_id: uuid.UUID) -> UploadOut:
    upload = repository.get_upload_of_user(session, upload_id, user_id)
    if upload is None:
        raise UploadNotFound()
    return UploadOut.model_validate(upload)

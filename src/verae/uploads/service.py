"""Accepting an upload: stream to the blob store, decide the type by content, then one transaction for
the upload row and its job. A blob without rows is deleted; rows without a blob are never written."""

from __future__ import annotations

import uuid

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request

from verae.kit.deps import Services
from verae.kit.errors import AppError, ConflictError, TooManyRequestsError
from verae.models import Job, Upload
from verae.observability.audit import record_audit, record_event
from verae.observability.context import current_correlation_id
from verae.queue.queue import Queue, enqueue
from verae.uploads.receive import ReceivedFile, receive_file
from verae.uploads.sniff import ACCEPTED_MEDIA_TYPES, sniff_media_type

PROCESS_UPLOAD = "process_upload"
QUEUE_FULL_RETRY_AFTER_SECONDS = 30
# Every upload's blob lives in this folder of the blob store, and nothing else does.
BLOB_FOLDER = "uploads"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


def refuse_when_queue_full(session: Session, services: Services) -> None:
    queue = Queue(services.db, lease_seconds=services.settings.job_lease_seconds)
    if queue.depth(session) >= services.settings.max_queue_depth:
        raise TooManyRequestsError(
            "We are processing many documents right now. Please try again shortly.",
            retry_after_seconds=QUEUE_FULL_RETRY_AFTER_SECONDS,
            code="queue_full",
        )


def record_upload_started(session: Session, user_id: uuid.UUID) -> None:
    record_event(session, "upload_started", user_id=user_id)


async def receive_upload(
    request: Request, services: Services, upload_id: uuid.UUID
) -> tuple[ReceivedFile, str]:
    """Stream the file into the blob store under the upload's key; the blob exists only if this returns."""
    limit = services.settings.max_upload_bytes
    writer = services.blobs.open_writer(blob_key(upload_id))
    try:
        received = await receive_file(request, writer, limit, services.upload_threads)
        if received.size == 0:
            raise AppError("The file is empty.", code="empty_file")
        media_type = sniff_media_type(received.head, complete=received.size <= len(received.head))
        if media_type is None:
            raise UnsupportedMediaType(
                "This kind of file is not supported. Upload a PDF, PNG, JPEG, CSV or JSON file.",
                details={"accepted": list(ACCEPTED_MEDIA_TYPES)},
            )
    except BaseException:
        writer.abort()
        raise
    # Off the event loop: committing is an fsync here and a network round trip on S3.
    await to_thread.run_sync(writer.commit, limiter=services.upload_threads)
    return received, media_type


def blob_key(upload_id: uuid.UUID) -> str:
    return f"{BLOB_FOLDER}/{upload_id}"


def earlier_upload_job(
    session: Session, user_id: uuid.UUID, idempotency_key: str, received: ReceivedFile
) -> Job | None:
    """The job of the person's earlier upload under this idempotency key (a client's retry): the same file
    gets the same answer; another file under the same key is refused."""
    found = session.execute(
        select(Upload.sha256, Job)
        .join(Job, Job.upload_id == Upload.id)
        .where(Upload.user_id == user_id, Upload.idempotency_key == idempotency_key)
        .order_by(Job.created_at)
        .limit(1)
    ).first()
    if found is None:
        return None
    sha256, job = found
    if sha256 != received.sha256.hexdigest():
        raise ConflictError(
            "This Idempotency-Key was already used for another file. Use a new key for a new upload.",
            code="idempotency_key_reused",
        )
    return job


def store_upload(
    services: Services,
    *,
    user_id: uuid.UUID,
    upload_id: uuid.UUID,
    received: ReceivedFile,
    media_type: str,
    idempotency_key: str | None,
) -> tuple[Job, bool]:
    """The upload's job, in a transaction of its own; True when it is an earlier upload's (a retry under
    the same idempotency key), whose blob then makes this one's redundant."""

    def earlier() -> Job | None:
        if idempotency_key is None:
            return None
        with services.db.unit_of_work(write=False) as session:
            return earlier_upload_job(session, user_id, idempotency_key, received)

    if job := earlier():
        return job, True
    try:
        with services.db.unit_of_work() as session:
            job = create_upload_and_job(
                session,
                services,
                user_id=user_id,
                upload_id=upload_id,
                received=received,
                media_type=media_type,
                idempotency_key=idempotency_key,
            )
        return job, False
    except IntegrityError:
        if job := earlier():  # a concurrent retry under the same key committed first
            return job, True
        raise


def create_upload_and_job(
    session: Session,
    services: Services,
    *,
    user_id: uuid.UUID,
    upload_id: uuid.UUID,
    received: ReceivedFile,
    media_type: str,
    idempotency_key: str | None = None,
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
    )
    session.add(upload)
    session.flush()
    job = enqueue(
        session,
        kind=PROCESS_UPLOAD,
        payload={"correlation_id": current_correlation_id()},
        user_id=user_id,
        upload_id=upload_id,
        max_attempts=services.settings.job_max_attempts,
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

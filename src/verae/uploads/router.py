from __future__ import annotations

import uuid
from typing import Annotated

from anyio import CancelScope, to_thread
from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from verae.auth.dependencies import BearerCredentials, CurrentUser, authenticate
from verae.auth.errors import BEARER_ERRORS
from verae.jobs.schemas import JobOut
from verae.kit.deps import Services, ServicesDep, SessionDep
from verae.kit.errors import StorageUnavailable, ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.kit.runtime import effective_settings
from verae.models import Job
from verae.observability.logging import get_logger
from verae.orgs.scopes import UPLOAD_SCOPES, Scope
from verae.uploads import service
from verae.uploads.errors import (
    DailyUploadQuotaExceeded,
    EmptyFile,
    IdempotencyKeyReused,
    InvalidMultipart,
    MissingFile,
    PayloadTooLarge,
    QueueFull,
    TooManyWaitingUploads,
    UnsupportedMediaType,
    UploadNotFound,
)
from verae.uploads.receive import receive_upload
from verae.uploads.schemas import UploadAccepted, UploadLimits, UploadOut, UploadPage

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"], responses=error_responses(*BEARER_ERRORS))
log = get_logger("verae.uploads")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[A-Za-z0-9._:-]{1,128}$",
        description="Any unique string per upload (e.g. a UUID). Sending the same file again with the "
        "same key (a retry after a timeout) answers with the first upload's job instead of creating "
        "another; another file under a used key is 409 idempotency_key_reused.",
    ),
]
ExternalId = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9._:/-]{1,128}$",
        description="An organisation's own reference for the patient; `GET /results?external_id=` lists "
        "the results under it.",
    ),
]

MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=MULTIPART_BODY,
    responses=error_responses(
        EmptyFile,
        InvalidMultipart,
        MissingFile,
        IdempotencyKeyReused,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        QueueFull,
        TooManyWaitingUploads,
        DailyUploadQuotaExceeded,
        StorageUnavailable,
    ),
)
async def create_upload(
    request: Request,
    response: Response,
    credentials: BearerCredentials,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
    external_id: ExternalId = None,
) -> UploadAccepted:
    """Upload a lab report (PDF, PNG, JPEG, CSV or JSON; field `file`). Processing continues in the
    background: poll the job in the Location header."""
    job, upload_id = await accept_upload(
        request, credentials, services, idempotency_key=idempotency_key, external_id=external_id
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return UploadAccepted(job_id=job.id, upload_id=upload_id, status=JobOut.of(job).status)


async def accept_upload(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    services: Services,
    *,
    idempotency_key: str | None,
    external_id: str | None,
    scopes: tuple[Scope, ...] = UPLOAD_SCOPES,
) -> tuple[Job, uuid.UUID]:
    """Authenticate and admit, stream the file, store the upload and its job: the job and the upload id."""

    def admit() -> tuple[uuid.UUID, int]:
        # The limits an admin may have changed at runtime, over the environment's.
        limits = effective_settings(services.db, services.settings)
        # One short transaction before the body streams, so none is held while it arrives.
        with services.db.own_unit_of_work() as session:
            user = authenticate(services, session, credentials, scopes=scopes).user
            service.admit_upload(session, limits, user.id)
            return user.id, limits.max_upload_bytes

    user_id, max_upload_bytes = await to_thread.run_sync(admit, limiter=services.upload_threads)
    upload_id = uuid.uuid4()
    writer = services.blobs.open_writer(service.blob_key(upload_id))
    received, media_type = await receive_upload(request, writer, max_upload_bytes, services.upload_threads)

    def persist() -> tuple[Job, bool]:
        return service.store_upload(
            services.db,
            services.settings,
            user_id=user_id,
            upload_id=upload_id,
            received=received,
            media_type=media_type,
            idempotency_key=idempotency_key,
            external_id=external_id,
        )

    try:
        job, replayed = await to_thread.run_sync(persist, limiter=services.upload_threads)
    except BaseException:
        with CancelScope(shield=True):  # off the event loop, and not cut short by a client that went away
            await to_thread.run_sync(_discard_blob, services, upload_id, limiter=services.upload_threads)
        raise
    if replayed:  # the earlier upload has the same file
        await to_thread.run_sync(_discard_blob, services, upload_id, limiter=services.upload_threads)
    else:
        services.wakeup.notify()
    return job, job.upload_id or upload_id


def _discard_blob(services: Services, upload_id: uuid.UUID) -> None:
    """Best effort, so the request's own outcome is what the client sees: a blob left behind belongs to no
    upload, and `verae blobs sweep` deletes it later."""
    try:
        services.blobs.delete(service.blob_key(upload_id))
    except Exception as error:
        log.warning("blob_discard_failed", error_type=type(error).__name__)


@router.get("", responses=error_responses(ValidationFailed))
def list_uploads(
    user: CurrentUser, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> UploadPage:
    return service.list_uploads(session, user.id, page)


@router.get("/limits")
def upload_limits(_: CurrentUser, services: ServicesDep) -> UploadLimits:
    """The limits in force now, so a client can say them and check a file before sending it."""
    return UploadLimits(max_bytes=effective_settings(services.db, services.settings).max_upload_bytes)


@router.get("/{upload_id}", responses=error_responses(UploadNotFound, ValidationFailed))
def get_upload(upload_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> UploadOut:
    return service.get_upload(session, upload_id, user.id)

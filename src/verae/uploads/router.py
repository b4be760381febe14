from __future__ import annotations

import contextlib
import uuid
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Request, Response, status

from verae.auth.dependencies import BearerCredentials, CurrentUser, authenticate
from verae.kit.blobstore import BlobStoreUnavailable
from verae.kit.deps import Services, ServicesDep, SessionDep
from verae.kit.errors import NotFoundError, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.models import Job
from verae.uploads import repository, service
from verae.uploads.schemas import UploadAccepted, UploadOut, UploadPage

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"])
_AUTH_ERRORS = ((401, "missing_token"), (401, "invalid_token"), (401, "token_expired"))

_MULTIPART_BODY = {
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
    openapi_extra=_MULTIPART_BODY,
    responses=error_responses(
        *_AUTH_ERRORS,
        (400, "empty_file"),
        (400, "invalid_multipart"),
        (400, "missing_file"),
        (409, "idempotency_key_reused"),
        (413, "payload_too_large"),
        (415, "unsupported_media_type"),
        (429, "queue_full"),
        (503, "storage_unavailable"),
    ),
)
async def create_upload(
    request: Request,
    response: Response,
    credentials: BearerCredentials,
    services: ServicesDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=r"^[A-Za-z0-9._:-]{1,128}$",
            description="Any unique string per upload (e.g. a UUID). Sending the same file again with the "
            "same key (a retry after a timeout) answers with the first upload's job instead of creating "
            "another; another file under a used key is 409 idempotency_key_reused.",
        ),
    ] = None,
) -> UploadAccepted:
    """Upload a lab report (PDF, PNG, JPEG, CSV or JSON; field `file`). Processing continues in the
    background: poll the job in the Location header."""

    def admit() -> uuid.UUID:
        # One short transaction before the body streams, so none is held while it arrives.
        with services.db.unit_of_work() as session:
            principal = authenticate(services, session, credentials)
            service.refuse_when_queue_full(session, services)
            service.record_upload_started(session, principal.user.id)
            return principal.user.id

    user_id = await to_thread.run_sync(admit, limiter=services.upload_threads)
    upload_id = uuid.uuid4()
    received, media_type = await service.receive_upload(request, services, upload_id)

    def persist() -> tuple[Job, bool]:
        return service.store_upload(
            services,
            user_id=user_id,
            upload_id=upload_id,
            received=received,
            media_type=media_type,
            idempotency_key=idempotency_key,
        )

    try:
        job, replayed = await to_thread.run_sync(persist, limiter=services.upload_threads)
    except BaseException:
        _discard_blob(services, upload_id)
        raise
    if replayed:  # the earlier upload has the same file
        await to_thread.run_sync(_discard_blob, services, upload_id, limiter=services.upload_threads)
    else:
        services.wakeup.notify()
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return UploadAccepted(job_id=job.id, upload_id=job.upload_id or upload_id)


def _discard_blob(services: Services, upload_id: uuid.UUID) -> None:
    """Best effort: a blob left behind belongs to no upload, and `verae blobs sweep` deletes it later."""
    with contextlib.suppress(BlobStoreUnavailable):
        services.blobs.delete(service.blob_key(upload_id))


@router.get("", responses=error_responses(*_AUTH_ERRORS))
def list_uploads(
    user: CurrentUser, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> UploadPage:
    uploads, total = repository.list_uploads_of_user(session, user.id, page.limit, page.offset)
    return UploadPage(
        items=[UploadOut.model_validate(upload) for upload in uploads],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{upload_id}", responses=error_responses(*_AUTH_ERRORS, (404, "upload_not_found")))
def get_upload(upload_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> UploadOut:
    upload = repository.get_upload_of_user(session, upload_id, user.id)
    if upload is None:
        raise NotFoundError("No such upload.", code="upload_not_found")
    return UploadOut.model_validate(upload)

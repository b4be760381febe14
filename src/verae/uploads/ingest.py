"""POST /api/v1/ingest: an organisation's upload that waits for its job, for partners who want the answer
in the same call. The job is the same as an upload's; when the wait ends first it simply keeps running."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from anyio import sleep, to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from verae.auth.dependencies import BearerCredentials
from verae.auth.errors import BEARER_ERRORS, MissingToken
from verae.jobs import repository as jobs
from verae.jobs.schemas import JobOut
from verae.kit.deps import Services, ServicesDep
from verae.kit.errors import StorageUnavailable, ValidationFailed, error_responses
from verae.models.job import DONE, FAILED, NEEDS_INPUT
from verae.orgs.errors import ApiKeyRequired
from verae.orgs.keys import is_api_key
from verae.orgs.scopes import INGEST_SCOPES
from verae.results import service as results
from verae.results.schemas import ResultOut
from verae.uploads.errors import (
    DailyUploadQuotaExceeded,
    DeadlineExceeded,
    EmptyFile,
    IdempotencyKeyReused,
    InvalidMultipart,
    MissingFile,
    PayloadTooLarge,
    QueueFull,
    TooManyWaitingUploads,
    UnsupportedMediaType,
)
from verae.uploads.router import MULTIPART_BODY, ExternalId, IdempotencyKey, accept_upload

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"], responses=error_responses(*BEARER_ERRORS))

# Polls start quick (a structured file is done in well under a second) and back off to this.
_MAX_POLL_SECONDS = 0.5


class IngestOut(BaseModel):
    status: str
    job: JobOut
    result: ResultOut | None = None


_ENDED = {DONE, FAILED, NEEDS_INPUT}
_422 = {
    "description": "The job ended as `needs_input` or `failed`: its body (`job`) says what is missing or "
    "why, as `GET /jobs/{id}` would. Error codes: `validation_error` (a malformed request).",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/IngestOut"},
                    {"$ref": "#/components/schemas/ErrorBody"},
                ]
            }
        }
    },
}


@router.post(
    "",
    response_model=IngestOut,
    openapi_extra=MULTIPART_BODY,
    responses={
        **error_responses(
            ApiKeyRequired,
            EmptyFile,
            InvalidMultipart,
            MissingFile,
            IdempotencyKeyReused,
            PayloadTooLarge,
            UnsupportedMediaType,
            QueueFull,
            TooManyWaitingUploads,
            DailyUploadQuotaExceeded,
            StorageUnavailable,
            DeadlineExceeded,
            ValidationFailed,
        ),
        422: _422,
    },
)
async def ingest(
    request: Request,
    credentials: BearerCredentials,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
    external_id: ExternalId = None,
    wait: Annotated[
        float | None,
        Query(gt=0, description="Seconds to wait for the job (default and maximum: the server's settings)"),
    ] = None,
) -> Any:
    """Upload a report and wait for it (API keys with `uploads:write` and `results:read`): 200 with the
    result, 422 with the job when it needs input or failed, 504 `deadline_exceeded` (with `Location`) when
    the wait ends first — the job keeps running."""
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    if not is_api_key(credentials.credentials):
        raise ApiKeyRequired()
    settings = services.settings
    deadline = time.monotonic() + min(wait or settings.ingest_wait_seconds, settings.ingest_max_wait_seconds)
    job, _ = await accept_upload(
        request,
        credentials,
        services,
        idempotency_key=idempotency_key,
        external_id=external_id,
        scopes=INGEST_SCOPES,
    )
    pause = 0.05
    while (state := await to_thread.run_sync(_job_state, services, job.id)) not in _ENDED:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            location = f"/api/v1/jobs/{job.id}"
            raise DeadlineExceeded(details={"job_id": str(job.id)}, headers={"Location": location})
        await sleep(min(pause, remaining))
        pause = min(_MAX_POLL_SECONDS, pause * 2)
    answer = await to_thread.run_sync(_answer, services, job.id, job.user_id)
    if state == DONE:
        return answer
    return JSONResponse(answer.model_dump(mode="json"), status_code=422)


def _job_state(services: Services, job_id: uuid.UUID) -> str | None:
    with services.db.unit_of_work(write=False) as session:
        found = jobs.get_job(session, job_id)
        return found.state if found is not None else None


def _answer(services: Services, job_id: uuid.UUID, user_id: uuid.UUID) -> IngestOut:
    with services.db.unit_of_work() as session:
        job = jobs.get_job(session, job_id)
        assert job is not None  # it was there a moment ago and an organisation's jobs are not deleted
        out = JobOut.of(job)
        result = results.view_result(session, job.result_id, user_id) if job.state == DONE else None
        return IngestOut(status=out.status, job=out, result=result)

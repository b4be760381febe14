from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool

from verae.auth.dependencies import BearerCredentials, CurrentUser
from verae.auth.errors import BEARER_ERRORS
from verae.jobs import service
from verae.jobs.errors import (
    InvalidInputs,
    JobBusy,
    JobNotAwaitingInput,
    JobNotFound,
    NoPageImages,
    PageNotFound,
)
from verae.jobs.schemas import JobOut, JobPage, JobValues, ReviewedValues, SuppliedInput
from verae.kit.deps import ServicesDep, SessionDep, WriteSessionDep, get_services
from verae.kit.errors import ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], responses=error_responses(*BEARER_ERRORS))


@router.get("", responses=error_responses(ValidationFailed))
def list_jobs(
    user: CurrentUser, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> JobPage:
    """The person's jobs, newest first."""
    return service.list_jobs(session, user.id, page)


@router.get("/{job_id}", responses=error_responses(JobNotFound, ValidationFailed))
async def get_job(job_id: uuid.UUID, request: Request, credentials: BearerCredentials) -> JobOut:
    # The status endpoint is what clients poll, so it is one threadpool call holding one connection for
    # one statement (authentication and the read together, no BEGIN/COMMIT). Through the sync dependencies
    # (one threadpool hop each) a request held its connection while it queued for the next thread, and
    # under 200 pollers every thread ended up waiting for a connection held by a request waiting for a
    # thread (docs/reliability.md, "Load").
    services = get_services(request)
    return await run_in_threadpool(service.polled_job_status, services, credentials, job_id)


@router.post(
    "/{job_id}/inputs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(InvalidInputs, JobNotFound, JobNotAwaitingInput, ValidationFailed),
)
def supply_inputs(
    job_id: uuid.UUID,
    inputs: Annotated[
        dict[str, SuppliedInput],
        Body(examples=[{"sex": "male", "age": 41}, {"mcv": {"value": 72, "unit": "fL"}}]),
    ],
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    background: BackgroundTasks,
) -> JobOut:
    """Supply what a `needs_input` job is missing (or correct what was invalid); the job is requeued."""
    job = service.supply_inputs(session, job_id, user.id, inputs)
    background.add_task(services.wakeup.notify)  # after the commit, so a woken worker finds the job
    return JobOut.of(job)


@router.get("/{job_id}/values", responses=error_responses(JobNotFound, ValidationFailed))
def get_values(job_id: uuid.UUID, user: CurrentUser, session: WriteSessionDep) -> JobValues:
    """What was read from the document and the values currently in use, for review (the read is
    audited)."""
    return service.job_values(session, job_id, user.id)


@router.get(
    "/{job_id}/pages/{page}",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The page as a PNG"},
        **error_responses(JobNotFound, PageNotFound, NoPageImages, ValidationFailed),
    },
)
def get_page(
    job_id: uuid.UUID, page: Annotated[int, Path(ge=1)], credentials: BearerCredentials, services: ServicesDep
) -> Response:
    """A page of the job's document as a PNG (at most 1400 px on its longer side), in the frame the values'
    `bbox` refers to: the review screen highlights a value's box on it. The view is audited; like every
    API response it is `no-store`."""
    return Response(service.page_image(services, credentials, job_id, page), media_type="image/png")


@router.put(
    "/{job_id}/values",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(InvalidInputs, JobNotFound, JobBusy, ValidationFailed),
)
def review_values(
    job_id: uuid.UUID,
    reviewed: ReviewedValues,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    background: BackgroundTasks,
) -> JobOut:
    """Replace the values with a reviewed set (corrections, or values typed in when a document could not
    be read); the estimate is computed again and the job's result is replaced."""
    job = service.review_values(session, job_id, user.id, reviewed)
    background.add_task(services.wakeup.notify)
    return JobOut.of(job)

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Depends, status

from verae.auth.dependencies import CurrentUser
from verae.jobs import repository, service
from verae.jobs.schemas import JobOut, JobPage, SuppliedInput
from verae.kit.deps import ServicesDep, SessionDep
from verae.kit.errors import error_responses
from verae.kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])
_AUTH_ERRORS = ((401, "missing_token"), (401, "invalid_token"), (401, "token_expired"))


@router.get("", responses=error_responses(*_AUTH_ERRORS))
def list_jobs(
    user: CurrentUser, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> JobPage:
    """The person's jobs, newest first."""
    jobs, total = repository.list_jobs_of_user(session, user.id, page.limit, page.offset)
    return JobPage(items=[JobOut.of(job) for job in jobs], total=total, limit=page.limit, offset=page.offset)


@router.get("/{job_id}", responses=error_responses(*_AUTH_ERRORS, (404, "job_not_found")))
def get_job(job_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> JobOut:
    return JobOut.of(service.get_job(session, job_id, user.id))


@router.post(
    "/{job_id}/inputs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(
        *_AUTH_ERRORS, (400, "invalid_inputs"), (404, "job_not_found"), (409, "job_not_awaiting_input")
    ),
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

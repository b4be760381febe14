"""/api/v1/admin: the console of support people and admins. To anyone else these routes do not exist (404,
the body of an unknown path); without a token they answer 401 like every authenticated route."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Response

from verae.admin import service
from verae.admin.errors import PreconditionFailed, PreconditionRequired, UserNotFound
from verae.admin.schemas import (
    AdminJob,
    AdminJobPage,
    AdminUser,
    AdminUserPage,
    AuditPage,
    BulkRequeue,
    RequeueFilter,
    RequeueOutcome,
    SettingsOut,
    Stats,
)
from verae.auth.errors import BEARER_ERRORS
from verae.auth.roles import AdminPrincipal, StaffPrincipal
from verae.jobs.errors import JobNotFound
from verae.jobs.schemas import JobStatus
from verae.kit.deps import ServicesDep, SessionDep, WriteSessionDep
from verae.kit.errors import PathNotFound, ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.kit.runtime import RuntimeOverrides, forget_cached

# GETs audit the read, so they take a write session; POST and PUT share the caller's (already a write).
router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    responses=error_responses(*BEARER_ERRORS, PathNotFound, ValidationFailed),
)
Page = Annotated[PageParams, Depends(page_params)]


@router.get("/users")
def search_users(
    principal: StaffPrincipal,
    session: WriteSessionDep,
    page: Page,
    email: Annotated[str | None, Query(max_length=320, description="Part of the email address")] = None,
) -> AdminUserPage:
    """People by email, newest first, with counts of their uploads, jobs and results (never values)."""
    return service.search_users(session, principal.user, email, page)


@router.get("/users/{user_id}", responses=error_responses(UserNotFound))
def get_user(user_id: uuid.UUID, principal: StaffPrincipal, session: WriteSessionDep) -> AdminUser:
    return service.get_user(session, principal.user, user_id)


@router.post("/users/{user_id}/disable", responses=error_responses(UserNotFound))
def disable_user(user_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep) -> AdminUser:
    """End every login session of the person and refuse new logins (admins only); the data stays."""
    return service.set_disabled(session, principal.user, user_id, disabled=True)


@router.post("/users/{user_id}/enable", responses=error_responses(UserNotFound))
def enable_user(user_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep) -> AdminUser:
    return service.set_disabled(session, principal.user, user_id, disabled=False)


@router.get("/jobs")
def list_jobs(
    principal: StaffPrincipal,
    session: WriteSessionDep,
    page: Page,
    status: Annotated[list[JobStatus] | None, Query()] = None,
    error_code: Annotated[str | None, Query(max_length=64)] = None,
    older_than_minutes: Annotated[int | None, Query(ge=1, le=525_600)] = None,
    user_id: uuid.UUID | None = None,
) -> AdminJobPage:
    """Jobs, newest first, with their attempts and error history (codes only)."""
    return service.list_jobs(
        session,
        principal.user,
        page,
        statuses=status or [],
        error_code=error_code,
        older_than_minutes=older_than_minutes,
        user_id=user_id,
    )


@router.post("/jobs/requeue")
def requeue_jobs(
    chosen: RequeueFilter,
    principal: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
    background: BackgroundTasks,
) -> BulkRequeue:
    """Requeue the failed jobs matching a filter (admins only); `dry_run` (the default) only lists them.
    Repeating it requeues nothing twice: only jobs still failed match."""
    outcome = service.requeue_by_filter(session, principal.user, chosen)
    if outcome.job_ids and not outcome.dry_run:
        background.add_task(services.wakeup.notify)  # after the commit
    return outcome


@router.get("/jobs/{job_id}", responses=error_responses(JobNotFound))
def get_job(job_id: uuid.UUID, principal: StaffPrincipal, session: WriteSessionDep) -> AdminJob:
    return service.get_job(session, principal.user, job_id)


@router.post("/jobs/{job_id}/requeue", responses=error_responses(JobNotFound))
def requeue_job(
    job_id: uuid.UUID,
    principal: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
    background: BackgroundTasks,
) -> RequeueOutcome:
    """Run a failed job again with a fresh set of attempts (admins only). Idempotent: for a job that is not
    failed (already requeued, say) nothing happens and `requeued` is false."""
    outcome = service.requeue_job(session, principal.user, job_id)
    if outcome.requeued:
        background.add_task(services.wakeup.notify)
    return outcome


@router.get("/audit")
def search_audit(
    principal: StaffPrincipal,
    session: WriteSessionDep,
    page: Page,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """The audit trail, newest first (ids and codes, no client addresses)."""
    return service.search_audit(
        session,
        principal.user,
        page,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )


@router.get("/stats")
def stats(
    principal: StaffPrincipal,
    session: WriteSessionDep,
    days: Annotated[int, Query(ge=1, le=366, description="Days back, today included")] = 14,
) -> Stats:
    """The funnel per day and per step, and processing percentiles, failed share and error codes."""
    return service.stats(session, principal.user, days)


def _etag(version: int) -> str:
    return f'"{version}"'


@router.get("/settings")
def read_settings(
    principal: AdminPrincipal, session: WriteSessionDep, services: ServicesDep, response: Response
) -> SettingsOut:
    """The runtime settings (admins only), with an ETag to send back as If-Match when changing them."""
    current = service.read_settings(session, services.settings)
    response.headers["ETag"] = _etag(current.version)
    return current


@router.put("/settings", responses=error_responses(PreconditionFailed, PreconditionRequired))
def write_settings(
    values: RuntimeOverrides,
    principal: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
    background: BackgroundTasks,
    if_match: Annotated[str | None, Header(description="The ETag of the settings you read")] = None,
) -> SettingsOut:
    """Replace the runtime settings (null: the environment's value). Every process applies them within a
    few seconds. 412 when they changed since the ETag in If-Match, 428 without If-Match."""
    if if_match is None:
        raise PreconditionRequired()
    expected = if_match.removeprefix("W/").strip('"')
    if not expected.isdigit():
        raise PreconditionFailed()
    written = service.write_settings(session, services.settings, principal.user, values, int(expected))
    # After the commit: a read in between would cache the old values again.
    background.add_task(forget_cached, services.settings)
    response.headers["ETag"] = _etag(written.version)
    return written

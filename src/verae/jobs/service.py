"""Job status for people, and supplying the inputs a `needs_input` job asks for."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from verae.auth.dependencies import authenticate, bearer_claims
from verae.jobs import repository
from verae.jobs.errors import (
    InvalidInputs,
    JobBusy,
    JobNotAwaitingInput,
    JobNotFailed,
    JobNotFound,
    NoPageImages,
    PageNotFound,
)
from verae.jobs.inputs import REVIEWED_VALUES, apply_supplied_inputs
from verae.jobs.schemas import JobOut, JobPage, JobValues, ReviewedValues, SuppliedInput, SuppliedValue
from verae.kit.deps import Services
from verae.kit.pagination import PageParams
from verae.kit.time import utcnow
from verae.labs.errors import ReportUnreadable
from verae.labs.isolation import MIB, render_page_isolated
from verae.labs.pages import PAGE_NOT_FOUND
from verae.labs.schemas import LabReport, PageFrame
from verae.labs.values import report_from_submission
from verae.models import Job
from verae.models.job import FAILED, NEEDS_INPUT, QUEUED, RUNNING
from verae.observability.audit import record_audit
from verae.observability.context import bind_user_id
from verae.orgs.keys import is_api_key
from verae.orgs.scopes import JOB_READ_SCOPES
from verae.queue.queue import announce_job
from verae.results import repository as results
from verae.uploads import repository as uploads

MAX_SUPPLIED_FIELDS = 50
# Documents with pages to show; CSV and JSON uploads have none.
PAGE_MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")


def list_jobs(session: Session, user_id: uuid.UUID, page: PageParams) -> JobPage:
    jobs, total = repository.list_jobs_of_user(session, user_id, page)
    return JobPage(items=[JobOut.of(job) for job in jobs], total=total, limit=page.limit, offset=page.offset)


def polled_job_status(
    services: Services, credentials: HTTPAuthorizationCredentials | None, job_id: uuid.UUID
) -> JobOut:
    """The status clients poll: one statement that checks the login session and reads the job; only when
    it finds nothing does authentication run on its own, to tell 401 from 404. An organisation's key
    takes the plain path (authentication, then the read)."""
    if credentials is not None and is_api_key(credentials.credentials):
        with services.db.unit_of_work(write=False) as session:
            user = authenticate(services, session, credentials, scopes=JOB_READ_SCOPES).user
            return JobOut.of(get_job(session, job_id, user.id))
    claims = bearer_claims(services, credentials)
    with services.db.single_statement() as connection:
        job = repository.get_job_status_in_active_session(connection, job_id, claims)
    if job is None:
        with services.db.unit_of_work(write=False) as session:
            authenticate(services, session, credentials)  # 401 if the login session has ended
        raise JobNotFound()
    bind_user_id(str(claims.user_id))
    return JobOut.of(job)


def get_job(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> Job:
    job = repository.get_job_of_user(session, job_id, user_id)
    if job is None:
        raise JobNotFound()
    return job


def supply_inputs(
    session: Session, job_id: uuid.UUID, user_id: uuid.UUID, inputs: dict[str, SuppliedInput]
) -> Job:
    """Validate the supplied fields now (a clear 400 beats a second needs_input), then requeue the job."""
    job = get_job(session, job_id, user_id)
    if job.state != NEEDS_INPUT:
        raise JobNotAwaitingInput(details={"status": job.state})
    if not inputs or len(inputs) > MAX_SUPPLIED_FIELDS:
        raise InvalidInputs(f"Send between 1 and {MAX_SUPPLIED_FIELDS} fields.")
    plain: dict[str, Any] = {
        name: value.model_dump() if isinstance(value, SuppliedValue) else value
        for name, value in inputs.items()
    }
    probe = LabReport()
    apply_supplied_inputs(probe, plain)
    _refuse_invalid(probe)
    job.supplied_inputs = {**job.supplied_inputs, **plain}
    _requeue(session, job)
    record_audit(
        session,
        "job.inputs_supplied",
        user_id=user_id,
        object_type="job",
        object_id=job.id,
        details={"fields": sorted(plain)},
    )
    return job


def _refuse_invalid(report: LabReport) -> None:
    if report.invalid_fields:
        raise InvalidInputs(
            details={"invalid_fields": [field.model_dump() for field in report.invalid_fields]},
        )


def _requeue(session: Session, job: Job) -> None:
    for column, value in repository.fresh_attempts(utcnow()).items():
        setattr(job, column, value)
    announce_job(session)


def job_values(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> JobValues:
    job = get_job(session, job_id, user_id)
    result = results.get_result(session, job.result_id)
    reviewed = job.payload.get(REVIEWED_VALUES)
    current = result.report if result is not None else reviewed
    record_audit(session, "job.values_viewed", user_id=user_id, object_type="job", object_id=job.id)
    return JobValues(
        original=LabReport.model_validate(job.extraction) if job.extraction is not None else None,
        current=LabReport.model_validate(current) if current is not None else None,
    )


def page_image(
    services: Services, credentials: HTTPAuthorizationCredentials | None, job_id: uuid.UUID, page: int
) -> bytes:
    """A PNG of a page of the job's document, in the frame of its values' boxes (the view is audited). The
    page is drawn in a memory-capped child process (labs/isolation.py) once the database work is done and
    its connection is back in the pool."""
    with services.db.unit_of_work(write=True) as session:
        user_id = authenticate(services, session, credentials).user.id
        job = get_job(session, job_id, user_id)
        upload = uploads.get_upload_of_user(session, job.upload_id, user_id) if job.upload_id else None
        if upload is None or upload.media_type not in PAGE_MEDIA_TYPES:
            raise NoPageImages()
        blob_key, media_type = upload.blob_key, upload.media_type
        # the boxes are those of the report first read, in the frame the reader prepared the page in
        frame = (
            LabReport.model_validate(job.extraction).page_frame(page)
            if job.extraction is not None
            else PageFrame()
        )
        record_audit(
            session,
            "job.page_viewed",
            user_id=user_id,
            object_type="job",
            object_id=job.id,
            details={"page": page},
        )
    data = services.blobs.read(blob_key)
    try:
        return render_page_isolated(
            data, media_type, page, frame, services.settings.document_memory_limit_mib * MIB
        )
    except ReportUnreadable as unreadable:
        if unreadable.code == PAGE_NOT_FOUND:
            raise PageNotFound() from unreadable
        raise NoPageImages(unreadable.diagnostic) from unreadable


def review_values(session: Session, job_id: uuid.UUID, user_id: uuid.UUID, reviewed: ReviewedValues) -> Job:
    """Replace the values with the person's reviewed set and re-run the estimate. The document and what was
    first read from it stay stored; a document that could not be read can be typed in this way too."""
    job = get_job(session, job_id, user_id)
    if job.state in (QUEUED, RUNNING):
        raise JobBusy(details={"status": job.state})
    report = report_from_submission(reviewed)
    _refuse_invalid(report)
    job.payload = {**job.payload, REVIEWED_VALUES: report.model_dump(mode="json")}
    job.supplied_inputs = {}  # the reviewed set replaces everything supplied before it
    _requeue(session, job)
    record_audit(
        session,
        "job.values_reviewed",
        user_id=user_id,
        object_type="job",
        object_id=job.id,
        details={"analytes": sorted(value.analyte for value in report.values)},
    )
    return job


def requeue_failed(session: Session, job_id: uuid.UUID, *, operator: str) -> Job:
    """An operator sends a failed (dead) job through the pipeline again, with a fresh set of attempts.
    `operator` names who did it in the audit trail (no account stands behind a shell)."""
    job = repository.get_job(session, job_id)
    if job is None:
        raise JobNotFound()
    if job.state != FAILED:
        raise JobNotFailed(details={"status": job.state})
    _requeue(session, job)
    record_audit(
        session,
        "job.requeued",
        user_id=None,
        object_type="job",
        object_id=job.id,
        details={"operator": operator},
    )
    return job

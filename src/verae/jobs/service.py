"""Job status for people, and supplying the inputs a `needs_input` job asks for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from verae.jobs import repository
from verae.jobs.pipeline import apply_supplied_inputs
from verae.jobs.queue import announce_job
from verae.jobs.schemas import SuppliedInput, SuppliedValue
from verae.kit.errors import AppError, ConflictError, NotFoundError
from verae.kit.time import utcnow
from verae.labs.schemas import LabReport
from verae.models import Job
from verae.models.job import NEEDS_INPUT, QUEUED
from verae.observability.audit import record_audit

MAX_SUPPLIED_FIELDS = 50


def get_job(session: Session, job_id: uuid.UUID, user_id: uuid.UUID) -> Job:
    job = repository.get_job_of_user(session, job_id, user_id)
    if job is None:
        raise NotFoundError("No such job.", code="job_not_found")
    return job


def supply_inputs(
    session: Session, job_id: uuid.UUID, user_id: uuid.UUID, inputs: dict[str, SuppliedInput]
) -> Job:
    """Validate the supplied fields now (a clear 400 beats a second needs_input), then requeue the job."""
    job = get_job(session, job_id, user_id)
    if job.state != NEEDS_INPUT:
        raise ConflictError(
            "This job is not waiting for input.", code="job_not_awaiting_input", details={"status": job.state}
        )
    if not inputs or len(inputs) > MAX_SUPPLIED_FIELDS:
        raise AppError(f"Send between 1 and {MAX_SUPPLIED_FIELDS} fields.", code="invalid_inputs")
    plain: dict[str, Any] = {
        name: value.model_dump() if isinstance(value, SuppliedValue) else value
        for name, value in inputs.items()
    }
    probe = LabReport()
    apply_supplied_inputs(probe, plain)
    if probe.invalid_fields:
        raise AppError(
            "Some of the supplied values cannot be used.",
            code="invalid_inputs",
            details={"invalid_fields": [field.model_dump() for field in probe.invalid_fields]},
        )
    job.supplied_inputs = {**job.supplied_inputs, **plain}
    job.state = QUEUED
    job.run_at = utcnow()
    job.attempt = 0
    job.finished_at = None
    job.missing_required_fields = []
    job.invalid_fields = []
    announce_job(session)
    record_audit(
        session,
        "job.inputs_supplied",
        user_id=user_id,
        object_type="job",
        object_id=job.id,
        details={"fields": sorted(plain)},
    )
    return job

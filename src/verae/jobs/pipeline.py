"""The `process_upload` job: parsing → normalizing → inference → persisting."""

from __future__ import annotations

from datetime import date

from verae.jobs.errors import PermanentJobError
from verae.jobs.inputs import REVIEWED_VALUES, apply_supplied_inputs
from verae.jobs.queue import ClaimedJob, Queue
from verae.jobs.worker_context import JobContext
from verae.labs.errors import ReportUnreadable
from verae.labs.isolation import MIB, ReadLimits, read_report_isolated
from verae.labs.schemas import LabReport, ReportWarning
from verae.labs.values import apply_field
from verae.models import Result, Upload, User
from verae.risk.schemas import NeedsInput
from verae.risk.service import assess


def _age_on(birth_date: date, day: date) -> float:
    years = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
    return float(years)


def apply_profile(report: LabReport, user: User, today: date) -> None:
    """Fill what the report lacks from the person's profile; the report's own values win."""
    used = []
    if report.sex is None and user.sex in ("female", "male"):
        apply_field(report, "sex", user.sex)
        used.append("sex")
    if report.age is None and user.birth_date is not None:
        apply_field(report, "age", _age_on(user.birth_date, report.collection_date or today))
        used.append("age")
    if report.bmi is None:
        height = report.height_cm or user.height_cm
        weight = report.weight_kg or user.weight_kg
        if height and weight:
            apply_field(report, "bmi", round(weight / (height / 100) ** 2, 1))
            used.append("bmi")
    if used:
        report.warnings.append(ReportWarning.of("from_profile", items=used))


def _read_original(job: ClaimedJob, context: JobContext, upload: Upload) -> LabReport:
    """The report as first read from the document; read once, then kept on the job."""
    if job.extraction is not None:
        return LabReport.model_validate(job.extraction)
    data = context.blobs.read(upload.blob_key)
    try:
        limits = ReadLimits(memory_bytes=context.settings.document_memory_limit_mib * MIB)
        return read_report_isolated(data, upload.media_type, limits)
    except ReportUnreadable as unreadable:
        raise PermanentJobError(unreadable.code, unreadable.diagnostic) from unreadable


def process_upload(job: ClaimedJob, context: JobContext) -> None:
    queue: Queue = context.queue
    context.enter_stage(job, "parsing")
    with context.db.unit_of_work(write=False) as session:
        upload = session.get(Upload, job.upload_id) if job.upload_id else None
        user = session.get(User, job.user_id)
    if upload is None or user is None:
        raise PermanentJobError("upload_missing", "The uploaded file no longer exists.")
    reviewed = job.payload.get(REVIEWED_VALUES)
    # Values the person reviewed replace the reading; a document that could not be read is not re-read.
    original = (
        None if reviewed is not None and job.extraction is None else _read_original(job, context, upload)
    )

    context.enter_stage(job, "normalizing")
    if reviewed is not None:
        report = LabReport.model_validate(reviewed)
    else:
        assert original is not None  # only reviewed values skip the reading
        report = original.model_copy(deep=True)
        apply_supplied_inputs(report, job.supplied_inputs)
    apply_profile(report, user, today=context.today())

    context.enter_stage(job, "inference")
    extraction = original.model_dump(mode="json") if original is not None else None
    try:
        risk = assess(report)
    except NeedsInput as needs:
        queue.needs_input(
            job,
            missing_required_fields=needs.missing_required_fields,
            invalid_fields=[field.model_dump() for field in needs.invalid_fields],
            extraction=extraction,
        )
        return

    context.enter_stage(job, "persisting")
    with context.db.unit_of_work() as session:
        # The compare-and-set on the lease comes first: a stale attempt rolls back before writing a result.
        queue.complete(session, job, extraction=extraction)
        # merge: a review re-runs a finished job, and its result is replaced under the same id.
        session.merge(
            Result(
                id=job.result_id,
                job_id=job.id,
                user_id=job.user_id,
                upload_id=job.upload_id,
                report=report.model_dump(mode="json"),
                risk=risk.model_dump(mode="json"),
                model_version=risk.model_version,
                risk_percent=risk.risk_percent,
                risk_tier=risk.risk_tier,
                collection_date=report.collection_date,
            )
        )

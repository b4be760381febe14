"""The `process_upload` job: parsing → normalizing → inference → persisting."""

from __future__ import annotations

from datetime import date

from verae.auth import repository as users
from verae.jobs import repository as jobs
from verae.jobs.inputs import REVIEWED_VALUES, apply_supplied_inputs
from verae.labs.errors import ReaderStarved, ReportUnreadable
from verae.labs.isolation import MIB, ReadLimits, read_report_isolated
from verae.labs.schemas import LabReport, ReportWarning
from verae.labs.values import apply_field
from verae.models import Job, Upload, User
from verae.observability.metrics import DOCUMENT_CONFIDENCE, DOCUMENTS_READ, MODEL_INFO, RISK_TIERS
from verae.queue.context import JobContext
from verae.queue.errors import PermanentJobError, RetryLater
from verae.queue.queue import ClaimedJob, backoff_seconds
from verae.results import repository as results
from verae.risk.schemas import NeedsInput
from verae.risk.service import assess
from verae.uploads import repository as uploads


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


def _read_original(job: Job, context: JobContext, upload: Upload) -> LabReport:
    """The report as first read from the document; read once, then kept on the job."""
    if job.extraction is not None:
        return LabReport.model_validate(job.extraction)
    data = context.blobs.read(upload.blob_key)
    kind = upload.media_type.rsplit("/", 1)[-1]  # one of the few types the upload accepted
    try:
        limits = ReadLimits(memory_bytes=context.settings.document_memory_limit_mib * MIB)
        report = read_report_isolated(data, upload.media_type, limits)
    except ReaderStarved as starved:
        DOCUMENTS_READ.labels(kind, "starved").inc()
        if job.attempt < job.max_attempts:
            settings = context.settings
            delay = backoff_seconds(
                job.attempt, settings.job_retry_base_seconds, settings.job_retry_cap_seconds
            )
            raise RetryLater(starved.code, delay) from starved
        raise PermanentJobError(starved.code, starved.diagnostic) from starved
    except ReportUnreadable as unreadable:
        DOCUMENTS_READ.labels(kind, "unreadable").inc()
        raise PermanentJobError(unreadable.code, unreadable.diagnostic) from unreadable
    DOCUMENTS_READ.labels(kind, "read").inc()
    if report.values:
        confidence = sum(value.confidence for value in report.values) / len(report.values)
        DOCUMENT_CONFIDENCE.labels(kind).observe(confidence)
    return report


def process_upload(claimed: ClaimedJob, context: JobContext) -> None:
    context.enter_stage(claimed, "parsing")
    with context.db.unit_of_work(write=False) as session:
        job = jobs.get_job(session, claimed.id)
        upload = uploads.get_upload(session, job.upload_id) if job and job.upload_id else None
        user = users.get_user(session, claimed.user_id)
    if job is None or upload is None or user is None:
        raise PermanentJobError("upload_missing", "The uploaded file no longer exists.")
    reviewed = job.payload.get(REVIEWED_VALUES)
    # Values the person reviewed replace the reading; a document that could not be read is not re-read.
    original = (
        None if reviewed is not None and job.extraction is None else _read_original(job, context, upload)
    )

    context.enter_stage(claimed, "normalizing")
    if reviewed is not None:
        report = LabReport.model_validate(reviewed)
    else:
        assert original is not None  # only reviewed values skip the reading
        report = original.model_copy(deep=True)
    # What a person supplied after `needs_input` completes the reading or their reviewed set alike.
    apply_supplied_inputs(report, job.supplied_inputs)
    apply_profile(report, user, today=context.today())

    context.enter_stage(claimed, "inference")
    extraction = original.model_dump(mode="json") if original is not None else None
    try:
        risk = assess(report)
    except NeedsInput as needs:
        context.queue.needs_input(
            claimed,
            missing_required_fields=needs.missing_required_fields,
            invalid_fields=[field.model_dump() for field in needs.invalid_fields],
            extraction=extraction,
        )
        return
    RISK_TIERS.labels(risk.risk_tier).inc()
    MODEL_INFO.info({"version": risk.model_version})

    context.enter_stage(claimed, "persisting")
    with context.db.unit_of_work() as session:
        # The compare-and-set on the lease comes first: a stale attempt rolls back before writing a result.
        context.queue.complete(session, claimed, extraction=extraction)
        results.save_result(session, job, report, risk)

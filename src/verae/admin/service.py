"""The admin console's work. Every call is audited with the acting support person or admin as the actor."""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from verae.admin import repository
from verae.admin.errors import PreconditionFailed, UserNotFound
from verae.admin.schemas import (
    FUNNEL_STEPS,
    AdminJob,
    AdminJobPage,
    AdminUser,
    AdminUserPage,
    AuditEntry,
    AuditPage,
    BulkRequeue,
    FunnelDay,
    FunnelStep,
    JobError,
    Processing,
    RequeueFilter,
    RequeueOutcome,
    SettingsOut,
    Stats,
    UserCounts,
)
from verae.auth import repository as accounts
from verae.config import Settings
from verae.jobs.errors import JobNotFound
from verae.jobs.schemas import JobOut, JobStatus
from verae.kit.pagination import PageParams
from verae.kit.runtime import RuntimeOverrides, apply_overrides, stored_overrides
from verae.kit.time import utcnow
from verae.models import Job, User
from verae.models.job import FAILED, NEEDS_INPUT, QUEUED, RUNNING
from verae.observability.audit import record_audit
from verae.queue.queue import announce_job

# The public statuses, as the queue stores them.
_STATES: dict[str, str] = {
    "queued": QUEUED,
    "processing": RUNNING,
    "done": "done",
    "failed": FAILED,
    "needs_input": NEEDS_INPUT,
}
_EFFECTIVE_KEYS = tuple(RuntimeOverrides.model_fields)


def _audit(
    session: Session,
    actor: User,
    action: str,
    object_type: str | None = None,
    object_id: uuid.UUID | str | None = None,
    **details: Any,
) -> None:
    record_audit(
        session,
        f"admin.{action}",
        user_id=actor.id,
        object_type=object_type,
        object_id=object_id,
        details={"role": actor.role, **details},
    )


# -- users -----------------------------------------------------------------------------------------
def search_users(session: Session, actor: User, email: str | None, page: PageParams) -> AdminUserPage:
    users, total = repository.search_users(session, email, page)
    counts = repository.counts_of_users(session, [user.id for user in users])
    _audit(session, actor, "users_searched", results=len(users))
    return AdminUserPage(
        items=[_admin_user(user, counts) for user in users], total=total, limit=page.limit, offset=page.offset
    )


def get_user(session: Session, actor: User, user_id: uuid.UUID) -> AdminUser:
    user = _user(session, user_id)
    _audit(session, actor, "user_viewed", "user", user.id)
    return _admin_user(user, repository.counts_of_users(session, [user.id]))


def set_disabled(session: Session, actor: User, user_id: uuid.UUID, *, disabled: bool) -> AdminUser:
    """Disable (every login session ends, no new login) or enable an account; the data stays."""
    user = _user(session, user_id)
    if disabled and user.disabled_at is None:
        user.disabled_at = utcnow()
        accounts.revoke_sessions_of_user(session, user.id, utcnow())
    elif not disabled:
        user.disabled_at = None
    _audit(session, actor, "user_disabled" if disabled else "user_enabled", "user", user.id)
    return _admin_user(user, repository.counts_of_users(session, [user.id]))


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound()
    return user


def _admin_user(user: User, counts: dict[str, dict[uuid.UUID, int]]) -> AdminUser:
    return AdminUser(
        id=user.id,
        email=user.email,
        role=user.role,
        created_at=user.created_at,
        disabled_at=user.disabled_at,
        counts=UserCounts(**{name: per_user.get(user.id, 0) for name, per_user in counts.items()}),
    )


# -- jobs ------------------------------------------------------------------------------------------
def list_jobs(
    session: Session,
    actor: User,
    page: PageParams,
    *,
    statuses: list[JobStatus],
    error_code: str | None,
    older_than_minutes: int | None,
    user_id: uuid.UUID | None,
) -> AdminJobPage:
    created_before = utcnow() - timedelta(minutes=older_than_minutes) if older_than_minutes else None
    jobs, total = repository.list_jobs(
        session,
        page,
        states=[_STATES[status] for status in statuses],
        error_code=error_code,
        created_before=created_before,
        user_id=user_id,
    )
    _audit(session, actor, "jobs_listed", results=len(jobs))
    return AdminJobPage(
        items=[_admin_job(job) for job in jobs], total=total, limit=page.limit, offset=page.offset
    )


def get_job(session: Session, actor: User, job_id: uuid.UUID) -> AdminJob:
    job = repository.get_job(session, job_id)
    if job is None:
        raise JobNotFound()
    _audit(session, actor, "job_viewed", "job", job.id)
    return _admin_job(job)


def requeue_job(session: Session, actor: User, job_id: uuid.UUID) -> RequeueOutcome:
    """Requeue one failed job. Idempotent: a job that is not failed (already requeued, say) is left as it
    is and the answer says so."""
    job = repository.get_job(session, job_id)
    if job is None:
        raise JobNotFound()
    requeued = _requeue(session, actor, [job.id])
    session.refresh(job)
    return RequeueOutcome(job_id=job.id, requeued=bool(requeued), status=JobOut.of(job).status)


def requeue_by_filter(session: Session, actor: User, chosen: RequeueFilter) -> BulkRequeue:
    """The failed jobs matching the filter, requeued unless it is a dry run (audited either way)."""
    matched = repository.failed_job_ids(
        session,
        error_code=chosen.error_code,
        failed_after=chosen.failed_after,
        failed_before=chosen.failed_before,
        limit=chosen.limit,
    )
    if chosen.dry_run:
        _audit(session, actor, "jobs_requeue_dry_run", matched=len(matched), error_code=chosen.error_code)
        return BulkRequeue(dry_run=True, job_ids=matched)
    return BulkRequeue(dry_run=False, job_ids=_requeue(session, actor, matched))


def _requeue(session: Session, actor: User, job_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    requeued = repository.requeue_failed_jobs(session, job_ids)
    for job_id, _owner in requeued:
        _audit(session, actor, "job_requeued", "job", job_id)
    if requeued:
        announce_job(session)
    return [job_id for job_id, _ in requeued]


def _admin_job(job: Job) -> AdminJob:
    public = JobOut.of(job)
    return AdminJob(
        id=job.id,
        user_id=job.user_id,
        kind=job.kind,
        status=public.status,
        progress_stage=public.progress_stage,
        attempts=job.attempt,
        max_attempts=job.max_attempts,
        error_code=job.last_error_code,
        errors=[
            JobError(attempt=entry.get("attempt"), code=str(entry.get("code")), at=entry.get("at"))
            for entry in job.errors
            if isinstance(entry, dict)
        ],
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


# -- audit trail -----------------------------------------------------------------------------------
def search_audit(
    session: Session,
    actor: User,
    page: PageParams,
    *,
    actor_id: uuid.UUID | None,
    action: str | None,
    object_type: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditPage:
    rows, total = repository.search_audit(
        session,
        page,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )
    _audit(session, actor, "audit_viewed", results=len(rows))
    return AuditPage(
        items=[
            AuditEntry(
                id=row.id,
                created_at=row.created_at,
                actor_id=row.user_id,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                correlation_id=row.correlation_id,
                details=row.details,
            )
            for row in rows
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


# -- stats -----------------------------------------------------------------------------------------
def stats_report(session: Session, days: int, *, now: datetime | None = None) -> Stats:
    """The funnel per day and per step, and processing over the last `days` days (today included), from
    the database. Steps count people, so a client's retries and a person's repeat views count once; the
    per-step `events` show the raw counts (one upload_success per stored upload)."""
    until = now or utcnow()
    first_day = until.date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=until.tzinfo)
    events = repository.funnel_events(session, FUNNEL_STEPS, since, until)
    return Stats(
        since=since,
        until=until,
        days=_funnel_days(events, first_day, days),
        funnel=_funnel_steps(events),
        processing=_processing(repository.finished_jobs(session, since, until)),
    )


def stats(session: Session, actor: User, days: int) -> Stats:
    report = stats_report(session, days)
    _audit(session, actor, "stats_viewed", days=days)
    return report


def _funnel_days(
    events: list[tuple[str, uuid.UUID | None, datetime]], first_day: date, days: int
) -> list[FunnelDay]:
    people: dict[tuple[date, str], set[uuid.UUID | None]] = defaultdict(set)
    for name, user_id, created_at in events:
        people[(created_at.date(), name)].add(user_id)
    return [
        FunnelDay(day=day, people={step: len(people[(day, step)]) for step in FUNNEL_STEPS})
        for day in (first_day + timedelta(days=offset) for offset in range(days))
    ]


def _funnel_steps(events: list[tuple[str, uuid.UUID | None, datetime]]) -> list[FunnelStep]:
    """A cohort: the people who signed up in the period, and how many of them went on to each step."""
    reached: dict[str, set[uuid.UUID | None]] = defaultdict(set)
    for name, user_id, _ in events:
        reached[name].add(user_id)
    counted = Counter(name for name, _, _ in events)
    steps: list[FunnelStep] = []
    cohort = reached["signup"]
    previous: int | None = None
    for step in FUNNEL_STEPS:
        cohort = cohort & reached[step]
        people = len(cohort)
        conversion = None if previous is None else (people / previous if previous else 0.0)
        steps.append(FunnelStep(step=step, people=people, events=counted[step], conversion=conversion))
        previous = people
    return steps


def _processing(finished: list[tuple[str, str | None, datetime, datetime]]) -> Processing:
    durations = sorted(
        (ended - created).total_seconds() for state, _, created, ended in finished if state == "done"
    )
    failed_codes = Counter(code or "unknown" for state, code, _, _ in finished if state == FAILED)
    failed = sum(failed_codes.values())
    return Processing(
        finished=len(finished),
        done=len(durations),
        failed=failed,
        failed_share=failed / len(finished) if finished else None,
        p50_seconds=_percentile(durations, 0.5),
        p95_seconds=_percentile(durations, 0.95),
        error_codes=dict(failed_codes.most_common()),
    )


def _percentile(ordered: list[float], share: float) -> float | None:
    """Nearest-rank percentile: a duration that really happened."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 3)


# -- runtime settings ------------------------------------------------------------------------------
def read_settings(session: Session, settings: Settings) -> SettingsOut:
    overrides, version = stored_overrides(session)
    return _settings_out(settings, overrides, version)


def write_settings(
    session: Session, settings: Settings, actor: User, values: RuntimeOverrides, expected_version: int
) -> SettingsOut:
    before, _ = stored_overrides(session)
    version = repository.write_overrides(
        session, values.model_dump(exclude_none=True), expected_version=expected_version, actor_id=actor.id
    )
    if version is None:
        raise PreconditionFailed()
    changed = sorted(key for key in _EFFECTIVE_KEYS if getattr(before, key) != getattr(values, key))
    _audit(session, actor, "settings_changed", "settings", str(version), changed=changed)
    return _settings_out(settings, values, version)


def _settings_out(settings: Settings, overrides: RuntimeOverrides, version: int) -> SettingsOut:
    effective = apply_overrides(settings, overrides)
    return SettingsOut(
        version=version,
        values=overrides,
        effective={key: int(getattr(effective, key)) for key in _EFFECTIVE_KEYS},
    )

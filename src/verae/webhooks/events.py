"""Turning an organisation's finished upload job into webhook deliveries, in the transaction that records
the job's outcome: a delivery exists exactly when the outcome does (no event lost, none invented)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from verae.config import Settings
from verae.kit.time import utcnow
from verae.models.job import DONE, FAILED, NEEDS_INPUT
from verae.queue.queue import JobOutcome
from verae.queue.wakeup import JOBS_CHANNEL
from verae.uploads.service import PROCESS_UPLOAD
from verae.webhooks import repository

DELIVER_WEBHOOK = "deliver_webhook"
EVENT_TYPES = {DONE: "job.done", FAILED: "job.failed", NEEDS_INPUT: "job.needs_input"}
# The 24-hour retry window (VERAE_WEBHOOK_RETRY_HOURS) is what ends retries; this only bounds a runaway.
DELIVERY_MAX_ATTEMPTS = 1000


def delivery_job(
    delivery_id: uuid.UUID, user_id: uuid.UUID, settings: Settings, correlation_id: str | None = None
) -> dict[str, Any]:
    """The queue row that delivers `delivery_id`, retrying until the window from now closes."""
    retry_until = utcnow() + timedelta(hours=settings.webhook_retry_hours)
    payload = {"delivery_id": str(delivery_id), "retry_until": retry_until.isoformat()}
    if correlation_id is not None:
        payload["correlation_id"] = correlation_id
    return {
        "id": uuid.uuid4(),
        "kind": DELIVER_WEBHOOK,
        "payload": payload,
        "user_id": user_id,
        "max_attempts": DELIVERY_MAX_ATTEMPTS,
        "result_id": uuid.uuid4(),
    }


def delivery_row(
    endpoint_id: uuid.UUID, organisation_id: uuid.UUID, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The webhook_deliveries row of one event's `body` (its id and type inside) for one endpoint."""
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "endpoint_id": endpoint_id,
        "organisation_id": organisation_id,
        "event_id": uuid.UUID(body["id"]),
        "event_type": body["type"],
        "body": body,
    }


def emit_job_event(settings: Settings, connection: Connection, outcome: JobOutcome) -> None:
    """An outcome listener (queue.OutcomeListener, with the settings bound)."""
    if outcome.kind != PROCESS_UPLOAD:
        return
    event_type = EVENT_TYPES[outcome.state]
    endpoints = [
        endpoint
        for endpoint in repository.endpoints_of_principal(connection, outcome.user_id)
        if event_type in endpoint.events
    ]
    if not endpoints:  # a person, or an organisation not subscribed to this event
        return
    facts = repository.job_facts(connection, outcome.id)
    now = utcnow()
    event_id = uuid.uuid4()
    data = {
        "job_id": str(outcome.id),
        "upload_id": str(facts.upload_id) if facts.upload_id else None,
        "external_id": facts.external_id,
        "status": outcome.state,
        "result_id": str(facts.result_id) if outcome.state == DONE else None,
        "error_code": outcome.error_code,
    }
    body = {"id": str(event_id), "type": event_type, "created_at": now.isoformat(), "data": data}
    deliveries, jobs = [], []
    for endpoint in endpoints:
        delivery = delivery_row(endpoint.id, endpoint.organisation_id, body, now)
        deliveries.append(delivery)
        jobs.append(delivery_job(delivery["id"], outcome.user_id, settings, str(outcome.id)))
    repository.insert_rows(connection, deliveries, jobs)
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_notify(JOBS_CHANNEL, "")))

"""Registering endpoints, reading the delivery log, replaying a failed delivery."""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlalchemy.orm import Session

from verae.config import Settings
from verae.kit.pagination import PageParams
from verae.models import Job, Organisation, WebhookEndpoint
from verae.models.webhook import FAILED, PENDING
from verae.observability.audit import record_audit
from verae.queue.queue import announce_job
from verae.webhooks import repository
from verae.webhooks.destination import UnresolvableHost, resolve_destination
from verae.webhooks.errors import (
    UnsafeWebhookUrl,
    WebhookDeliveryNotFailed,
    WebhookDeliveryNotFound,
    WebhookEndpointNotFound,
)
from verae.webhooks.events import delivery_job
from verae.webhooks.schemas import DeliveryOut, DeliveryPage, EndpointCreated, EndpointIn, EndpointOut
from verae.webhooks.signing import new_secret


def refuse_unsafe_url(settings: Settings, url: str) -> None:
    """At registration (and again at every delivery): https in production, public addresses only."""
    try:
        resolve_destination(
            url, require_https=settings.env == "production", allow_loopback=settings.webhook_allow_loopback
        )
    except UnresolvableHost as error:
        raise UnsafeWebhookUrl("The webhook URL's host name does not resolve.") from error


def create_endpoint(
    session: Session, settings: Settings, organisation: Organisation, wanted: EndpointIn
) -> EndpointCreated:
    refuse_unsafe_url(settings, wanted.url)
    endpoint = repository.add_endpoint(
        session,
        WebhookEndpoint(
            organisation_id=organisation.id,
            url=wanted.url,
            events=sorted(set(wanted.events)),
            secret=new_secret(),
        ),
    )
    record_audit(
        session,
        "webhook_endpoint.created",
        user_id=organisation.user_id,
        object_type="webhook_endpoint",
        object_id=endpoint.id,
    )
    return EndpointCreated(secret=endpoint.secret, **EndpointOut.model_validate(endpoint).model_dump())


def list_endpoints(session: Session, organisation: Organisation) -> list[EndpointOut]:
    return [
        EndpointOut.model_validate(found)
        for found in repository.endpoints_of_organisation(session, organisation.id)
    ]


def delete_endpoint(session: Session, organisation: Organisation, endpoint_id: uuid.UUID) -> None:
    """Its deliveries go with it; their queued jobs find nothing and end."""
    endpoint = repository.endpoint_of_organisation(session, endpoint_id, organisation.id)
    if endpoint is None:
        raise WebhookEndpointNotFound()
    session.delete(endpoint)
    record_audit(
        session,
        "webhook_endpoint.deleted",
        user_id=organisation.user_id,
        object_type="webhook_endpoint",
        object_id=endpoint_id,
    )


def list_deliveries(
    session: Session, organisation_id: uuid.UUID, page: PageParams, status: str | None = None
) -> DeliveryPage:
    found, total = repository.deliveries_of_organisation(session, organisation_id, page, status)
    return DeliveryPage(
        items=[DeliveryOut.model_validate(delivery) for delivery in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def replay_delivery(
    session: Session,
    settings: Settings,
    organisation: Organisation,
    delivery_id: uuid.UUID,
    actor_id: uuid.UUID,
) -> DeliveryOut:
    """Send a failed delivery again (same event id and body, so receivers can de-duplicate), with a
    fresh retry window."""
    delivery = repository.delivery_of_organisation(session, delivery_id, organisation.id)
    if delivery is None:
        raise WebhookDeliveryNotFound()
    if delivery.status != FAILED:
        raise WebhookDeliveryNotFailed()
    delivery.status = PENDING
    session.execute(insert(Job), [delivery_job(delivery.id, organisation.user_id, settings)])
    announce_job(session)
    record_audit(
        session,
        "webhook_delivery.replayed",
        user_id=actor_id,
        object_type="webhook_delivery",
        object_id=delivery.id,
    )
    session.flush()
    return DeliveryOut.model_validate(delivery)

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select
from sqlalchemy.orm import Session

from verae.kit.pagination import PageParams, page_of
from verae.models import Job, Organisation, Upload, WebhookDelivery, WebhookEndpoint

_ENDPOINTS_OF_PRINCIPAL = (
    select(WebhookEndpoint.id, WebhookEndpoint.organisation_id, WebhookEndpoint.events)
    .join(Organisation, Organisation.id == WebhookEndpoint.organisation_id)
    .where(Organisation.user_id == bindparam("user_id"))
)
_JOB_FACTS = (
    select(Job.upload_id, Job.result_id, Upload.external_id)
    .outerjoin(Upload, Upload.id == Job.upload_id)
    .where(Job.id == bindparam("job_id"))
)


def endpoints_of_principal(connection: Connection, user_id: uuid.UUID) -> list[Row[Any]]:
    """The endpoints of the organisation whose principal `user_id` is (none for a person)."""
    return list(connection.execute(_ENDPOINTS_OF_PRINCIPAL, {"user_id": user_id}).all())


def job_facts(connection: Connection, job_id: uuid.UUID) -> Row[uuid.UUID | None, uuid.UUID, str | None]:
    """The job's upload, reserved result id and the upload's external id."""
    return connection.execute(_JOB_FACTS, {"job_id": job_id}).one()


def insert_rows(connection: Connection, deliveries: list[dict[str, Any]], jobs: list[dict[str, Any]]) -> None:
    connection.execute(insert(WebhookDelivery), deliveries)
    connection.execute(insert(Job), jobs)


def add_endpoint(session: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(WebhookEndpoint.created_at)))


def endpoint_of_organisation(
    session: Session, endpoint_id: uuid.UUID, organisation_id: uuid.UUID
) -> WebhookEndpoint | None:
    return session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.organisation_id == organisation_id
        )
    )


def delivery_with_endpoint(
    session: Session, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    found = session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    return None if found is None else (found[0], found[1])


def delivery_of_organisation(
    session: Session, delivery_id: uuid.UUID, organisation_id: uuid.UUID
) -> WebhookDelivery | None:
    return session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.organisation_id == organisation_id
        )
    )


def deliveries_of_organisation(
    session: Session, organisation_id: uuid.UUID, page: PageParams, status: str | None
) -> tuple[list[WebhookDelivery], int]:
    query = select(WebhookDelivery).where(WebhookDelivery.organisation_id == organisation_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return page_of(
        session, query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()), page
    )


def get_delivery(session: Session, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)

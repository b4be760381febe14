"""The admin API for an organisation's webhook deliveries: the log and replay (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from verae.auth.errors import BEARER_ERRORS
from verae.auth.roles import AdminPrincipal
from verae.kit.deps import ServicesDep, SessionDep
from verae.kit.errors import PathNotFound, ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.orgs import repository as organisations
from verae.orgs.errors import OrganisationNotFound
from verae.webhooks import service
from verae.webhooks.errors import WebhookDeliveryNotFailed, WebhookDeliveryNotFound
from verae.webhooks.schemas import DeliveryOut, DeliveryPage

router = APIRouter(
    prefix="/api/v1/admin/orgs/{organisation_id}/webhooks",
    tags=["admin: organisations"],
    responses=error_responses(*BEARER_ERRORS, PathNotFound, OrganisationNotFound, ValidationFailed),
)


@router.get("/deliveries")
def list_deliveries(
    organisation_id: uuid.UUID,
    _: AdminPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    delivery_status: Annotated[
        Literal["pending", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
) -> DeliveryPage:
    if organisations.get_organisation(session, organisation_id) is None:
        raise OrganisationNotFound()
    return service.list_deliveries(session, organisation_id, page, delivery_status)


@router.post(
    "/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(WebhookDeliveryNotFound, WebhookDeliveryNotFailed),
)
def replay_delivery(
    organisation_id: uuid.UUID,
    delivery_id: uuid.UUID,
    admin: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
) -> DeliveryOut:
    """Queue a failed delivery again: same event id and body, a fresh retry window."""
    organisation = organisations.get_organisation(session, organisation_id)
    if organisation is None:
        raise OrganisationNotFound()
    return service.replay_delivery(session, services.settings, organisation, delivery_id, admin.user.id)

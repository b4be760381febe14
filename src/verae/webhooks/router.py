"""An organisation's own webhook endpoints and delivery log (API keys with `webhooks:manage`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from verae.auth.dependencies import PrincipalDep
from verae.auth.errors import BEARER_ERRORS
from verae.kit.deps import ServicesDep, SessionDep
from verae.kit.errors import ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.models import Organisation
from verae.orgs import repository as organisations
from verae.orgs.errors import ApiKeyRequired
from verae.webhooks import service
from verae.webhooks.errors import UnsafeWebhookUrl, WebhookEndpointNotFound
from verae.webhooks.schemas import DeliveryPage, EndpointCreated, EndpointIn, EndpointOut

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    responses=error_responses(*BEARER_ERRORS, ApiKeyRequired, ValidationFailed),
)


def current_organisation(principal: PrincipalDep, session: SessionDep) -> Organisation:
    """The organisation an API key acts for (403 `api_key_required` for a person's token)."""
    organisation = organisations.organisation_of_user(session, principal.user.id)
    if principal.api_key_id is None or organisation is None:
        raise ApiKeyRequired()
    return organisation


CurrentOrganisation = Annotated[Organisation, Depends(current_organisation)]


@router.post("/endpoints", status_code=status.HTTP_201_CREATED, responses=error_responses(UnsafeWebhookUrl))
def create_endpoint(
    body: EndpointIn, organisation: CurrentOrganisation, session: SessionDep, services: ServicesDep
) -> EndpointCreated:
    """Register a URL for events; the answer's `secret` (shown once) verifies the signatures."""
    return service.create_endpoint(session, services.settings, organisation, body)


@router.get("/endpoints")
def list_endpoints(organisation: CurrentOrganisation, session: SessionDep) -> list[EndpointOut]:
    return service.list_endpoints(session, organisation)


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(WebhookEndpointNotFound),
)
def delete_endpoint(endpoint_id: uuid.UUID, organisation: CurrentOrganisation, session: SessionDep) -> None:
    service.delete_endpoint(session, organisation, endpoint_id)


@router.get("/deliveries")
def list_deliveries(
    organisation: CurrentOrganisation, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> DeliveryPage:
    """The delivery log, newest first: status, attempts, the last answer's code and latency."""
    return service.list_deliveries(session, organisation.id, page)

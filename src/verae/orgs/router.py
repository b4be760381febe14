"""The admin API for organisations and their keys (admins only; 404 to everyone else)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from verae.auth.errors import BEARER_ERRORS
from verae.auth.roles import AdminPrincipal
from verae.kit.deps import ServicesDep, SessionDep
from verae.kit.errors import PathNotFound, ValidationFailed, error_responses
from verae.models import Organisation
from verae.orgs import repository, service
from verae.orgs.errors import ApiKeyNotFound, ApiKeyRevoked, OrganisationNameTaken, OrganisationNotFound
from verae.orgs.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyOut, OrganisationIn, OrganisationOut

router = APIRouter(
    prefix="/api/v1/admin/orgs",
    tags=["admin: organisations"],
    responses=error_responses(*BEARER_ERRORS, PathNotFound, ValidationFailed),
)


def _organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = repository.get_organisation(session, organisation_id)
    if organisation is None:
        raise OrganisationNotFound()
    return organisation


def _key_of(session: Session, organisation_id: uuid.UUID, key_id: uuid.UUID) -> uuid.UUID:
    key = repository.get_key(session, key_id)
    if key is None or key.organisation_id != organisation_id:
        raise ApiKeyNotFound()
    return key.id


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(OrganisationNameTaken))
def create_organisation(body: OrganisationIn, admin: AdminPrincipal, session: SessionDep) -> OrganisationOut:
    """A clinic or lab, with the service principal its keys act as."""
    return service.create_organisation(
        session, body.name, retention_days=body.retention_days, actor_id=admin.user.id
    )


@router.get("")
def list_organisations(_: AdminPrincipal, session: SessionDep) -> list[OrganisationOut]:
    return service.list_organisations(session)


@router.post(
    "/{organisation_id}/keys",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(OrganisationNotFound),
)
def create_key(
    organisation_id: uuid.UUID,
    body: ApiKeyIn,
    admin: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
) -> ApiKeyCreated:
    """A new key; `key` in the answer is shown this once."""
    organisation = _organisation(session, organisation_id)
    return service.create_key(
        session,
        services.settings,
        organisation,
        body.scopes,
        rate_limit_per_minute=body.rate_limit_per_minute,
        actor_id=admin.user.id,
    )


@router.get("/{organisation_id}/keys", responses=error_responses(OrganisationNotFound))
def list_keys(organisation_id: uuid.UUID, _: AdminPrincipal, session: SessionDep) -> list[ApiKeyOut]:
    return service.list_keys(session, _organisation(session, organisation_id))


@router.post(
    "/{organisation_id}/keys/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(ApiKeyNotFound, ApiKeyRevoked),
)
def rotate_key(
    organisation_id: uuid.UUID,
    key_id: uuid.UUID,
    admin: AdminPrincipal,
    session: SessionDep,
    services: ServicesDep,
) -> ApiKeyCreated:
    """A new key with the same scopes; the old one stays valid for VERAE_API_KEY_ROTATION_GRACE_HOURS."""
    key_id = _key_of(session, organisation_id, key_id)
    return service.rotate_key(session, services.settings, key_id, actor_id=admin.user.id)


@router.post("/{organisation_id}/keys/{key_id}/revoke", responses=error_responses(ApiKeyNotFound))
def revoke_key(
    organisation_id: uuid.UUID, key_id: uuid.UUID, admin: AdminPrincipal, session: SessionDep
) -> ApiKeyOut:
    """At once: the next request with the key answers 401 `invalid_api_key`."""
    return service.revoke_key(session, _key_of(session, organisation_id, key_id), actor_id=admin.user.id)

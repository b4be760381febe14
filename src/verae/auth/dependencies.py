from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from verae.auth import repository, service
from verae.auth.errors import MissingToken
from verae.auth.tokens import AccessClaims, read_access_token
from verae.kit.deps import Services, ServicesDep, SessionDep
from verae.models import User
from verae.observability.context import bind_user_id
from verae.orgs.authentication import authenticate_key
from verae.orgs.errors import InvalidApiKey
from verae.orgs.keys import is_api_key
from verae.orgs.scopes import Scope, route_scopes

_bearer = HTTPBearer(
    auto_error=False, description="Access token from /api/v1/auth/login, or an organisation's API key (vk_…)"
)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An organisation's API key (vk_…)")


def bearer_or_api_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> HTTPAuthorizationCredentials | None:
    """`Authorization: Bearer …` (an access token or an API key), else `X-API-Key: vk_…`."""
    if bearer is None and api_key:
        return HTTPAuthorizationCredentials(scheme="Bearer", credentials=api_key)
    return bearer


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_or_api_key)]


@dataclass(frozen=True)
class Principal:
    user: User
    # The login session, or for an organisation the API key (which is its session).
    session_id: uuid.UUID
    api_key_id: uuid.UUID | None = None


def current_principal(
    request: Request, services: ServicesDep, session: SessionDep, credentials: BearerCredentials
) -> Principal:
    return authenticate(services, session, credentials, scopes=route_scopes(request))


def bearer_claims(services: Services, credentials: HTTPAuthorizationCredentials | None) -> AccessClaims:
    """The claims of a well-formed, unexpired bearer token (401 with a code otherwise); whether its login
    session is still active is for the caller's query to check."""
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    return read_access_token(services.settings.jwt_verification_keys, credentials.credentials)


def authenticate(
    services: Services,
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    *,
    scopes: tuple[Scope, ...] | None = None,
) -> Principal:
    """The principal behind a bearer token, checked in the caller's session (401 with a code if none). An
    API key acts as its organisation's principal if it has the `scopes` (None: keys may not call this)."""
    if credentials is not None and is_api_key(credentials.credentials):
        holder = authenticate_key(services.db, credentials.credentials, scopes)
        organisation = repository.get_user(session, holder.user_id)
        if organisation is None:
            raise InvalidApiKey()
        bind_user_id(str(organisation.id))
        return Principal(user=organisation, session_id=holder.key_id, api_key_id=holder.key_id)
    claims = bearer_claims(services, credentials)
    user = service.user_in_active_session(session, claims)
    bind_user_id(str(user.id))
    return Principal(user=user, session_id=claims.session_id)


def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> User:
    return principal.user


PrincipalDep = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]

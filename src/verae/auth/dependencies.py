from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from verae.auth import service
from verae.auth.errors import MissingToken
from verae.auth.tokens import AccessClaims, read_access_token
from verae.kit.deps import Services, ServicesDep, SessionDep
from verae.models import User
from verae.observability.context import bind_user_id

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: uuid.UUID


def current_principal(
    services: ServicesDep, session: SessionDep, credentials: BearerCredentials
) -> Principal:
    return authenticate(services, session, credentials)


def bearer_claims(services: Services, credentials: HTTPAuthorizationCredentials | None) -> AccessClaims:
    """The claims of a well-formed, unexpired bearer token (401 with a code otherwise); whether its login
    session is still active is for the caller's query to check."""
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    return read_access_token(services.settings.jwt_verification_keys, credentials.credentials)


def authenticate(
    services: Services, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The principal behind a bearer token, checked in the caller's session (401 with a code if none)."""
    claims = bearer_claims(services, credentials)
    user = service.user_in_active_session(session, claims)
    bind_user_id(str(user.id))
    return Principal(user=user, session_id=claims.session_id)


def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> User:
    return principal.user


PrincipalDep = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, status

from verae.auth import service
from verae.auth.dependencies import CurrentUser, PrincipalDep
from verae.auth.errors import (
    BEARER_ERRORS,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    TokenExpired,
    TokenReused,
    TooManyAttempts,
    TooManyRefreshes,
    TooManyRegistrations,
    WeakPassword,
)
from verae.auth.schemas import (
    AuthResponse,
    LoginRequest,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    UserOut,
)
from verae.kit.deps import ServicesDep, SessionDep, client_ip
from verae.kit.errors import ValidationFailed, error_responses

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(WeakPassword, EmailTaken, ValidationFailed, TooManyRegistrations),
)
def register(
    body: RegisterRequest, request: Request, services: ServicesDep, session: SessionDep
) -> AuthResponse:
    return service.register(
        session, services.db, services.settings, body.email, body.password, client_ip(request)
    )


@router.post("/auth/login", responses=error_responses(InvalidCredentials, TooManyAttempts, ValidationFailed))
def login(body: LoginRequest, request: Request, services: ServicesDep, session: SessionDep) -> AuthResponse:
    return service.login(
        session, services.db, services.settings, body.email, body.password, client_ip(request)
    )


@router.post(
    "/auth/refresh",
    responses=error_responses(InvalidToken, TokenExpired, TokenReused, ValidationFailed, TooManyRefreshes),
)
def refresh(
    body: RefreshRequest, request: Request, services: ServicesDep, session: SessionDep
) -> AuthResponse:
    return service.refresh(session, services.db, services.settings, body.refresh_token, client_ip(request))


@router.post(
    "/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(*BEARER_ERRORS)
)
def logout(principal: PrincipalDep, request: Request, session: SessionDep) -> None:
    service.logout(session, principal.user.id, principal.session_id, client_ip(request))


@router.get("/me", responses=error_responses(*BEARER_ERRORS))
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.patch("/me", responses=error_responses(*BEARER_ERRORS, ValidationFailed))
def update_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.update_profile(session, user, body))


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(*BEARER_ERRORS))
def delete_me(
    user: CurrentUser,
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> None:
    """Delete the account with every upload, job, result and stored document."""
    blob_keys = service.delete_account(session, user, client_ip(request))
    # Documents go only after the deletion has committed, so a failed request loses nothing.
    for key in blob_keys:
        background.add_task(services.blobs.delete, key)

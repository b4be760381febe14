from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from verae.auth import service
from verae.auth.cookies import clear_refresh_cookie, deliver_tokens, refresh_token_from_cookie
from verae.auth.dependencies import CurrentUser, PrincipalDep
from verae.auth.errors import (
    BEARER_ERRORS,
    CsrfCheckFailed,
    EmailTaken,
    InvalidCredentials,
    InvalidResetToken,
    InvalidToken,
    SessionExpired,
    TokenExpired,
    TokenReused,
    TooManyAttempts,
    TooManyRefreshes,
    TooManyRegistrations,
    WeakPassword,
    WrongPassword,
)
from verae.auth.reset_mail import send_reset_email
from verae.auth.schemas import (
    AccountDeletion,
    AuthResponse,
    LoginRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
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
    body: RegisterRequest, request: Request, response: Response, services: ServicesDep, session: SessionDep
) -> AuthResponse:
    auth = service.register(
        session, services.db, services.settings, body.email, body.password, client_ip(request)
    )
    return deliver_tokens(request, response, services.settings, auth)


@router.post("/auth/login", responses=error_responses(InvalidCredentials, TooManyAttempts, ValidationFailed))
def login(
    body: LoginRequest, request: Request, response: Response, services: ServicesDep, session: SessionDep
) -> AuthResponse:
    auth = service.login(
        session, services.db, services.settings, body.email, body.password, client_ip(request)
    )
    return deliver_tokens(request, response, services.settings, auth)


@router.post(
    "/auth/refresh",
    responses=error_responses(
        InvalidToken,
        TokenExpired,
        TokenReused,
        SessionExpired,
        CsrfCheckFailed,
        ValidationFailed,
        TooManyRefreshes,
    ),
)
def refresh(
    request: Request,
    response: Response,
    services: ServicesDep,
    session: SessionDep,
    body: RefreshRequest | None = None,
) -> AuthResponse:
    """Rotate the refresh token given in the body or, for the web app, in the session cookie."""
    token = (
        body.refresh_token if body is not None and body.refresh_token else refresh_token_from_cookie(request)
    )
    if token is None:
        raise InvalidToken("No refresh token was given. Log in again.")
    auth = service.refresh(session, services.db, services.settings, token, client_ip(request))
    return deliver_tokens(request, response, services.settings, auth)


@router.post(
    "/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(*BEARER_ERRORS)
)
def logout(principal: PrincipalDep, request: Request, response: Response, session: SessionDep) -> None:
    service.logout(session, principal.user.id, principal.session_id, client_ip(request))
    clear_refresh_cookie(response)


@router.post(
    "/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(*BEARER_ERRORS)
)
def logout_all(principal: PrincipalDep, request: Request, response: Response, session: SessionDep) -> None:
    """End every login session of the account, this one included."""
    service.logout_all(session, principal.user.id, client_ip(request))
    clear_refresh_cookie(response)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(ValidationFailed),
)
def request_password_reset(
    body: PasswordResetRequest,
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> None:
    """Email a reset link if the address has an account; the answer is the same either way."""
    email = service.request_password_reset(session, services.settings, body.email, client_ip(request))
    if email is not None:
        # Sent after the commit, off the request: a slow or failing mail server neither delays nor fails it.
        background.add_task(send_reset_email, services.settings, email.to, email.token)


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(InvalidResetToken, WeakPassword, ValidationFailed),
)
def confirm_password_reset(
    body: PasswordResetConfirm, request: Request, response: Response, session: SessionDep
) -> None:
    """Set a new password with the emailed token (once); every login session of the account ends."""
    service.reset_password(session, body.token, body.new_password, client_ip(request))
    clear_refresh_cookie(response)


@router.get("/me", responses=error_responses(*BEARER_ERRORS))
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.patch("/me", responses=error_responses(*BEARER_ERRORS, ValidationFailed))
def update_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.update_profile(session, user, body))


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*BEARER_ERRORS, WrongPassword, WeakPassword, TooManyAttempts, ValidationFailed),
)
def change_password(
    body: PasswordChange,
    principal: PrincipalDep,
    request: Request,
    services: ServicesDep,
    session: SessionDep,
) -> None:
    """Change the password (the current one is needed); every other login session ends."""
    service.change_password(
        session,
        services.db,
        services.settings,
        principal.user,
        principal.session_id,
        body.current_password,
        body.new_password,
        client_ip(request),
    )


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*BEARER_ERRORS, WrongPassword, TooManyAttempts, ValidationFailed),
)
def delete_me(
    body: AccountDeletion,
    user: CurrentUser,
    request: Request,
    response: Response,
    services: ServicesDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> None:
    """Delete the account with every upload, job, result and stored document; needs the password."""
    blob_keys = service.delete_account(
        session, services.db, services.settings, user, body.password, client_ip(request)
    )
    clear_refresh_cookie(response)
    # Documents go only after the deletion has committed, so a failed request loses nothing.
    for key in blob_keys:
        background.add_task(services.blobs.delete, key)

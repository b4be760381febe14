"""The refresh token as an HttpOnly cookie for the web app, and the CSRF rule for using it.

The cookie is HttpOnly (no script reads it), Secure, SameSite=Strict (no other site's page sends it) and
scoped to /api/v1/auth, so it travels only to the auth endpoints. A refresh that relies on it must also
carry an X-Requested-With header: a cross-site form cannot set one, and a cross-site script cannot send
one without a CORS preflight this API's origin list refuses. Requests that carry that header get the
refresh token only in the cookie, so a script on the page never sees it."""

from __future__ import annotations

from fastapi import Request, Response

from verae.auth.errors import CsrfCheckFailed
from verae.auth.schemas import AuthResponse
from verae.config import Settings

REFRESH_COOKIE = "verae_refresh"
REFRESH_COOKIE_PATH = "/api/v1/auth"
CSRF_HEADER = "X-Requested-With"


def is_browser_client(request: Request) -> bool:
    return bool(request.headers.get(CSRF_HEADER))


def deliver_tokens(
    request: Request, response: Response, settings: Settings, auth: AuthResponse
) -> AuthResponse:
    """Set the refresh cookie; the web app's requests get the body without the refresh token."""
    if auth.refresh_token is not None:
        response.set_cookie(
            REFRESH_COOKIE,
            auth.refresh_token,
            max_age=settings.refresh_token_ttl_seconds,
            path=REFRESH_COOKIE_PATH,
            secure=True,
            httponly=True,
            samesite="strict",
        )
    if is_browser_client(request):
        return auth.model_copy(update={"refresh_token": None})
    return auth


def refresh_token_from_cookie(request: Request) -> str | None:
    token = request.cookies.get(REFRESH_COOKIE)
    if token and not is_browser_client(request):
        raise CsrfCheckFailed()
    return token or None


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )

"""The error codes of registration, login, tokens and sessions."""

from __future__ import annotations

from verae.kit.errors import AppError, Conflict, Forbidden, TooManyRequests, Unauthenticated
from verae.orgs.errors import ApiKeyRateLimited, InsufficientScope, InvalidApiKey


class MissingToken(Unauthenticated):
    code = "missing_token"
    default_message = "This endpoint needs an access token."


class InvalidToken(Unauthenticated):
    code = "invalid_token"
    default_message = "The access token is not valid."


class TokenExpired(Unauthenticated):
    code = "token_expired"
    default_message = "The access token has expired."


class TokenReused(Unauthenticated):
    code = "token_reused"
    default_message = "This refresh token was already used; the session has been ended for safety."


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    default_message = "The email or password is wrong."


class TooManyAttempts(TooManyRequests):
    code = "too_many_attempts"
    default_message = "Too many failed logins. Try again later."


class TooManyRegistrations(TooManyRequests):
    code = "too_many_registrations"
    default_message = "Too many accounts were registered from this address. Try again later."


class TooManyRefreshes(TooManyRequests):
    code = "too_many_refreshes"
    default_message = "This session refreshes its token too often. Try again shortly."


class WeakPassword(AppError):
    code = "weak_password"
    default_message = "The password is too weak."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with this email already exists."


class SessionExpired(Unauthenticated):
    code = "session_expired"
    default_message = "This login session reached its maximum age. Log in again."


class WrongPassword(Forbidden):
    """Re-authentication failed: the person is logged in, but the password they typed is wrong."""

    code = "wrong_password"
    default_message = "The password is wrong."


class InvalidResetToken(AppError):
    code = "invalid_reset_token"
    default_message = "This password-reset link is not valid, was already used or has expired."


class CsrfCheckFailed(Forbidden):
    code = "csrf_check_failed"
    default_message = "A refresh from the session cookie must carry the X-Requested-With header."


# What any route behind a bearer token can answer (declared once, on routers or routes).
# An organisation's API key may also be refused (orgs/errors.py): unknown, out of scope, over its limit.
BEARER_ERRORS = (
    MissingToken,
    InvalidToken,
    TokenExpired,
    InvalidApiKey,
    InsufficientScope,
    ApiKeyRateLimited,
)

"""One error type for the whole API, one class per error code.

Every error body is {"error": {code, message, details, correlation_id}}. A feature declares its codes as
subclasses in its own errors.py; a route lists the classes it can raise with `error_responses(...)`, so the
OpenAPI document shows exactly the codes each route answers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str]
    default_message: ClassVar[str]

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.details = details or {}
        self.headers = headers or {}


class NotFound(AppError):
    status = 404


class Unauthenticated(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class Conflict(AppError):
    status = 409


class TooManyRequests(AppError):
    status = 429

    def __init__(self, message: str | None = None, *, retry_after_seconds: int) -> None:
        super().__init__(
            message,
            details={"retry_after_seconds": retry_after_seconds},
            headers={"Retry-After": str(retry_after_seconds)},
        )


class ServiceUnavailable(AppError):
    status = 503

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        retry_after_seconds: int = 5,
    ) -> None:
        super().__init__(message, details=details, headers={"Retry-After": str(retry_after_seconds)})


class RateLimited(TooManyRequests):
    code = "rate_limited"
    default_message = "Too many requests from this address. Try again shortly."


# Answered by the framework or the app's handlers rather than raised by a feature; declared here so that
# routes can list them.
class ValidationFailed(AppError):
    status = 422
    code = "validation_error"
    default_message = "The request is not valid."


class PathNotFound(NotFound):
    code = "not_found"
    default_message = "Not Found"


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    default_message = "Method Not Allowed"


class InternalError(AppError):
    status = 500
    code = "internal_error"
    default_message = "Something went wrong on our side."


class DatabaseUnavailable(ServiceUnavailable):
    code = "service_unavailable"
    default_message = "The service is briefly unavailable. Please retry."


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    default_message = "The document store is briefly unavailable; nothing was stored. Please retry."


class MetricsTokenRequired(Unauthenticated):
    code = "metrics_token_required"
    default_message = "/metrics needs the bearer token set in VERAE_METRICS_TOKEN."


class NotReady(ServiceUnavailable):
    code = "not_ready"
    default_message = "A dependency is unavailable."


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable snake_case error code (see docs/api.md)")
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    correlation_id: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route or router: each status with the error codes it may carry."""
    codes_by_status: dict[int, list[str]] = {}
    for error in errors:
        codes = codes_by_status.setdefault(error.status, [])
        if error.code not in codes:
            codes.append(error.code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(f"`{c}`" for c in codes)}
        for status, codes in sorted(codes_by_status.items())
    }

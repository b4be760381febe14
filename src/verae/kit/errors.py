"""One error type for the whole API.

Every error body is {"error": {code, message, details, correlation_id}}.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        self.headers = headers or {}


class NotFoundError(AppError):
    status = 404
    code = "not_found"


class AuthenticationError(AppError):
    status = 401
    code = "invalid_token"


class ForbiddenError(AppError):
    status = 403
    code = "forbidden"


class ConflictError(AppError):
    status = 409
    code = "conflict"


class TooManyRequestsError(AppError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(
            message,
            code=code,
            details={"retry_after_seconds": retry_after_seconds},
            headers={"Retry-After": str(retry_after_seconds)},
        )


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable snake_case error code (see docs/api.md)")
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    correlation_id: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses_and_codes: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route: each status with the error codes it may carry."""
    codes_by_status: dict[int, list[str]] = {}
    for status, code in statuses_and_codes:
        codes_by_status.setdefault(status, []).append(code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(f"`{c}`" for c in codes)}
        for status, codes in codes_by_status.items()
    }

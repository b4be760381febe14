"""The error codes of the admin API."""

from __future__ import annotations

from verae.kit.errors import AppError, NotFound


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "No such user."


class PreconditionFailed(AppError):
    status = 412
    code = "precondition_failed"
    default_message = "The settings changed since you read them; read them again and retry."


class PreconditionRequired(AppError):
    status = 428
    code = "precondition_required"
    default_message = "Send If-Match with the ETag of the settings you read."

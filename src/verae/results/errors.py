"""The error codes of reading results."""

from __future__ import annotations

from verae.kit.errors import AppError, Conflict, NotFound


class ResultNotFound(NotFound):
    code = "result_not_found"
    default_message = "No such result."


class ResultNotReady(Conflict):
    code = "result_not_ready"
    default_message = "The result is not ready yet."


class ResultExpired(AppError):
    status = 410
    code = "result_expired"
    default_message = "This result was deleted at the end of its retention period."

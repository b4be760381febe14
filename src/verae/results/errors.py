"""The error codes of reading results."""

from __future__ import annotations

from verae.kit.errors import Conflict, NotFound


class ResultNotFound(NotFound):
    code = "result_not_found"
    default_message = "No such result."


class ResultNotReady(Conflict):
    code = "result_not_ready"
    default_message = "The result is not ready yet."

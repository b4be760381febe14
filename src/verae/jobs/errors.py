"""The error codes of job status and review."""

from __future__ import annotations

from verae.kit.errors import AppError, Conflict, NotFound


class JobNotFound(NotFound):
    code = "job_not_found"
    default_message = "No such job."


class InvalidInputs(AppError):
    code = "invalid_inputs"
    default_message = "Some of the supplied values cannot be used."


class JobNotAwaitingInput(Conflict):
    code = "job_not_awaiting_input"
    default_message = "This job is not waiting for input."


class JobBusy(Conflict):
    code = "job_busy"
    default_message = "The job is still being processed."


class JobNotFailed(Conflict):
    code = "job_not_failed"
    default_message = "Only failed jobs can be requeued."


class PageNotFound(NotFound):
    code = "page_not_found"
    default_message = "The job's document has no such page."


class NoPageImages(NotFound):
    code = "no_page_images"
    default_message = (
        "The job's document has no pages to show (it is not a PDF, PNG or JPEG, or cannot be read)."
    )

"""The error codes of receiving an upload."""

from __future__ import annotations

from verae.kit.errors import AppError, Conflict, NotFound, TooManyRequests


class UploadNotFound(NotFound):
    code = "upload_not_found"
    default_message = "No such upload."


class EmptyFile(AppError):
    code = "empty_file"
    default_message = "The file is empty."


class InvalidMultipart(AppError):
    code = "invalid_multipart"
    default_message = "Send the document as multipart/form-data with a field named 'file'."


class MissingFile(AppError):
    code = "missing_file"
    default_message = "The request has no field named 'file'."


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used for another file. Use a new key for a new upload."
    )


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    default_message = "The file is larger than the limit."


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    default_message = "This kind of file is not supported. Upload a PDF, PNG, JPEG, CSV or JSON file."


class TooManyWaitingUploads(TooManyRequests):
    code = "too_many_waiting_uploads"
    default_message = "You have many documents waiting to be read. Try again when some are done."


class DailyUploadQuotaExceeded(TooManyRequests):
    code = "daily_upload_quota_exceeded"
    default_message = "You have uploaded as much as one account may in a day. Try again later."

    def __init__(self, *, retry_after_seconds: int, limit_bytes: int) -> None:
        super().__init__(retry_after_seconds=retry_after_seconds)
        self.details["limit_bytes"] = limit_bytes


class QueueFull(TooManyRequests):
    code = "queue_full"
    default_message = "We are processing many documents right now. Please try again shortly."


class DeadlineExceeded(AppError):
    """POST /ingest: the job did not end within the wait; it keeps running (poll `details.job_id`)."""

    status = 504
    code = "deadline_exceeded"
    default_message = "The report is still being processed; poll the job in the Location header."

"""Stream the `file` field of a multipart request into a blob writer, counting bytes as they arrive."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from anyio import CancelScope, CapacityLimiter, to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from verae.kit.blobstore import BlobWriter
from verae.observability.logging import get_logger
from verae.uploads.errors import (
    EmptyFile,
    InvalidMultipart,
    MissingFile,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from verae.uploads.sniff import ACCEPTED_MEDIA_TYPES, SNIFF_BYTES, sniff_media_type

log = get_logger("verae.uploads")

FILE_FIELD = "file"
# Room for the multipart envelope and small extra fields beyond the file itself.
ENVELOPE_ALLOWANCE = 64 * 1024


@dataclass
class ReceivedFile:
    filename: str | None = None
    size: int = 0
    head: bytes = b""
    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)
    found: bool = False


@dataclass
class _PartState:
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    is_file: bool = False


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than the limit of {limit // (1024 * 1024)} MiB.", details={"max_bytes": limit}
    )


async def receive_upload(
    request: Request, writer: BlobWriter, limit: int, threads: CapacityLimiter
) -> tuple[ReceivedFile, str]:
    """Stream the file into the blob writer and commit it; the blob exists only if this returns, with the
    media type its content shows."""
    try:
        received = await receive_file(request, writer, limit, threads)
        if received.size == 0:
            raise EmptyFile()
        media_type = sniff_media_type(received.head, complete=received.size <= len(received.head))
        if media_type is None:
            raise UnsupportedMediaType(details={"accepted": list(ACCEPTED_MEDIA_TYPES)})
    except BaseException:
        # Shielded and off the event loop: aborting is a network call on S3, and it must neither stall
        # other requests nor be cut short by a client that went away.
        with CancelScope(shield=True):
            await to_thread.run_sync(abort_quietly, writer, limiter=threads)
        raise
    # Off the event loop: committing is an fsync here and a network round trip on S3.
    await to_thread.run_sync(writer.commit, limiter=threads)
    return received, media_type


def abort_quietly(writer: BlobWriter) -> None:
    """Best effort, so the request's own error (413, 415, …) is what the client sees; the blob sweep
    removes whatever an abort leaves behind."""
    try:
        writer.abort()
    except Exception as error:
        log.warning("blob_abort_failed", error_type=type(error).__name__)


async def receive_file(
    request: Request, writer: BlobWriter, limit: int, threads: CapacityLimiter
) -> ReceivedFile:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidMultipart()
    declared_length = request.headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > limit + ENVELOPE_ALLOWANCE:
        raise _too_large(limit)

    received = ReceivedFile()
    part = _PartState()
    pending: list[bytes] = []

    def on_part_begin() -> None:
        part.headers.clear()
        part.is_file = False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        part.headers[part.header_field.lower()] = part.header_value
        part.header_field, part.header_value = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(part.headers.get(b"content-disposition", b""))
        if disposition.get(b"name") == FILE_FIELD.encode() and not received.found:
            part.is_file = True
            received.found = True
            raw_name = disposition.get(b"filename")
            received.filename = raw_name.decode("utf-8", "replace")[:255] if raw_name else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            pending.append(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    body_bytes = 0
    async for chunk in request.stream():
        body_bytes += len(chunk)
        if body_bytes > limit + ENVELOPE_ALLOWANCE:
            raise _too_large(limit)
        _parse(parser.write, chunk)
        if not pending:
            continue
        data = b"".join(pending)
        pending.clear()
        received.size += len(data)
        if received.size > limit:
            raise _too_large(limit)
        if len(received.head) < SNIFF_BYTES:
            received.head += data[: SNIFF_BYTES - len(received.head)]
        received.sha256.update(data)
        await to_thread.run_sync(writer.write, data, limiter=threads)
    _parse(parser.finalize)
    if not received.found:
        raise MissingFile()
    return received


def _parse(step: Callable[..., object], *chunk: bytes) -> None:
    try:
        step(*chunk)
    except MultipartParseError as error:
        raise InvalidMultipart("The multipart body is malformed.") from error

"""Decide an upload's type from its first bytes, never from its name or declared Content-Type."""

from __future__ import annotations

PDF, PNG, JPEG, CSV, JSON = "application/pdf", "image/png", "image/jpeg", "text/csv", "application/json"
ACCEPTED_MEDIA_TYPES = (PDF, PNG, JPEG, CSV, JSON)
SNIFF_BYTES = 8192
_TEXT_CONTROL_ALLOWED = {"\t", "\n", "\r"}


def _as_text(head: bytes, complete: bool) -> str | None:
    # A multi-byte character may be cut at the end of the sniffed window; drop up to 3 trailing bytes.
    for cut in range(1 if complete else 4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any(ord(char) < 32 and char not in _TEXT_CONTROL_ALLOWED for char in text):
            return None
        return text
    return None


def sniff_media_type(head: bytes, *, complete: bool) -> str | None:
    """The media type of a file starting with `head` (`complete` when head is the whole file), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    text = _as_text(head, complete)
    if text is None:
        return None
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return JSON
    first_line = stripped.split("\n", 1)[0]
    if "," in first_line:
        return CSV
    return None

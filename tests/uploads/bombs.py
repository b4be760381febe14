"""Compression bombs: small PDFs whose Flate streams inflate to hundreds of megabytes.

Built with zlib at test time, streamed in 1 MiB pieces so that building one never holds the inflated
bytes in memory. Each is a well-formed PDF 1.5 file (cross-reference stream) that both PDF libraries
open, so the bomb goes off while the page is read, not while the file is sniffed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

MIB = 1024 * 1024
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s /Contents 4 0 R >>"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def deflate(pieces: Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(9)
    out = [compressor.compress(piece) for piece in pieces]
    out.append(compressor.flush())
    return b"".join(out)


def _repeat(unit: bytes, total: int) -> Iterator[bytes]:
    chunk = unit * max(1, MIB // len(unit))
    written = 0
    while written < total:
        piece = chunk[: total - written]
        written += len(piece)
        yield piece


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _write(objects: dict[int, bytes], compressed: dict[int, tuple[int, int]] | None = None) -> bytes:
    """A PDF with a cross-reference stream; `compressed` maps object numbers held in object streams to
    (object stream number, index)."""
    compressed = compressed or {}
    body = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(body)
        body += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_number = max([*objects, *compressed]) + 1
    offsets[xref_number] = len(body)
    rows = bytearray(struct.pack(">BIH", 0, 0, 65535))
    for number in range(1, xref_number + 1):
        if number in compressed:
            rows += struct.pack(">BIH", 2, *compressed[number])
        elif number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        else:
            rows += struct.pack(">BIH", 0, 0, 0)
    size = xref_number + 1
    xref = _stream(b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size, bytes(rows))
    body += b"%d 0 obj\n" % xref_number + xref + b"\nendobj\n"
    body += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(body)


def content_stream_bomb(inflated: int = 300 * MIB) -> bytes:
    """One page whose content stream is a short line of text followed by `inflated` bytes of spaces."""
    text = b"BT /F1 12 Tf 72 720 Td (Hemoglobin 120 g/L) Tj ET\n"
    data = deflate(iter([text, *_repeat(b" ", inflated)]))
    return _write(
        {
            1: CATALOG,
            2: PAGES,
            3: PAGE % b"<< /Font << /F1 5 0 R >> >>",
            4: _stream(b"/Filter /FlateDecode", data),
            5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        }
    )


def object_stream_bomb(inflated: int = 200 * MIB) -> bytes:
    """The page's resources live in an object stream that extends a second one; each holds an array of
    `inflated / 2` bytes of numbers, so parsing them builds tens of millions of objects."""

    def object_stream(number: int, extends: bytes) -> bytes:
        header = b"%d 0 " % number
        pieces = [header, b"<< /Font << /F1 8 0 R >> /Padding [", *_repeat(b"0 ", inflated // 2), b"] >>"]
        data = deflate(iter(pieces))
        return _stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode%s" % (len(header), extends), data)

    return _write(
        {
            1: CATALOG,
            2: PAGES,
            3: PAGE % b"5 0 R",
            4: _stream(b"", b"BT /F1 12 Tf 72 720 Td (Hemoglobin 120 g/L) Tj ET"),
            6: object_stream(5, b" /Extends 7 0 R"),
            7: object_stream(9, b""),
            8: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        },
        compressed={5: (6, 0), 9: (7, 0)},
    )


def image_bomb(side: int = 20_000) -> bytes:
    """A page that draws one greyscale image XObject of side × side pixels (400 MB for 20,000),
    Flate-compressed to a few hundred kilobytes."""
    data = deflate(_repeat(b"\xff", side * side))
    return _write(
        {
            1: CATALOG,
            2: PAGES,
            3: PAGE % b"<< /XObject << /Im1 5 0 R >> >>",
            4: _stream(b"", b"q 612 0 0 792 0 0 cm /Im1 Do Q"),
            5: _stream(
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode" % (side, side),
                data,
            ),
        }
    )

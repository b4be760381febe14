"""A corpus of 40+ malformed and hostile uploads: each gets a clear 4xx at upload or a failed job with a
stable code — never a 5xx, a crashed or hung worker, or unbounded memory."""

from __future__ import annotations

import io
import json
import random
import resource
import struct
import zlib
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.pdfgen import canvas

from tests.helpers import upload
from tests.labs.corpus.layouts import make_document
from tests.uploads import bombs
from verae.worker import Worker

MIB = 1024 * 1024
# Outcomes a malformed file may have: refused at the door, or a job that ends with a stable code.
REFUSED = {400: {"empty_file", "missing_file"}, 413: {"payload_too_large"}, 415: {"unsupported_media_type"}}
DOCUMENT_CODES = {
    "parse_failed",
    "corrupted_file",
    "encrypted_pdf",
    "too_many_pages",
    "image_too_large",
    "page_timeout",
    "document_too_complex",
}


@dataclass(frozen=True)
class Specimen:
    name: str
    content: bytes
    # None: any clear outcome (4xx from REFUSED, or a job ending failed with a document code / needs_input)
    expected: str | None = None


def _pdf(pages: int = 1, text: str = "Hemoglobin 120 g/L", encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt, invariant=True)
    for _ in range(pages):
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny file whose header claims a huge image (the rows would decompress to gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def _image(format_name: str, size: tuple[int, int], noise: bool = False) -> bytes:
    image = Image.new("L", size, 255)
    if noise:
        image = Image.frombytes("L", size, random.Random(5).randbytes(size[0] * size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format=format_name)
    return buffer.getvalue()


def _flip_bytes(data: bytes, seed: int, count: int = 40) -> bytes:
    rng = random.Random(seed)
    corrupted = bytearray(data)
    for _ in range(count):
        position = rng.randrange(200, len(corrupted))
        corrupted[position] = rng.randrange(256)
    return bytes(corrupted)


def corpus() -> list[Specimen]:
    report = make_document("uk_nhs", 2).pdf
    png = _image("PNG", (64, 64))
    jpeg = _image("JPEG", (64, 64))
    specimens = [
        Specimen("zero bytes", b"", "empty_file"),
        Specimen("windows executable named .pdf", b"MZ\x90\x00\x03" + bytes(500), "unsupported_media_type"),
        Specimen("linux executable", b"\x7fELF\x02\x01\x01" + bytes(500), "unsupported_media_type"),
        Specimen("zip archive", b"PK\x03\x04" + bytes(300), "unsupported_media_type"),
        Specimen("gif image", b"GIF89a" + bytes(100), "unsupported_media_type"),
        Specimen(
            "utf-16 csv",
            "analyte,value,unit\nhemoglobin,120,g/L\n".encode("utf-16"),
            "unsupported_media_type",
        ),
        Specimen(
            "invalid utf-8 csv",
            b"analyte,value,unit\nh\xe9moglobine,120,g/L\n\xff\xfe",
            "unsupported_media_type",
        ),
        Specimen("csv with NUL bytes", b"analyte,value,unit\n\x00\x00\x00", "unsupported_media_type"),
        Specimen("shell script", b"#!/bin/sh\nrm -rf /\n", "unsupported_media_type"),
        Specimen("html page", b"<html><body>Hemoglobin 120</body></html>", "unsupported_media_type"),
        Specimen(
            "21 MiB csv",
            b"analyte,value,unit\n" + b"hemoglobin,120,g/L\n" * (21 * MIB // 19),
            "payload_too_large",
        ),
        Specimen(
            "15 MiB csv", b"analyte,value,unit\n" + b"hemoglobin,120,g/L\n" * (15 * MIB // 19), "parse_failed"
        ),
        Specimen("one 8 MiB line", b"analyte," + b"x" * (8 * MIB), "parse_failed"),
        Specimen("csv with wrong columns", b"a,b,c,d\n1,2,3,4\n", "parse_failed"),
        Specimen(
            "csv with ragged rows", b"analyte,value,unit\nhemoglobin\nmcv,80,fL,extra,more\n", "parse_failed"
        ),
        Specimen("deeply nested json", b"[" * 200_000 + b"]" * 200_000, "parse_failed"),
        Specimen(
            "deeply nested values", b'{"values": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "parse_failed"
        ),
        Specimen("json that is a list", b'[{"analyte": "hemoglobin", "value": 120}]', "parse_failed"),
        Specimen("json truncated", b'{"values": [{"analyte": "hemoglobin", "va', "parse_failed"),
        Specimen(
            "json with 100k values",
            json.dumps({"values": [{"analyte": "mcv", "value": 80}] * 100_000}).encode(),
            "parse_failed",
        ),
        Specimen(
            "json with an overflowing number",
            b'{"sex": "male", "age": 40, "values": [{"analyte": "hemoglobin", "value": 1e999, "unit": "g/L"}, {"analyte": "mcv", "value": 80, "unit": "fL"}]}',
            "needs_input",
        ),
        Specimen(
            "json with NaN",
            b'{"sex": "male", "age": 40, "values": [{"analyte": "hemoglobin", "value": NaN}, {"analyte": "mcv", "value": 80}]}',
            "needs_input",
        ),
        Specimen(
            "json with wrong types",
            b'{"sex": 7, "age": "old", "values": [{"analyte": ["x"], "value": {}}]}',
            "parse_failed",
        ),
        Specimen("pdf header only", b"%PDF-1.7\n", "corrupted_file"),
        Specimen("pdf of garbage", b"%PDF-1.4\n" + random.Random(1).randbytes(4000), "corrupted_file"),
        Specimen("encrypted pdf", _pdf(encrypt="secret"), "encrypted_pdf"),
        Specimen("pdf with 10,000 pages", _pdf(pages=10_000), "too_many_pages"),
        Specimen(
            "pdf without blood values", _pdf(text="Invoice 2025-113: consultation 40 EUR"), "parse_failed"
        ),
        Specimen("pdf polyglot with zip", report + b"PK\x03\x04" + bytes(200)),
        Specimen("pdf with html appended", report + b"<script>alert(1)</script>"),
        Specimen("png polyglot carrying a pdf", png + report, "parse_failed"),
        Specimen("decompression bomb png", _bomb_png(60_000, 60_000), "image_too_large"),
        Specimen("wide bomb png", _bomb_png(1_000_000, 200), "image_too_large"),
        Specimen(
            "pdf content stream inflating to 300 MB", bombs.content_stream_bomb(), "document_too_complex"
        ),
        Specimen(
            "pdf nested object streams of 2 x 200 MB", bombs.object_stream_bomb(), "document_too_complex"
        ),
        Specimen("pdf with a 20,000 x 20,000 image", bombs.image_bomb()),
        Specimen("truncated png", png[: len(png) // 2]),
        Specimen("png signature only", b"\x89PNG\r\n\x1a\n"),
        Specimen("truncated jpeg", jpeg[: len(jpeg) // 2]),
        Specimen("jpeg markers only", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        Specimen("blank 1x1 jpeg", _image("JPEG", (1, 1)), "parse_failed"),
        Specimen("noise png", _image("PNG", (300, 300), noise=True), "parse_failed"),
    ]
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        specimens.append(Specimen(f"pdf truncated at {fraction:.0%}", report[: int(len(report) * fraction)]))
    for seed in range(4):
        specimens.append(Specimen(f"pdf with flipped bytes #{seed}", _flip_bytes(report, seed)))
    return specimens


CORPUS = corpus()


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_malformed_upload_gets_a_clear_4xx_or_a_failed_job_with_a_code(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes: dict[str, str] = {}
    for specimen in CORPUS:
        response = upload(client, user_headers, specimen.content, "report.pdf", "application/pdf")
        if response.status_code != 202:
            code = response.json()["error"]["code"]
            assert code in REFUSED.get(response.status_code, set()), (
                specimen.name,
                response.status_code,
                code,
            )
            outcomes[specimen.name] = code
            continue
        worker.run_pending()  # a crash here would fail the test; a hang would hit the test timeout
        job = client.get(response.headers["Location"], headers=user_headers).json()
        assert job["status"] in ("failed", "needs_input", "done"), (specimen.name, job)
        if job["status"] == "failed":
            assert job["error_code"] in DOCUMENT_CODES, (specimen.name, job["error_code"])
            assert job["attempts"] == 1, specimen.name  # permanent: not retried
            assert job["failure_diagnostic"]
        outcomes[specimen.name] = job["error_code"] or job["status"]

    mismatched = {
        specimen.name: (specimen.expected, outcomes[specimen.name])
        for specimen in CORPUS
        if specimen.expected is not None and outcomes[specimen.name] != specimen.expected
    }
    assert mismatched == {}
    growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert growth_mib < 600, f"peak memory grew by {growth_mib:.0f} MiB"

"""read_document on generated text PDFs and on hostile files: the worker's contract."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from verae.labs.errors import ReportUnreadable
from verae.labs.reader import MAX_PAGES, read_document

from .corpus.layouts import make_document
from .corpus.samples import Sample
from .corpus.scoring import Score, score


def test_text_pdfs_of_every_layout_meet_the_accuracy_targets(text_pdfs: list[Sample]) -> None:
    total = Score()
    for sample in text_pdfs:
        total.add(score(read_document(sample.data, sample.media_type), sample.truth, sample.name))
    assert total.precision >= 0.995, total.errors
    assert total.recall >= 0.99, total.errors
    assert total.attribute_accuracy() == {"unit": 1.0, "reference_range": 1.0, "flag": 1.0}


def test_a_multi_page_report_keeps_each_value_s_page() -> None:
    report = read_document(make_document("ru_lab", 0).pdf, "application/pdf")
    pages = {value.analyte: value.page for value in report.values}
    assert pages["hemoglobin"] == 1
    assert pages["ferritin"] == 2


def test_two_collection_dates_take_the_latest_with_a_warning() -> None:
    document = make_document("ru_previous", 0)
    report = read_document(document.pdf, "application/pdf")
    assert report.collection_date == document.truth.collection_date
    assert [warning.code for warning in report.warnings] == ["several_collection_dates"]


def pdf_bytes(pages: list[list[str]], **options: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, **options)
    for lines in pages:
        for index, text in enumerate(lines):
            pdf.drawString(40, 800 - 14 * index, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def unreadable(data: bytes, media_type: str) -> ReportUnreadable:
    with pytest.raises(ReportUnreadable) as caught:
        read_document(data, media_type)
    return caught.value


def test_a_password_protected_pdf_is_encrypted_pdf() -> None:
    error = unreadable(pdf_bytes([["Hemoglobin 120 g/L"]], encrypt="secret"), "application/pdf")
    assert error.code == "encrypted_pdf"
    assert "password" in error.diagnostic


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 20, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x13" * 500, "image/jpeg"),
        (b"", "application/pdf"),
    ],
)
def test_a_damaged_file_is_corrupted_file(data: bytes, media_type: str) -> None:
    assert unreadable(data, media_type).code == "corrupted_file"


def test_more_pages_than_the_limit_is_too_many_pages() -> None:
    error = unreadable(pdf_bytes([["page"]] * (MAX_PAGES + 1)), "application/pdf")
    assert error.code == "too_many_pages"
    assert str(MAX_PAGES + 1) in error.diagnostic


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge canvas in a few bytes: a decompression bomb's signature."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    error = unreadable(png_header_only(40_000, 40_000), "image/png")
    assert error.code == "image_too_large"


def test_an_unsupported_media_type_is_refused() -> None:
    assert unreadable(b"GIF89a", "image/gif").code == "unsupported_media_type"


def test_a_document_without_blood_values_says_so() -> None:
    letter = pdf_bytes(
        [["Dear patient,", "your appointment is on Monday at 10:00.", "Kind regards,", "The clinic"] * 3]
    )
    error = unreadable(letter, "application/pdf")
    assert error.code == "parse_failed"
    assert error.diagnostic.startswith(
        "No blood-test values were found in the document (looked for the blood"
    )
    assert "ferritin" in error.diagnostic


def test_a_page_with_far_more_text_than_a_report_is_not_parsed() -> None:
    error = unreadable(pdf_bytes([["x" * 300] * 120]), "application/pdf")
    assert error.code == "parse_failed"
    assert "far more text" in error.diagnostic

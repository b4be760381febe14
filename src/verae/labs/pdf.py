"""PDF pages: the text layer's words when the page has one, otherwise a rendered image for OCR.

pypdfium2 opens the file (it tells encrypted from damaged files and renders pages); pdfplumber reads
the text layer with word positions.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pdfplumber
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]
from pdfplumber.pdf import PDF
from PIL import Image

from verae.labs.errors import ReportUnreadable
from verae.labs.layout import Word

# A page with fewer words than this has no usable text layer (a scan, or a scan with a printed footer).
MIN_TEXT_WORDS = 8
# Lab reports hold a few thousand characters a page; far more is a hostile or unrelated document.
MAX_PAGE_CHARS = 30_000
RENDER_DPI = 300
MAX_RENDER_PIXELS = 40_000_000


@contextmanager
def open_pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_raw.FPDF_ERR_PASSWORD:
            raise ReportUnreadable(
                "encrypted_pdf",
                "The PDF is protected by a password. Remove the password and upload it again.",
            ) from error
        raise ReportUnreadable("corrupted_file", "The PDF file is damaged or is not a PDF.") from error
    try:
        yield document
    finally:
        document.close()


@contextmanager
def open_text_layer(data: bytes) -> Iterator[PDF | None]:
    """pdfplumber's view of the file, or None when pdfminer cannot parse what pdfium could open."""
    try:
        plumber = pdfplumber.open(io.BytesIO(data))
    except Exception:  # pdfminer raises many exception types on damaged files; OCR still reads them
        yield None
        return
    with plumber:
        yield plumber


# Fonts with a "symbol" encoding (Word's Print-to-PDF, old Windows fonts) put ASCII characters at
# U+F020-U+F0FF, the private-use copy of the ASCII range: mapped back, the text layer reads normally.
_SYMBOL_FONT = {code: code - 0xF000 for code in range(0xF020, 0xF100)}


def text_words(plumber: PDF | None, index: int) -> list[Word] | None:
    """The page's text-layer words, or None when it has no usable text layer."""
    if plumber is None or index >= len(plumber.pages):
        return None
    page = plumber.pages[index]
    try:
        found = page.extract_words(keep_blank_chars=False)
    except Exception:  # a page pdfminer cannot parse is still rendered and read by OCR
        return None
    finally:
        page.flush_cache()
    words = [
        Word(text, float(item["x0"]), float(item["top"]), float(item["x1"]), float(item["bottom"]))
        for item in found
        if (text := str(item["text"]).translate(_SYMBOL_FONT).strip())
    ]
    # A layer of glyphs without letters or digits (fonts with no Unicode map) is no text: render and OCR.
    readable = sum(1 for word in words if any(char.isalnum() for char in word.text))
    return words if readable >= MIN_TEXT_WORDS else None


def page_size(document: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    """Width and height in points, the unit of pdfplumber's word positions."""
    width, height = document[index].get_size()
    return float(width), float(height)


def check_page_size(document: pdfium.PdfDocument, index: int) -> None:
    textpage = document[index].get_textpage()
    try:
        if textpage.count_chars() > MAX_PAGE_CHARS:
            raise ReportUnreadable(
                "parse_failed", f"Page {index + 1} holds far more text than a lab report; it was not read."
            )
    finally:
        textpage.close()


def render_page(document: pdfium.PdfDocument, index: int, longest: int | None = None) -> Image.Image:
    """The page at 300 dpi (for OCR), or at most `longest` pixels on its longer side (to be looked at)."""
    page = document[index]
    width, height = page.get_size()
    scale = min(RENDER_DPI / 72, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
    if longest is not None:
        scale = min(scale, longest / max(width, height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
    image: Image.Image = bitmap.to_pil()
    return image

"""A page of a document as a picture, in the frame its values' boxes refer to, for a person to check the
values against (the review screen highlights a value's box on it).

A text-layer PDF page is rendered whole (boxes are fractions of the page). A scan or photo, and a PDF page
read by OCR, goes through the geometric part of the OCR preparation (`ocr.levelled`: the sheet found and
straightened or cropped, levelled), without Tesseract, in the frame the report records for it
(`LabReport.page_frame`): turned as the reader turned a page it found sideways or upside down, and its
light levelled only as far as its ink where the reader's was.
"""

from __future__ import annotations

import io

from PIL import Image

from verae.labs import ocr, pdf
from verae.labs.errors import ReportUnreadable
from verae.labs.reader import MAX_PAGES, open_image
from verae.labs.schemas import PageFrame

# Enough to read a lab report's rows on a screen; a PNG of a page stays a few hundred kilobytes.
LONGEST_SIDE = 1400
PAGE_NOT_FOUND = "page_not_found"
# a page read upright and levelled as usual
AS_USUAL = PageFrame()


def page_image(data: bytes, media_type: str, page: int, frame: PageFrame = AS_USUAL) -> bytes:
    """PNG of page `page` (from 1), at most LONGEST_SIDE pixels on its longer side; a page read by OCR is
    prepared in `frame`, as the reader prepared it. Raises `ReportUnreadable` (`page_not_found` for a
    page the document does not have)."""
    if media_type == "application/pdf":
        image = _pdf_page(data, page, frame)
    elif media_type in ("image/png", "image/jpeg"):
        if page != 1:
            raise _no_page(page)
        image = _ocr_frame(open_image(data), frame)
    else:
        raise ReportUnreadable("unsupported_media_type", "Only PDF, PNG and JPEG documents have pages.")
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf_page(data: bytes, page: int, frame: PageFrame) -> Image.Image:
    with pdf.open_pdf(data) as document, pdf.open_text_layer(data) as plumber:
        if not 1 <= page <= min(len(document), MAX_PAGES):
            raise _no_page(page)
        index = page - 1
        if pdf.text_words(plumber, index) is not None:
            return pdf.render_page(document, index, longest=LONGEST_SIDE)
        return _ocr_frame(pdf.render_page(document, index), frame)


def _ocr_frame(image: Image.Image, frame: PageFrame) -> Image.Image:
    with ocr.opencv_memory_errors():
        levelled = ocr.levelled(image, stretch_ink_only=frame.levelled_to_ink)
    return ocr.turned(levelled, frame.turn) if frame.turn else levelled


def _no_page(page: int) -> ReportUnreadable:
    return ReportUnreadable(PAGE_NOT_FOUND, f"The document has no page {page}.")

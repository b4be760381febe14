"""Curl and fold flattening (`labs/dewarp.py`): bent rows straightened, straight pages left alone. Synthetic
pages without Tesseract (milliseconds), then one generated curled photo read end to end."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verae.labs import dewarp, ocr
from verae.labs.reader import read_document

from .corpus.scoring import Score, score
from .variety.degrade import curled, pages, phone_photo
from .variety.documents import make_report

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def table_page() -> Image.Image:
    """A table at 300 dpi: a name, a value, a unit and a range a row, 30 rows."""
    page = Image.new("L", (2480, 3300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34)
    for row in range(30):
        y = 200 + row * 90
        draw.text((150, y), f"Haemoglobin concentration {row}", font=font, fill=0)
        draw.text((1150, y), f"{120 + row}.5", font=font, fill=0)
        draw.text((1500, y), "g/L", font=font, fill=0)
        draw.text((1900, y), "115 - 165", font=font, fill=0)
    return page


def bent(page: Image.Image, depth: float, crease: float | None) -> Image.Image:
    """Rows bowed by `depth` pixels between the middle and the sides, and tilted in opposite directions
    above and below a crease (a share of the page's height)."""
    height, width = page.height, page.width
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    shift = depth * 4 * (columns / width - 0.5) ** 2
    if crease is not None:
        shift += 0.6 * depth * (columns / width - 0.5) * np.abs(rows / height - crease) / 0.5
    return Image.fromarray(
        cv2.remap(np.asarray(page), columns, rows + shift, cv2.INTER_LINEAR, borderValue=255)
    )


def crookedness(page: Image.Image) -> float:
    """How far each row's middle in the name column and in the range column lies from where it is in the
    value column (mid-page), in pixels (the median over rows): 0 for straight rows. Measured from the
    ink, not by `dewarp`."""
    ink = np.asarray(page) < 128

    def middles(left: int, right: int) -> np.ndarray:
        profile = np.concatenate([[0], ink[:, left:right].any(axis=1).astype(int), [0]])
        starts, ends = np.flatnonzero(np.diff(profile) == 1), np.flatnonzero(np.diff(profile) == -1)
        return np.asarray((starts + ends) / 2)

    names, values, ranges = middles(150, 700), middles(1150, 1350), middles(1900, 2330)
    assert len(names) == len(values) == len(ranges) == 30
    return float(np.median(np.maximum(np.abs(names - values), np.abs(ranges - values))))


def test_a_curled_and_folded_page_has_its_rows_straightened() -> None:
    for crease in (None, 0.45):
        page = bent(table_page(), depth=70, crease=crease)
        assert crookedness(page) > 20  # the bend is real: most of a text height between the columns
        assert dewarp.displacement(page) is not None
        straight = dewarp.straightened(page)
        assert straight.size == page.size
        assert crookedness(straight) < 5, crease


def test_a_flat_page_is_left_as_it_is() -> None:
    page = table_page()
    assert dewarp.displacement(page) is None
    assert dewarp.straightened(page) is page
    # a blank page and a page of a few words give no rows to measure
    assert dewarp.straightened(Image.new("L", (2480, 3300), 255)).size == (2480, 3300)


def test_a_photo_of_a_curled_sheet_reads_its_values() -> None:
    """A generated one-megapixel phone photo of a curled page (tests/labs/variety/degrade.py), read with
    real Tesseract: the reader's preparation flattens the curl, and the values read are right."""
    report = make_report("ru_name_units", 5)
    rng = random.Random("curl-test")
    photo = phone_photo(curled(pages(report.pdf, 110)[0], rng), rng)
    # the page OCR reads has straight rows
    assert dewarp.displacement(ocr.levelled(Image.open(io.BytesIO(photo)))) is None
    total = Score()
    total.add(score(read_document(photo, "image/jpeg"), report.truth, "curled"))
    assert total.precision >= 0.98, total.errors
    assert total.recall >= 0.9, total.errors

"""A page drawn for review is in the frame of the boxes the reader gave its values, also for OCR pages."""

from __future__ import annotations

import io
import random

from PIL import Image

from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import photo, render
from verae.labs.pages import LONGEST_SIDE, page_image
from verae.labs.reader import read_document


def test_each_value_read_by_ocr_from_a_photo_lies_inside_its_box_on_the_page_drawn() -> None:
    # a tilted sheet on a desk: cut out and levelled before reading, so its boxes are not the photo's
    document = make_document("uk_nhs", 2)
    jpeg = photo(render(document.pdf, 150)[0], random.Random(3))
    report = read_document(jpeg, "image/jpeg")
    image = Image.open(io.BytesIO(page_image(jpeg, "image/jpeg", 1))).convert("L")
    assert max(image.size) == LONGEST_SIDE
    placed = [value for value in report.values if value.page == 1 and value.bbox]
    assert len(placed) >= 3
    for value in placed:
        assert value.bbox is not None
        left, top, right, bottom = value.bbox
        box = image.crop((left * image.width, top * image.height, right * image.width, bottom * image.height))
        # the value's digits: dark ink in its box
        assert min(box.tobytes()) < 110, value.analyte

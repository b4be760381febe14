"""A page drawn for review is in the frame of the boxes the reader gave its values, also for OCR pages."""

from __future__ import annotations

import io
import random

from PIL import Image

from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import photo, render, samples_for
from verae.labs.pages import LONGEST_SIDE, page_image
from verae.labs.reader import read_document
from verae.labs.schemas import LabReport, LabValue


def test_each_value_read_by_ocr_from_a_photo_lies_inside_its_box_on_the_page_drawn() -> None:
    # a tilted sheet on a desk: cut out and levelled before reading, so its boxes are not the photo's
    document = make_document("uk_nhs", 2)
    jpeg = photo(render(document.pdf, 150)[0], random.Random(3))
    report = read_document(jpeg, "image/jpeg")
    image = Image.open(io.BytesIO(page_image(jpeg, "image/jpeg", 1))).convert("L")
    assert max(image.size) == LONGEST_SIDE
    placed = _placed(report)
    assert len(placed) >= 3
    for value in placed:
        # the value's digits: dark ink in its box
        assert _darkest(image, value) < 110, value.analyte


def test_an_upside_down_photo_is_drawn_turned_as_the_reader_turned_it() -> None:
    (upside_down,) = [
        sample for sample in samples_for("uk_nhs", 4, ("photo",)) if sample.name.endswith("1.jpg")
    ]
    report = read_document(upside_down.data, upside_down.media_type)
    assert report.page_turns == {1: 180}
    stored = report.model_dump(mode="json")
    drawn = Image.open(io.BytesIO(page_image(upside_down.data, "image/jpeg", 1, report.page_turns[1])))
    placed = _placed(LabReport.model_validate(stored))
    assert len(placed) >= 3
    for value in placed:
        assert _darkest(drawn.convert("L"), value) < 110, value.analyte

    # a report stored before turns were recorded still loads, and its page is drawn as prepared, unturned
    del stored["page_turns"]
    old = LabReport.model_validate(stored)
    assert old.page_turns == {}
    unturned = Image.open(io.BytesIO(page_image(upside_down.data, "image/jpeg", 1, old.page_turns.get(1, 0))))
    assert unturned.size == drawn.size
    # upside down: where the turned page has the values, this one has blank paper
    assert all(_darkest(unturned.convert("L"), value) > 180 for value in placed)


def _placed(report: LabReport) -> list[LabValue]:
    return [value for value in report.values if value.page == 1 and value.bbox]


def _darkest(image: Image.Image, value: LabValue) -> int:
    assert value.bbox is not None
    left, top, right, bottom = value.bbox
    box = image.crop((left * image.width, top * image.height, right * image.width, bottom * image.height))
    return min(box.tobytes())

"""A page drawn for review is in the frame of the boxes the reader gave its values, also for OCR pages."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw

from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import photo, render, samples_for
from tests.labs.test_photo_preparation import textured_sparse_page
from verae.labs.errors import ReportUnreadable
from verae.labs.isolation import MIB, render_page_isolated
from verae.labs.pages import AS_USUAL, LONGEST_SIDE, page_image
from verae.labs.reader import read_document
from verae.labs.schemas import LabReport, LabValue, PageFrame


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
    drawn = Image.open(io.BytesIO(page_image(upside_down.data, "image/jpeg", 1, report.page_frame(1))))
    placed = _placed(LabReport.model_validate(stored))
    assert len(placed) >= 3
    for value in placed:
        assert _darkest(drawn.convert("L"), value) < 110, value.analyte

    # a report stored before turns were recorded still loads, and its page is drawn as prepared, unturned
    del stored["page_turns"]
    old = LabReport.model_validate(stored)
    assert old.page_turns == {}
    unturned = Image.open(io.BytesIO(page_image(upside_down.data, "image/jpeg", 1, old.page_frame(1))))
    assert unturned.size == drawn.size
    # upside down: where the turned page has the values, this one has blank paper
    assert all(_darkest(unturned.convert("L"), value) > 180 for value in placed)


def test_a_page_whose_light_the_reader_levelled_to_its_ink_is_drawn_levelled_so() -> None:
    """A sparse page on textured paper is read levelled only as far as its ink (the usual levelling made the
    texture ink): its picture is levelled the same way, so the boxes lie on the page read, paper as paper."""
    png = io.BytesIO()
    textured_sparse_page().save(png, format="PNG")
    report = read_document(png.getvalue(), "image/png")
    assert report.pages_levelled_to_ink == [1]
    assert report.page_frame(1) == PageFrame(turn=0, levelled_to_ink=True)
    drawn = Image.open(io.BytesIO(page_image(png.getvalue(), "image/png", 1, report.page_frame(1)))).convert(
        "L"
    )
    placed = _placed(report)
    assert placed
    for value in placed:
        assert _darkest(drawn, value) < 110, value.analyte
    paper = np.asarray(drawn)[drawn.height // 3 :, :]  # well below the rows
    assert np.count_nonzero(paper < 128) < 0.001 * paper.size


def test_a_page_drawn_under_any_memory_cap_is_drawn_or_refused_never_an_error() -> None:
    """Caps from too little to enough, 4 MiB apart: wherever the drawing runs out of memory (an allocation
    inside OpenCV, which reports it as its own `cv2.error`, with the code `StsNoMem` or as C++'s
    `std::bad_alloc`, seen in a window 2 MiB wide; or in Pillow), the answer is a refusal the person is
    told (`document_too_complex`), not a failure of ours (a 500, `RuntimeError` here)."""
    page = Image.new("L", (1500, 2100), 255)
    draw = ImageDraw.Draw(page)
    for top in range(10, 2090, 8):  # 5-pixel type, enlarged to about 300 dpi before levelling
        draw.text((10, top), "Hemoglobin 13.5 g/dL 12.0-16.0 " * 7, fill=0, font_size=5)
    png = io.BytesIO()
    page.save(png, format="PNG")
    outcomes: list[str] = []
    for cap in range(256, 2048, 4):
        try:
            render_page_isolated(png.getvalue(), "image/png", 1, AS_USUAL, cap * MIB)
        except ReportUnreadable as unreadable:
            outcomes.append(unreadable.code)
        else:
            outcomes.append("drawn")
            break
    assert outcomes[-1] == "drawn"
    # out of memory while decoding too (zlib's refused allocation reads as broken data: reader.open_image)
    assert set(outcomes[:-1]) == {"document_too_complex"}, outcomes
    assert len(outcomes) >= 4


def _placed(report: LabReport) -> list[LabValue]:
    return [value for value in report.values if value.page == 1 and value.bbox]


def _darkest(image: Image.Image, value: LabValue) -> int:
    assert value.bbox is not None
    left, top, right, bottom = value.bbox
    box = image.crop((left * image.width, top * image.height, right * image.width, bottom * image.height))
    return min(box.tobytes())

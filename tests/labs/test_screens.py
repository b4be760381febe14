"""Pages drawn from few pixels (`labs/screens.py`): a monitor's moiré taken out, letters kept; a portal's
screenshot and a photo of a monitor (tests/labs/variety/degrade.py) read end to end with real Tesseract."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verae.labs import screens
from verae.labs.reader import read_document

from .corpus.scoring import Score, score
from .variety.degrade import monitor_photo, screenshot
from .variety.documents import make_report

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def striped_page() -> np.ndarray:
    """Text at 300 dpi on paper crossed by fine diagonal stripes (a moiré's period of a few pixels)."""
    page = Image.new("L", (1200, 400), 255)
    ImageDraw.Draw(page).text((50, 150), "Hemoglobin 13.8 g/dL", font=ImageFont.truetype(FONT, 60), fill=0)
    rows, columns = np.mgrid[0:400, 0:1200]
    stripes = 25 * (np.sin((rows + columns) * 2 * np.pi / 4) > 0)
    return np.asarray(np.clip(np.asarray(page, dtype=np.float32) - stripes, 0, 255), dtype=np.uint8)


def camera_picture(width: int) -> Image.Image:
    """What a camera gives: no two neighbouring pixels of the paper quite alike."""
    noise = np.random.default_rng(0).normal(200, 6, (round(width * 1.4), width))
    return Image.fromarray(np.asarray(np.clip(noise, 0, 255), dtype=np.uint8))


def test_fine_stripes_on_a_page_enlarged_from_few_pixels_are_smoothed_and_letters_kept() -> None:
    page = striped_page()
    cleaned = np.asarray(screens.sharpened(Image.fromarray(page), camera_picture(400)), dtype=np.float32)
    paper = (slice(20, 120), slice(0, 1200))  # stripes only, above the text
    assert page[paper].std() > 10
    assert cleaned[paper].std() < 0.3 * page[paper].std()
    # the letters stay as dark as they were
    assert cleaned[150:230, 50:700].min() < 60


def test_a_page_photographed_with_enough_pixels_or_on_flat_paper_is_left_as_it_is() -> None:
    page = Image.fromarray(striped_page())
    assert screens.sharpened(page, camera_picture(1000)) is page
    # a screenshot as small as the photo above: its paper is one flat white, with no pattern to take out
    assert screens.sharpened(page, Image.new("RGB", (400, 560), "white")) is page


def read(data: bytes, media_type: str, layout: str, seed: int) -> Score:
    total = Score()
    total.add(score(read_document(data, media_type), make_report(layout, seed).truth, layout))
    return total


def test_a_portal_screenshot_at_96_dpi_is_read() -> None:
    report = make_report("european", 3)
    total = read(screenshot(report, 1, random.Random("screenshot-test")), "image/png", "european", 3)
    assert total.precision >= 0.98, total.errors
    assert total.recall >= 0.9, total.errors


def test_a_photo_of_a_monitor_is_read() -> None:
    """Moiré, glare and a 1.5-3 MP camera: without the low-pass this page lost four of its fields."""
    report = make_report("in_counts", 100)
    photo = monitor_photo(report, 1, random.Random("variety-photo_monitor-in_counts-100"))
    total = read(photo, "image/jpeg", "in_counts", 100)
    assert total.precision >= 0.98, total.errors
    assert total.recall >= 0.85, total.errors


def test_an_english_word_the_first_reading_took_for_cyrillic_is_read_again_in_english() -> None:
    """`rus+eng` reads the card "Iron, Total" of this screenshot as "гоп, Total"; `eng` alone reads it."""
    report = make_report("us_cards", 3)
    values = {
        value.analyte: value.value
        for value in read_document(
            screenshot(report, 1, random.Random("screenshot-test")), "image/png"
        ).values
    }
    for analyte in ("serum_iron", "transferrin_saturation"):
        assert values.get(analyte) == report.truth.values[analyte].value


def test_a_unit_the_first_reading_took_for_cyrillic_is_read_again_in_the_pages_language() -> None:
    """On this French monitor photo `rus+eng` reads ferritin's "µg/L" as Cyrillic "рол;" and reads the page
    as a whole better than `fra+eng`, which reads that line's unit as "pg/L" (µg/L, repaired)."""
    report = make_report("fr_two_columns", 108)
    photo = monitor_photo(report, 1, random.Random("variety-photo_monitor-fr_two_columns-108"))
    values = {value.analyte: value.value for value in read_document(photo, "image/jpeg").values}
    assert values.get("ferritin") == report.truth.values["ferritin"].value

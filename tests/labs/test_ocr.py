"""Scans and phone photos through real Tesseract: accuracy on a small sample, turned pages, bad photos."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from verae.labs import reader
from verae.labs.errors import ReportUnreadable
from verae.labs.extract import read_values
from verae.labs.layout import Line, Word
from verae.labs.ocr import (
    checked,
    dotted_zeros,
    misshapen_digits,
    recognize,
    stop_ends_number,
    with_decimal_point,
)
from verae.labs.reader import read_document

from .corpus.samples import Sample
from .corpus.scoring import Score, score
from .rows import make_lines


def test_scans_and_photos_of_every_layout_are_read_accurately(ocr_samples: list[Sample]) -> None:
    """Behaviour threshold on a small sample; the bench measures the targets on a larger corpus."""
    totals = {"scan_pdf": Score(), "photo": Score()}
    for sample in ocr_samples:
        totals[sample.kind].add(
            score(read_document(sample.data, sample.media_type), sample.truth, sample.name)
        )
    for total in totals.values():
        assert total.precision >= 0.98, total.errors
        assert total.recall >= 0.9, total.errors


def test_an_upside_down_photo_is_turned_upright(ocr_samples: list[Sample]) -> None:
    (upside_down,) = [sample for sample in ocr_samples if sample.name == "uk_nhs-4-photo1.jpg"]
    result = score(
        read_document(upside_down.data, upside_down.media_type), upside_down.truth, upside_down.name
    )
    assert result.recall >= 0.8, result.errors


def blurred(sample: Sample, radius: float) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(sample.data)).filter(ImageFilter.GaussianBlur(radius)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_photo_too_blurry_to_read_says_so_with_the_ocr_confidence(ocr_samples: list[Sample]) -> None:
    photo = next(sample for sample in ocr_samples if sample.kind == "photo")
    with pytest.raises(ReportUnreadable) as caught:
        read_document(blurred(photo, 7), "image/jpeg")
    assert caught.value.code == "parse_failed"
    assert "too blurry" in caught.value.diagnostic
    assert "OCR confidence" in caught.value.diagnostic


def test_ocr_past_its_time_budget_stops_the_page_and_the_engine_reads_the_next_one(
    ocr_samples: list[Sample], monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = next(sample for sample in ocr_samples if sample.kind == "scan_pdf")
    with monkeypatch.context() as patched:
        patched.setattr(reader, "OCR_PAGE_SECONDS", 0.05)
        with pytest.raises(ReportUnreadable) as caught:
            read_document(scan.data, scan.media_type)
    assert caught.value.code == "page_timeout"
    # the engine stopped mid-page is the one the next document is read with
    after = score(read_document(scan.data, scan.media_type), scan.truth, scan.name)
    assert after.recall >= 0.9, after.errors


def test_a_page_tesseract_refuses_fails_at_once_and_is_no_timeout() -> None:
    """Tesseract takes no image taller than 32,767 px; its refusal comes well before the deadline."""
    refused = Image.new("L", (8, 40_000), 255)
    with pytest.raises(ReportUnreadable) as caught:
        recognize(refused, timeout=60, page=2)
    assert caught.value.code == "parse_failed"
    assert caught.value.diagnostic == "Page 2 could not be processed as an image."
    upright = Image.new("L", (400, 60), 255)
    ImageDraw.Draw(upright).text((10, 10), "Ferritin 45", fill=0, font=ImageFont.load_default(size=32))
    assert "Ferritin" in [word.text for word in recognize(upright, timeout=60, page=3)]


def test_the_reader_loaded_alone_runs_numpy_and_opencv_on_one_blas_thread() -> None:
    """As the reader's forkserver loads it: numpy, loaded by a module before `labs.ocr`, once kept a
    BLAS thread per core, which spun on both cores in the bend fit's least squares."""
    pytest.importorskip("threadpoolctl")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("OPENBLAS_NUM_THREADS", "OMP_THREAD_LIMIT", "OMP_NUM_THREADS")
    }
    script = (
        "import verae.labs.reader, threadpoolctl\n"
        "print(max(pool['num_threads'] for pool in threadpoolctl.threadpool_info()))"
    )
    threads = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert threads.stdout.strip() == "1"


def _printed_number(text: str, typeface: str = "DejaVuSans", overlap: float = 0) -> tuple[np.ndarray, Word]:
    """`text` drawn as a photo shows it (slightly blurred), each glyph `overlap` pixels into the last, and
    the word Tesseract would give for it with its decimal point (or a mark in its place) dropped."""
    page = Image.new("L", (400, 120), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{typeface}.ttf", 40)
    x = 40.0
    for char in text:
        draw.text((x, 30), char, font=font, fill=0)
        x += draw.textlength(char, font=font) - overlap
    grey = np.asarray(page.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.uint8)
    rows, columns = np.nonzero(grey < 128)
    box = (float(columns.min()), float(rows.min()), float(columns.max()), float(rows.max()))
    return grey, Word("".join(char for char in text if char.isdigit()), *box, 0.9)


def _drawn_number(
    text: str, *, size: int, blur: float, typeface: str = "DejaVuSansMono"
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """`text` (in DejaVu Sans Mono its zero is dotted), blurred as a photo shows it, and its ink's box."""
    page = Image.new("L", (560, 120), 255)
    font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{typeface}.ttf", size)
    ImageDraw.Draw(page).text((40, 30), text, font=font, fill=0)
    grey = np.asarray(page.filter(ImageFilter.GaussianBlur(blur)), dtype=np.uint8)
    rows, columns = np.nonzero(grey < 128)
    return grey, (float(columns.min()), float(rows.min()), float(columns.max()), float(rows.max()))


@pytest.mark.parametrize(
    ("printed", "typeface", "read"),
    [
        ("14.6", "DejaVuSans", "14.6"),
        ("4.82", "DejaVuSans", "4.82"),
        ("0.31", "DejaVuSans", "0.31"),
        ("146", "DejaVuSans", "146"),
        # a bold comma hangs below the baseline to 0.4 of the digits' height
        ("7,3", "DejaVuSans-Bold", "7.3"),
    ],
)
def test_a_decimal_point_ocr_dropped_is_put_back_where_the_pixels_show_it(
    printed: str, typeface: str, read: str
) -> None:
    grey, word = _printed_number(printed, typeface)
    assert with_decimal_point(grey, word).text == read


@pytest.mark.parametrize(("read", "misshapen"), [("21.8", False), ("21.6", True), ("21.86", True)])
def test_digits_read_that_the_pixels_cannot_hold_are_misshapen(read: str, misshapen: bool) -> None:
    """An 8 (two holes) read as a 6 (one at most), or as two digits where one glyph stands, is a misread."""
    grey, word = _printed_number("21.8")
    assert misshapen_digits(grey, replace(word, text=read)) is misshapen


@pytest.mark.parametrize(("read", "misshapen"), [("888", False), ("883", True), ("868", True)])
def test_touching_digits_are_judged_each_by_the_holes_in_its_own_slice(read: str, misshapen: bool) -> None:
    """Three bold 8s drawn touching are one component: cut into the digits' column slices, each holds its
    8's two holes (the paper the waists enclose between two 8s is cut open, a hole of neither), so an 8
    read as a 3 or a 6 (one hole at most) is a misread and the right reading is kept."""
    grey, word = _printed_number("888", "DejaVuSans-Bold", overlap=6)
    assert misshapen_digits(grey, replace(word, text=read)) is misshapen


@pytest.mark.parametrize(
    ("printed", "blur", "misshapen"),
    [
        # the dot an island in the ring: one hole across the middle third, which no 8's bowl crosses
        ("7.0", 1.0, True),
        # the dot joined to both sides: two holes stacked as an 8's, but no waist between them
        ("7.0", 1.8, True),
        ("7.8", 1.0, False),
        ("7.8", 1.8, False),
    ],
)
def test_a_dotted_zero_read_as_8_is_told_by_its_ring(printed: str, blur: float, misshapen: bool) -> None:
    """A monospace font's dotted zero, blurred, holds as many holes as an 8: read `7.8` it is judged by
    where its holes lie and whether its outline narrows between them, as an 8's does at its waist."""
    grey, box = _drawn_number(printed, size=40, blur=blur)
    assert misshapen_digits(grey, Word("7.8", *box, 0.9)) is misshapen


@pytest.mark.parametrize(("printed", "misshapen"), [("18.0H", True), ("18.8H", False)])
def test_a_flag_letter_glued_after_the_digits_is_left_out_when_they_are_judged(
    printed: str, misshapen: bool
) -> None:
    """OCR reads a flag beside a value as one word with it (`18.0 H` read `18.8H`): the letter is one
    component more than the digits read, left out, and the dotted zero read as 8 is still told by its
    ring, while an 8 read as itself is kept."""
    grey, box = _drawn_number(printed, size=32, blur=1.2)
    assert misshapen_digits(grey, Word("18.8H", *box, 0.9)) is misshapen


def test_a_dotted_zero_read_as_6_or_9_before_a_fraction_is_put_back_not_refused() -> None:
    """A monospace font's dotted zero, small and blurred as in a 1-MP photo, encloses two holes: read as
    6 or 9 (one hole at most) it is misshapen, yet with the zero the leading-zero repair puts back the
    holes fit, so the repaired value is read; a fraction whose other digits misfit stays refused."""
    grey, box = _drawn_number("0.453", size=30, blur=1.6)

    def hematocrit(read: str) -> float | None:
        value = checked(grey, Word(read, *box, 0.93))
        name = Word("Haematocrit", box[0] - 300, box[1], box[0] - 100, box[3], 0.93)
        unit = Word("L/L", box[2] + 60, box[1], box[2] + 110, box[3], 0.93)
        bounds = Word("(0.370-0.470)", box[2] + 200, box[1], box[2] + 420, box[3], 0.93)
        reading = read_values([Line((name, value, unit, bounds), 1)], ocr_pages=frozenset({1}))
        return next((found.value for found in reading.values if found.analyte == "hematocrit"), None)

    assert hematocrit("6.453") == hematocrit("9.453") == 0.453
    assert hematocrit("9.153") is None  # the 4 read as 1: a hole where a 1 has none


@pytest.mark.parametrize(
    ("printed", "read", "meant"),
    [
        ("(80.0-100.0)", "(86.6-166.0)", "(80.0-100.0)"),
        ("70.7", "78.7", "78.7"),
        ("13/04/2024", "13/64/2624", "13/04/2024"),
        ("88.8", "89.6", "89.6"),
        # a dotted zero read as 8 beside one read as 6: the word stays as read, not half repaired
        ("20/07/2024", "28/07/2624", "28/07/2624"),
        ("88.8", "88.8", "88.8"),
        ("(3.80-5.80)", "(3.86-5.89)", "(3.80-5.80)"),
    ],
)
def test_a_dotted_zero_read_as_6_or_9_is_read_as_the_zero_its_outline_shows(
    printed: str, read: str, meant: str
) -> None:
    """A monospace font's dotted zero, blurred so its dot joins the ring, holds two stacked holes as an 8
    does, which no 6 or 9 can; its outline has no waist between them, an 8's has, so OCR's 6 or 9 there
    becomes a zero, a printed 8 read 6 or 9 does not, and an 8 as read is left alone (`ocr.dotted_zeros`).
    The word's box is its ink's; its text the misreading seen on monitor photos."""
    grey, box = _drawn_number(printed, size=30, blur=1.6)
    assert dotted_zeros(grey, Word(read, *box, 0.9)).text == meant


@pytest.mark.parametrize(("printed", "meant"), [("0.354L", "0.354L"), ("8.354L", "@.354L")])
def test_a_dotted_zero_read_as_an_at_sign_is_read_as_the_zero_its_outline_shows(
    printed: str, meant: str
) -> None:
    """Tesseract reads a blurred dotted zero (a ring with its dot inside) as @ too, before a glued flag as
    often as not: the outline tells a zero (its dot's two halves, no waist) from an 8 read so, which stays."""
    grey, box = _drawn_number(printed, size=30, blur=1.6)
    assert dotted_zeros(grey, Word("@.354L", *box, 0.9)).text == meant


def test_a_9_whose_blurred_tail_closes_a_small_second_hole_is_no_dotted_zero() -> None:
    """A serif 9 at this size and blur closes its tail on the stem: a second hole, far smaller than the
    bowl's, with no waist between them; a dotted zero's dot leaves two halves of like size."""
    grey, box = _drawn_number("19", size=32, blur=2.0, typeface="DejaVuSerif")
    assert dotted_zeros(grey, Word("19", *box, 0.9)).text == "19"


@pytest.mark.parametrize(
    ("printed", "typeface", "read", "misshapen"),
    [
        # a serif 9's tail, or a 6's hook, closed on its stem: a second hole where the glyph narrows
        ("4,91", "DejaVuSerif", "4,01", True),
        ("8,6", "DejaVuSerif", "8,0", True),
        ("4,01", "DejaVuSerif", "4,01", False),
        # a dotted zero's two halves, as wide across one as across the other
        ("4,01", "DejaVuSansMono", "4,01", False),
        ("8,0", "DejaVuSansMono", "8,0", False),
    ],
)
def test_a_9_or_6_read_as_a_zero_is_told_by_its_lopsided_holes(
    printed: str, typeface: str, read: str, misshapen: bool
) -> None:
    """A curled photo's small blurred serif 9 (or 6) closes its tail (hook) into a second hole, and
    Tesseract, sure of itself, reads a zero, whose two holes a dotted one may hold: a zero is as wide
    across one hole as across the other, the 9 and 6 are not, so the reading is misshapen."""
    grey, box = _drawn_number(printed, size=32, blur=2.0, typeface=typeface)
    assert misshapen_digits(grey, Word(read, *box, 0.95)) is misshapen


@pytest.mark.parametrize(
    ("printed", "read", "misshapen"),
    [
        # the g's descender reaches below the digits' baseline, the m stands at x-height
        ("2,40 g", "2.409.", True),
        ("7,3 m", "7.39", True),
        ("2,49", "2.49.", False),
        ("139", "139", False),
    ],
)
def test_a_unit_letter_read_as_a_digit_glued_on_is_off_the_digits_lines(
    printed: str, read: str, misshapen: bool
) -> None:
    """OCR reads a unit's first letter beside a number as one more digit (`2,40 g/L` read `2.409.`); lining
    digits share their top and baseline, a g or an m does not, so the reading is refused."""
    grey, box = _drawn_number(printed, size=34, blur=1.2, typeface="DejaVuSans")
    assert misshapen_digits(grey, Word(read, *box, 0.9)) is misshapen


@pytest.mark.parametrize(
    ("printed", "boxed", "read", "ends"),
    [
        ("156.", "156.", "156.", True),
        ("7.", "7.", "7.", True),
        # a decimal whose digit OCR lost: the digit stands right of the stop
        ("156.4", "156.", "156.", False),
        ("15.6", "15.", "15.", False),
        # the point read out of place, after the digits
        ("15.6", "15.6", "156.", False),
    ],
)
def test_a_stop_with_no_digit_after_it_on_the_page_ends_the_number(
    printed: str, boxed: str, read: str, ends: bool
) -> None:
    """A whole number read with a stop after it is that number where the pixels show the stop and no
    digit where one after a decimal point would stand; where a digit stands there, or the point stands
    between the digits, the reading is left in doubt."""
    grey, _ = _drawn_number(printed, size=30, blur=1.0, typeface="DejaVuSans")
    _, box = _drawn_number(boxed, size=30, blur=1.0, typeface="DejaVuSans")
    assert stop_ends_number(grey, Word(read, *box, 0.9)) is ends


def test_a_mark_between_digits_above_the_baseline_is_no_decimal_point() -> None:
    grey, word = _printed_number("12\u00b73")  # a middle dot, at half the digits' height
    assert with_decimal_point(grey, word).text == "123"


def test_a_speck_under_the_digits_baseline_is_no_decimal_point() -> None:
    grey, word = _printed_number("132")
    speck = grey.copy()
    speck[round(word.bottom) + 4 : round(word.bottom) + 7, round(word.x0) + 17 : round(word.x0) + 20] = 0
    assert with_decimal_point(speck, word).text == "132"


@pytest.mark.parametrize(("printed", "read", "misshapen"), [("11", "1", True), ("41  %", "41", False)])
def test_a_digit_dropped_where_its_glyph_stands_is_a_misread(
    printed: str, read: str, misshapen: bool
) -> None:
    """`11` read as `1` lost a digit; `41` in a box that took in the `%` a word space away lost none."""
    grey, word = _printed_number(printed)
    assert misshapen_digits(grey, replace(word, text=read)) is misshapen


@pytest.mark.parametrize(
    ("printed", "typeface", "read", "gap"),
    [
        # the down arrow's stem and head read as a 4, glued on across the word space
        ("7 \u2193", "DejaVuSans", "74", 1),
        # a serif 1 leaves the widest gap the digits of one number leave
        ("11", "DejaVuSerif", "11", None),
    ],
)
def test_a_flag_read_as_a_digit_across_a_word_space_is_found_in_the_pixels(
    printed: str, typeface: str, read: str, gap: int | None
) -> None:
    page = Image.new("L", (300, 120), 255)
    font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{typeface}.ttf", 32)
    ImageDraw.Draw(page).text((40, 40), printed, font=font, fill=0)
    (word,) = recognize(page.filter(ImageFilter.GaussianBlur(1.0)), timeout=20, page=1, languages="eng")
    assert (word.text, word.digits_before_gap) == (read, gap)


@pytest.mark.parametrize(
    ("cells", "kept"),
    [
        # 74 lies inside its range, so nothing but the gap tells the arrow from a digit
        (((40, "Ferritin"), (200, "74"), (260, "ng/mL"), (340, "15 - 150")), []),
        # the range says 724 g/L is the arrow glued on 72, and the arrow repair cuts it off
        (((40, "Hemoglobin"), (200, "724"), (260, "g/L"), (340, "120 - 160")), [72.0]),
    ],
)
def test_a_value_still_holding_digits_glued_across_a_word_space_is_not_used(
    cells: tuple[tuple[float, str], ...], kept: list[float]
) -> None:
    (line,) = make_lines([list(cells)])
    value_word = line.words[1]
    glued = replace(value_word, digits_before_gap=len(value_word.text) - 1)
    line = replace(line, words=(line.words[0], glued, *line.words[2:]))
    assert [value.value for value in read_values([line], ocr_pages=frozenset({1})).values] == kept


@pytest.mark.parametrize(("read", "misshapen"), [("128", False), ("12", True)])
def test_a_digit_broken_in_two_stacked_pieces_counts_as_one_glyph(read: str, misshapen: bool) -> None:
    """Small type photographed off a monitor loses thin strokes: the 8 cut across its waist stands as two
    pieces one above the other, each over half the digits' height, which are one glyph, so `128` read
    right is no digit lost, while `12` read there still is one."""
    grey, word = _printed_number("128")
    rows, columns = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]]
    eight = word.x1 - 10
    cut = (word.top + word.bottom) / 2 + 0.5 * (columns - eight)
    broken = np.where((np.abs(rows - cut) < 1.5) & (columns >= word.x1 - 21), 255, grey).astype(np.uint8)
    assert misshapen_digits(broken, replace(word, text=read)) is misshapen


def test_a_speck_over_a_decimal_point_is_no_broken_digit() -> None:
    """A scan's speck just above a decimal point stands stacked over it as a broken digit's pieces do, but
    both are far narrower than any piece of a digit: `88.2` read right keeps its value."""
    grey, word = _printed_number("88.2")
    count, _, stats, _ = cv2.connectedComponentsWithStats((grey < 128).astype(np.uint8))
    point = min(range(1, count), key=lambda label: int(stats[label, cv2.CC_STAT_AREA]))
    x, bottom = (
        int(stats[point, cv2.CC_STAT_LEFT]),
        int(stats[point, cv2.CC_STAT_TOP] + stats[point, cv2.CC_STAT_HEIGHT]),
    )
    # together as tall as 0.6 of the digits, which is what a digit's two pieces would stand
    top = bottom - round(0.6 * (word.bottom - word.top))
    specked = grey.copy()
    specked[top : top + 3, x + 1 : x + 4] = 0
    assert not misshapen_digits(specked, replace(word, text="88.2"))


def test_an_8_whose_waist_opened_its_two_holes_into_one_is_no_dotted_zero() -> None:
    """Blur can open an 8's waist so its two holes are one, spanning the middle third as a dotted zero's
    ring does; its outline still pinches in there, a zero's oval does not, so the 8 read is kept."""
    grey, word = _printed_number("84")
    opened = grey.copy()
    waist = round((word.top + word.bottom) / 2)
    # the stroke across the waist erased inside the outline, which keeps its sides
    opened[waist - 2 : waist + 2, round(word.x0) + 7 : round(word.x0) + 13] = 255
    assert misshapen_digits(opened, word) is False


@pytest.mark.parametrize(("printed", "misshapen"), [("290", True), ("298", False)])
def test_a_dotted_zero_read_as_8_is_a_ring_when_its_outline_is_convex_between_its_holes(
    printed: str, misshapen: bool
) -> None:
    """A slanted dotted zero, blurred, is a touch narrower between its two holes than across the lower one
    (a photo's `298` for 290 missed the ring so), yet no narrower than the chord between its widths across
    them, as an oval's outline is; an 8 pinches in far under that chord at its waist (`ocr._ring`)."""
    grey, box = _drawn_number(printed, size=32, blur=1.6, typeface="DejaVuSansMono-Oblique")
    assert misshapen_digits(grey, Word("298", *box, 0.9)) is misshapen

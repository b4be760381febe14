"""The targeted second reading (`labs.reread`): lines naming an analyte without a value are read again,
and a second reading is kept only when it passes every check the first does."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from verae.labs import catalog, reread
from verae.labs.extract import names_on_line, read_values
from verae.labs.layout import Line, Word
from verae.labs.schemas import LabValue

from .corpus.layouts import FONT_DIR
from .rows import make_line, make_lines


def read(lines: list[Line]) -> list[LabValue]:
    return read_values(lines, ocr_pages=frozenset({1})).values


def with_size(line: Line) -> Line:
    return Line(line.words, line.page, (1000.0, 1000.0))


def test_a_line_read_again_with_its_value_replaces_the_first_reading() -> None:
    first = [with_size(make_line((40, "Насыщение трансферрина, %"), (400, "314"), (500, "15,0 - 50,0")))]
    # the first reading lost the decimal comma: refused as a misread, nothing read
    assert read(first) == []
    again = {0: with_size(make_line((40, "Насыщение трансферрина, %"), (400, "31,4"), (500, "15,0 - 50,0")))}
    merged, replaced = reread.merge(first, again, read)
    assert replaced == 1
    assert [(value.analyte, value.value) for value in read(merged)] == [("transferrin_saturation", 31.4)]


def test_a_second_reading_that_its_range_disowns_is_refused() -> None:
    first = [with_size(make_line((40, "Hemoglobin"), (300, "Sede."), (400, "g/L"), (500, "(115-165)")))]
    # 9 g/L against 115-165: far outside an unflagged range, the same rejection as a first reading's
    again = {0: with_size(make_line((40, "Hemoglobin"), (300, "9"), (400, "g/L"), (500, "(115-165)")))}
    merged, replaced = reread.merge(first, again, read)
    assert replaced == 0
    assert merged == first


def test_a_second_reading_whose_digits_contradict_the_first_is_refused() -> None:
    first = [with_size(make_line((40, "MCV"), (300, "8.8"), (400, "fL"), (500, "(80.0-100.0)")))]
    assert read(first) == []
    again = {0: with_size(make_line((40, "MCV"), (300, "88.0"), (400, "fL"), (500, "(80.0-100.0)")))}
    assert reread.merge(first, again, read)[1] == 0


def test_a_second_reading_that_lost_the_first_readings_decimal_comma_is_refused() -> None:
    first = [with_size(make_line((40, "Serum iron"), (300, "2,7"), (400, "umol/L"), (500, "10,0-30,0")))]
    # far below an unflagged range: left to the extreme's own second reading, not read here
    assert read(first) == []
    # the same digits without the comma lie inside the range, yet a lost comma is OCR's garble, not the page's
    again = {0: with_size(make_line((40, "Serum iron"), (300, "27"), (400, "umol/L"), (500, "10,0-30,0")))}
    assert reread.merge(first, again, read)[1] == 0


def test_values_already_read_are_never_lost_to_a_second_reading() -> None:
    first = [
        with_size(
            make_line((40, "Hemoglobin 128 g/L (120-160)"), (600, "Ferritin"), (800, "ug/L"), (900, "15-150"))
        )
    ]
    assert [value.analyte for value in read(first)] == ["hemoglobin"]
    # the second reading finds the ferritin but misreads the haemoglobin: the first reading stays
    again = {
        0: with_size(
            make_line(
                (40, "Hemoglobin 1 g/L (120-160)"), (600, "Ferritin 45"), (800, "ug/L"), (900, "15-150")
            )
        )
    }
    assert reread.merge(first, again, read)[1] == 0


def test_targets_are_the_lines_naming_more_analytes_than_they_gave() -> None:
    lines = [
        make_line((40, "Hemoglobin 128 g/L (120-160)")),
        make_line((40, "Red cell count eee Sede."), (400, "x10^12/L"), (500, "(3.80-5.80)"), top=120),
        make_line((40, "Collected on 01/02/2024"), top=140),
    ]
    assert reread.targets(lines, read(lines), names_on_line) == [1]


def test_a_garbled_line_is_read_again_from_the_page_image() -> None:
    """Real Tesseract on a drawn page: the first reading's line (here made up, its value garbled) is cut
    from the image, read again, and the value comes back in the page's coordinates."""
    font = ImageFont.truetype(f"{FONT_DIR}/DejaVuSans.ttf", 34)
    page = Image.new("L", (1600, 400), 255)
    draw = ImageDraw.Draw(page)
    draw.text((60, 100), "Hemoglobin", font=font, fill=0)
    draw.text((600, 100), "128", font=font, fill=0)
    draw.text((800, 100), "g/L", font=font, fill=0)
    draw.text((1000, 100), "120-160", font=font, fill=0)
    box = draw.textbbox((600, 100), "128", font=font)
    garbled = Line(
        (
            Word("Hemoglobin", 60, box[1], 280, box[3], 0.9),
            Word("Sede.", box[0], box[1], box[2], box[3], 0.2),
            Word("g/L", 800, box[1], 860, box[3], 0.9),
            Word("120-160", 1000, box[1], 1150, box[3], 0.9),
        ),
        1,
        page.size,
    )
    lines = [garbled]
    indexes = reread.targets(lines, read(lines), names_on_line)
    assert indexes == [0]
    again = reread.read_again(page, lines, indexes, timeout=20, page=1, languages="eng")
    merged, replaced = reread.merge(lines, again, read)
    assert replaced == 1
    (value,) = read(merged)
    assert (value.analyte, value.value, value.unit) == ("hemoglobin", 128.0, "g/L")
    assert value.bbox is not None
    assert abs(value.bbox[0] - box[0] / page.width) < 0.02


def test_the_cached_label_matchers_keep_exact_and_fuzzy_matching_apart() -> None:
    # merge parses the page again per candidate, so the matchers are cached: a fuzzy answer must never
    # be served to an exact call for the same label, nor the other way round
    assert catalog.match_label("Гемоглобии") is None
    assert catalog.match_label("Гемоглобии", fuzzy=True) is catalog.match_label("Hemoglobin")
    assert catalog.match_label("Гемоглобии") is None


def test_a_value_the_second_reading_reads_as_another_number_waits_for_its_own_box() -> None:
    first = [
        with_size(
            make_line(
                (40, "Transferrin 3.48 g/L 2.00-3.60"), (600, "Ferritin"), (800, "ug/L"), (900, "15-150")
            )
        )
    ]
    assert [(value.analyte, value.value) for value in read(first)] == [("transferrin", 3.48)]
    # read again for the ferritin, the line gives the transferrin as 3.18: one reading misread a digit
    again = {
        0: with_size(
            make_line(
                (40, "Transferrin 3.18 g/L 2.00-3.60"), (600, "Ferritin 45"), (800, "ug/L"), (900, "15-150")
            )
        )
    }
    merged, replaced = reread.merge(first, again, read)
    assert replaced == 0
    reading = read_values(merged, ocr_pages=frozenset({1}))
    # neither is taken: the first waits for its box read alone (`labs.confirm`, the unsure check)
    assert reading.values == []
    assert [" ".join(word.text for word in words) for words in reading.unsure] == ["3.48"]


def test_a_number_the_second_reading_finds_elsewhere_on_the_row_disputes_nothing() -> None:
    first = [
        with_size(
            make_line((40, "WBC"), (400, "5.55"), (480, "Bin/uL"), (600, "4.0-10.0"), (900, "Ferritin"))
        )
    ]
    assert [(value.analyte, value.value) for value in read(first)] == [("wbc", 5.55)]
    # read again for the ferritin, the line gives a speck before the value as "7", and the value as before
    again = {
        0: with_size(
            make_line(
                (40, "WBC"), (250, "7"), (400, "5.55"), (480, "Bin/uL"), (600, "4.0-10.0"), (900, "Ferritin")
            )
        )
    }
    merged, replaced = reread.merge(first, again, read)
    assert replaced == 0
    reading = read_values(merged, ocr_pages=frozenset({1}))
    assert [(value.analyte, value.value) for value in reading.values] == [("wbc", 5.55)]
    assert reading.unsure == []


def test_a_card_s_value_line_read_again_gives_the_card_its_value() -> None:
    """A card prints its value on the line under its name, and the value carries the name's line as its
    source: the value line read again is judged by where its value stands, not by the source it names."""
    garbled = [
        with_size(line)
        for line in make_lines(
            [[(40, "Red Blood Cell Count")], [(40, "Below Вапде 3.75 Million/uL")], [(40, "Капде 3.8-5.8")]]
        )
    ]
    # "Range" read in Cyrillic look-alikes: the value line opens with no status, so no card value is borrowed
    assert read(garbled) == []
    printed = [
        with_size(line)
        for line in make_lines(
            [[(40, "Red Blood Cell Count")], [(40, "Below Range 3.75 Million/uL")], [(40, "Range 3.8-5.8")]]
        )
    ]
    merged, replaced = reread.merge(garbled, {1: printed[1], 2: printed[2]}, read)
    assert replaced >= 1
    assert [(value.analyte, value.value) for value in read(merged)] == [("rbc", 3.75)]

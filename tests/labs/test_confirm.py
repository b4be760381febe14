"""A value far outside its printed range (`labs.confirm`): refused on one reading, believed and marked for
review when a second reading of its own box agrees with it."""

from __future__ import annotations

from dataclasses import replace

from PIL import Image, ImageDraw, ImageFont

from verae.labs import confirm
from verae.labs.extract import read_values
from verae.labs.layout import Line, Word

from .corpus.layouts import FONT_DIR
from .rows import make_line


def _confirmed(line: Line, text: str) -> Line:
    return replace(line, words=tuple(replace(word, confirmed=word.text == text) for word in line.words))


def test_an_extreme_value_is_refused_until_its_box_is_confirmed_and_then_marked_for_review() -> None:
    line = make_line((40, "Ferritin"), (200, "3,4"), (260, "ng/mL"), (320, "12,0 - 150,0"), confidence=0.95)
    first = read_values([line], ocr_pages=frozenset({1}))
    assert first.values == []
    assert [warning.code for warning in first.warnings] == ["value_misread"]
    assert [[word.text for word in words] for words in first.unconfirmed] == [["3,4"]]

    (value,) = read_values([_confirmed(line, "3,4")], ocr_pages=frozenset({1})).values
    assert (value.analyte, value.value, value.doubtful) == ("ferritin", 3.4, True)


def test_a_confirmed_value_still_passes_every_other_check() -> None:
    # a low flag on a value above its range contradicts it, however sure both readings are
    line = make_line((40, "Ferritin"), (200, "340"), (240, "L"), (260, "ng/mL"), (320, "12,0 - 150,0"))
    reading = read_values([_confirmed(line, "340")], ocr_pages=frozenset({1}))
    assert reading.values == []
    assert reading.unconfirmed == []


def _drawn_row(*cells: tuple[int, str], value_at: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A page with one row's texts drawn at their x, and the box of the text drawn at `value_at`."""
    font = ImageFont.truetype(f"{FONT_DIR}/DejaVuSans.ttf", 34)
    page = Image.new("L", (1600, 300), 255)
    draw = ImageDraw.Draw(page)
    for x, text in cells:
        draw.text((x, 100), text, font=font, fill=0)
    box = draw.textbbox((value_at, 100), dict(cells)[value_at], font=font)
    return page, (round(box[0]), round(box[1]), round(box[2]), round(box[3]))


def _page(value: str) -> tuple[Image.Image, tuple[int, int, int, int]]:
    return _drawn_row((60, "Ferritin"), (600, value), (800, "ng/mL"), (1000, "12,0 - 150,0"), value_at=600)


def _line(box: tuple[int, int, int, int], first_reading: str, size: tuple[int, int]) -> Line:
    left, top, right, bottom = box
    words = (
        Word("Ferritin", 60, top, 220, bottom, 0.95),
        Word(first_reading, left, top, right, bottom, 0.95),
        Word("ng/mL", 800, top, 900, bottom, 0.95),
        Word("12,0", 1000, top, 1070, bottom, 0.95),
        Word("-", 1085, top, 1100, bottom, 0.95),
        Word("150,0", 1115, top, 1210, bottom, 0.95),
    )
    return Line(words, 1, (float(size[0]), float(size[1])))


def test_a_second_reading_of_the_box_confirms_what_is_printed_and_not_a_misread() -> None:
    """Real Tesseract on a drawn row: the box of "3,4" read alone gives "3,4", so a first reading of 3,4
    is believed and one of 1,4 (a misread) is not."""
    page, box = _page("3,4")
    for first_reading, believed in (("3,4", True), ("1,4", False)):
        lines = [_line(box, first_reading, page.size)]
        suspects = read_values(lines, ocr_pages=frozenset({1})).unconfirmed
        assert [[word.text for word in words] for words in suspects] == [[first_reading]]
        checked = confirm.confirm(page, lines, suspects, timeout=20, page=1)
        values = read_values(checked, ocr_pages=frozenset({1})).values
        assert [(value.value, value.doubtful) for value in values] == ([(3.4, True)] if believed else [])


def test_a_whole_number_ending_in_a_full_stop_is_read_again_and_taken_without_it() -> None:
    """ "315." is 315 with a speck, or 31.5 / 315.1 with digits lost: the box read alone as "315" says
    which."""
    page, (left, top, right, bottom) = _drawn_row(
        (60, "Platelets"), (600, "315"), (1000, "150 - 400"), value_at=600
    )
    words = (
        Word("Platelets", 60, top, 230, bottom, 0.95),
        Word("315.", left, top, right + 8, bottom, 0.95),
        Word("150", 1000, top, 1060, bottom, 0.95),
        Word("-", 1075, top, 1090, bottom, 0.95),
        Word("400", 1105, top, 1165, bottom, 0.95),
    )
    lines = [Line(words, 1, (1600.0, 300.0))]
    first = read_values(lines, ocr_pages=frozenset({1}))
    assert first.values == []
    assert [[word.text for word in words] for words in first.unconfirmed] == [["315."]]
    checked = confirm.confirm(page, lines, first.unconfirmed, timeout=20, page=1)
    values = read_values(checked, ocr_pages=frozenset({1})).values
    assert [(value.analyte, value.value, value.doubtful) for value in values] == [("platelets", 315.0, True)]


def test_a_whole_number_read_with_a_stop_holds_the_value_place_against_a_later_number() -> None:
    # "69" read "69." with its range garbled (".50-170"): the previous result 72 after them is no value;
    # the row waits for the stop to be settled, as any "315." does
    line = make_line(
        (40, "Sideremia"), (200, "69."), (260, "ug/dL"), (320, ".50-170"), (480, "72"), confidence=0.95
    )
    reading = read_values([line], ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [[word.text for word in words] for words in reading.unconfirmed] == [["69."]]


def test_a_whole_number_read_with_a_comma_holds_the_value_place_against_a_later_number() -> None:
    # "66,7*" read as two words "66," and "7*": the 7 after it is no value (it was read as UIBC 7); only a
    # second reading of the line can tell the value, so the row gives none
    line = make_line(
        (40, "ЛЖСС"),
        (200, "66,"),
        (240, "7*"),
        (300, "64,0"),
        (380, "мкмоль/л"),
        (480, "20,0 - 62,0"),
        confidence=0.9,
    )
    assert read_values([line], ocr_pages=frozenset({1})).values == []


def test_an_unsure_value_outside_its_range_with_an_unreadable_unit_waits_for_a_second_reading() -> None:
    # "1.95" read at 0.55 where 4.95 is printed: the unit "10*12/л" was unreadable, so nothing on the row
    # vouches for the digits; sure, flagged or with its unit read, the same value is used at once
    unsure = make_line((40, "RBC"), (200, "1.95"), (260, "#%"), (320, "3,90 - 5,30"), confidence=0.55)
    reading = read_values([unsure], ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [[word.text for word in words] for words in reading.unsure] == [["1.95"]]
    (value,) = read_values([_confirmed(unsure, "1.95")], ocr_pages=frozenset({1})).values
    assert (value.analyte, value.value, value.doubtful) == ("rbc", 1.95, True)
    for believed in (
        make_line((40, "RBC"), (200, "1.95"), (260, "#%"), (320, "3,90 - 5,30"), confidence=0.95),
        make_line((40, "RBC"), (200, "1.95"), (230, "L"), (260, "#%"), (320, "3,90 - 5,30"), confidence=0.55),
        make_line((40, "RBC"), (200, "1.95"), (260, "10*12/л"), (320, "3,90 - 5,30"), confidence=0.55),
    ):
        reading = read_values([believed], ocr_pages=frozenset({1}))
        assert [value.value for value in reading.values] == [1.95]
        assert reading.unsure == []


def test_an_unsure_fraction_printed_without_a_unit_beside_a_range_in_parts_of_one_is_used() -> None:
    # a haematocrit printed "0,356 0,370-0,470": no unit was printed (the litres of L/L cancel), so the
    # missing unit is no sign OCR misread the row; a unit lost beside a range above one still is
    fraction = make_line((40, "Hématocrite"), (110, "0,356"), (170, "0,370-0,470"), confidence=0.55)
    reading = read_values([fraction], ocr_pages=frozenset({1}))
    assert [(value.analyte, value.value) for value in reading.values] == [("hematocrit", 0.356)]
    assert reading.unsure == []
    for unsure in (
        make_line((40, "RBC"), (200, "1.95"), (320, "3,90 - 5,30"), confidence=0.55),
        make_line((40, "Hématocrite"), (110, "0,356."), (170, "0,370-0,470"), confidence=0.55),
    ):
        reading = read_values([unsure], ocr_pages=frozenset({1}))
        assert reading.values == []
        assert len(reading.unsure) == 1


def test_an_unsure_value_beside_a_misread_range_waits_for_a_second_reading() -> None:
    # "9.0 - 5,30" for 3,90 - 5,30: a range whose lower limit is above its upper one was misread
    line = make_line((40, "RBC"), (200, "4.64"), (260, "10*12/л"), (320, "9.0 - 5,30"), confidence=0.55)
    reading = read_values([line], ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [[word.text for word in words] for words in reading.unsure] == [["4.64"]]


def test_an_unsure_first_reading_is_believed_when_the_box_alone_is_read_surely_the_same() -> None:
    """Real Tesseract on a drawn row with no unit: a first reading of 11,2 at 0.6 is believed (marked for
    review) when the box read alone gives 11,2 surely, and one of 17,2 (a misread) is not."""
    page, (left, top, right, bottom) = _drawn_row(
        (60, "Hemoglobin"), (600, "11,2"), (1000, "12,0 - 16,0"), value_at=600
    )
    for first_reading, believed in (("11,2", True), ("17,2", False)):
        words = (
            Word("Hemoglobin", 60, top, 270, bottom, 0.95),
            Word(first_reading, left, top, right, bottom, 0.6),
            Word("12,0", 1000, top, 1070, bottom, 0.95),
            Word("-", 1085, top, 1100, bottom, 0.95),
            Word("16,0", 1115, top, 1185, bottom, 0.95),
        )
        lines = [Line(words, 1, (1600.0, 300.0))]
        unsure = read_values(lines, ocr_pages=frozenset({1})).unsure
        assert [[word.text for word in words] for words in unsure] == [[first_reading]]
        checked = confirm.confirm(page, lines, [], timeout=20, page=1, unsure=unsure)
        values = read_values(checked, ocr_pages=frozenset({1})).values
        assert [(value.value, value.doubtful) for value in values] == ([(11.2, True)] if believed else [])


def test_a_value_printed_without_a_range_is_not_believed_when_its_box_reads_another_number() -> None:
    """Real Tesseract on a drawn row with no range to check the digits: a first reading of 46 where 40
    is printed is refuted by the box read alone, and a first reading of 40 is kept as it was."""
    page, (left, top, right, bottom) = _drawn_row((60, "Ferritin"), (600, "40"), (800, "ug/L"), value_at=600)
    for first_reading, kept in (("46", False), ("40", True)):
        words = (
            Word("Ferritin", 60, top, 220, bottom, 0.95),
            Word(first_reading, left, top, right, bottom, 0.93),
            Word("ug/L", 800, top, 880, bottom, 0.95),
        )
        lines = [Line(words, 1, (1600.0, 300.0))]
        first = read_values(lines, ocr_pages=frozenset({1}))
        assert [value.value for value in first.values] == [float(first_reading)]
        assert [[word.text for word in words] for words in first.unranged] == [[first_reading]]
        checked = confirm.confirm(page, lines, [], timeout=20, page=1, unranged=first.unranged)
        values = read_values(checked, ocr_pages=frozenset({1})).values
        assert [(value.value, value.doubtful) for value in values] == ([(40.0, False)] if kept else [])


def test_a_value_read_unsure_is_refused_when_its_box_alone_is_read_surely_as_another_number() -> None:
    """Real Tesseract on a drawn row with its unit and range, the value inside the range: a first reading
    of 14,3 at 0.74 where 14,1 is printed (a speck on the 1) is refused when the box read alone gives 14,1
    surely; a first reading of 14,1 at 0.74 is kept, unmarked, as the box agrees surely."""
    page, (left, top, right, bottom) = _drawn_row(
        (60, "Hemoglobin"), (600, "14,1"), (800, "g/dL"), (1000, "12,0 - 16,0"), value_at=600
    )
    for first_reading, kept in (("14,3", False), ("14,1", True)):
        words = (
            Word("Hemoglobin", 60, top, 270, bottom, 0.95),
            Word(first_reading, left, top, right, bottom, 0.74),
            Word("g/dL", 800, top, 880, bottom, 0.95),
            Word("12,0", 1000, top, 1070, bottom, 0.95),
            Word("-", 1085, top, 1100, bottom, 0.95),
            Word("16,0", 1115, top, 1185, bottom, 0.95),
        )
        lines = [Line(words, 1, (1600.0, 300.0))]
        first = read_values(lines, ocr_pages=frozenset({1}))
        assert [value.value for value in first.values] == [float(first_reading.replace(",", "."))]
        assert [[word.text for word in words] for words in first.read_unsure] == [[first_reading]]
        checked = confirm.confirm(page, lines, [], timeout=20, page=1, read_unsure=first.read_unsure)
        values = read_values(checked, ocr_pages=frozenset({1})).values
        assert [(value.value, value.doubtful) for value in values] == ([(14.1, False)] if kept else [])


def test_a_previous_result_as_far_out_on_the_same_side_vouches_for_an_extreme_value() -> None:
    # ferritin 3,4 against 12,0-150,0, unflagged: believed (marked for review) beside a previous 3,2, not
    # beside a previous inside the range, ten times off (a separator lost) or printed with other decimals
    def read(previous: str) -> list[tuple[float, bool]]:
        line = make_line(
            (40, "Ferritin"), (200, "3,4"), (260, "ng/mL"), (320, "12,0 - 150,0"), (480, previous)
        )
        return [
            (value.value, value.doubtful) for value in read_values([line], ocr_pages=frozenset({1})).values
        ]

    assert read("3,2") == [(3.4, True)]
    for previous in ("40,0", "32", "3,21", "2,6"):
        assert read(previous) == [], previous


def test_a_previous_result_outside_the_range_but_not_as_far_out_vouches_for_an_extreme_value() -> None:
    # ferritin 5,8 against 12,0-150,0 (under half the lower limit), previous 6,2 (just above half of it):
    # believed, marked for review; a previous 7,4 (more than a quarter apart) vouches for nothing
    def read(previous: str) -> list[tuple[float, bool]]:
        line = make_line(
            (40, "Ferritin"), (200, "5,8"), (260, "ng/mL"), (320, "12,0 - 150,0"), (480, previous)
        )
        return [
            (value.value, value.doubtful) for value in read_values([line], ocr_pages=frozenset({1})).values
        ]

    assert read("6,2") == [(5.8, True)]
    assert read("7,4") == []


def test_a_whole_value_beside_a_previous_result_with_decimals_lost_its_separator() -> None:
    # "3,5" read "35" beside a previous "3,7": refused; a whole 35 beside a whole 37, a 3,5 beside 3,7,
    # and a whole 35 beside a previous 2,1 (no separator puts it near) are kept
    def read(value: str, previous: str) -> list[float]:
        line = make_line(
            (40, "Ferritin"),
            (200, value),
            (260, "ng/mL"),
            (320, "12,0 - 150,0"),
            (480, previous),
            confidence=0.95,
        )
        return [value.value for value in read_values([line], ocr_pages=frozenset({1})).values]

    assert read("35", "3,7") == []
    assert read("35", "37") == [35.0]
    assert read("3,5", "3,7") == [3.5]
    assert read("35", "2,1") == [35.0]


def test_a_low_flag_read_as_a_last_1_is_told_by_the_previous_result() -> None:
    # "4 L" read "41" and "12 L" read "121" beside previous results 4 and 13, under a range starting at
    # 15: refused, as beside a previous read with a stop after its digits ("4." for 4 or 4,x); a 41
    # beside a previous 40 or "40.", a 14 beside 1 (without its 1 the value is not below the
    # range) and a 61 beside 6 above a range starting at 5 are kept
    def read(value: str, previous: str, low: str = "15") -> list[float]:
        line = make_line(
            (40, "Ferritin"),
            (200, value),
            (260, "ng/mL"),
            (320, f"{low} - 150"),
            (480, previous),
            confidence=0.95,
        )
        return [value.value for value in read_values([line], ocr_pages=frozenset({1})).values]

    assert read("41", "4") == []
    assert read("121", "13") == []
    assert read("41", "4.") == []
    assert read("41", "40") == [41.0]
    assert read("41", "40.") == [41.0]
    assert read("14", "1") == [14.0]
    assert read("61", "6", low="5") == [61.0]


def test_a_previous_result_does_not_vouch_for_a_value_no_one_has_in_its_unit() -> None:
    # "16,1 g/L" haemoglobin beside "15,3": a unit misread (g/dL), however alike the two numbers are
    line = make_line((40, "Hemoglobin"), (200, "16,1"), (260, "g/L"), (320, "120 - 160"), (480, "15,3"))
    assert read_values([line], ocr_pages=frozenset({1})).values == []


def test_a_unit_garbled_between_two_fitting_units_is_read_again_alone_in_english() -> None:
    """Real Tesseract on a drawn row: ferritin 34 with 15 - 150 is as ordinary in µg/L as in pmol/L, so a
    unit the first reading garbled into Cyrillic ("Ме") leaves it unused; the unit's box read alone in
    English gives a spelling of µg/L, and the row then gives its value, its unit marked inferred where
    read through look-alikes. A box whose second reading is no unit of ferritin ("mmol/L") changes
    nothing."""
    font = ImageFont.truetype(f"{FONT_DIR}/DejaVuSerif.ttf", 40)
    for printed, expected in (("µg/L", [34.0]), ("mmol/L", [])):
        page = Image.new("L", (1600, 300), 255)
        ImageDraw.Draw(page).text((800, 100), printed, font=font, fill=0)
        left, top, right, bottom = (
            round(edge) for edge in ImageDraw.Draw(page).textbbox((800, 100), printed, font=font)
        )
        words = (
            Word("Ferritin", 60, top, 220, bottom, 0.95),
            Word("34", 600, top, 640, bottom, 0.95),
            Word("Ме", left, top, right, bottom, 0.6),
            Word("15", 1000, top, 1040, bottom, 0.95),
            Word("-", 1055, top, 1070, bottom, 0.95),
            Word("150", 1085, top, 1145, bottom, 0.95),
        )
        lines = [Line(words, 1, (float(page.width), float(page.height)))]
        first = read_values(lines, ocr_pages=frozenset({1}))
        assert first.values == []
        assert [[word.text for word in garble] for _, garble in first.unit_unread] == [["Ме"]]

        read = confirm.read_units(page, lines, first.unit_unread, timeout=20, page=1)
        assert [
            value.normalized_value for value in read_values(read, ocr_pages=frozenset({1})).values
        ] == expected


def test_a_separator_lost_with_the_unit_glued_on_is_restored_by_the_box_read_alone() -> None:
    """Real Tesseract on a drawn row: "4,77 T/L" in small type read "47711." (the comma lost, the unit's
    letters as digits and a stop) lies far outside 3,80 - 5,90; the value's box read alone gives its
    leading digits with the comma, which then stands where the range's decimals say, and the value is
    used, marked for review. A box read with other digits, or with a separator the range's decimals do
    not fit, leaves it refused."""
    for printed, expected in (("4,77", [(4.77, True)]), ("4,71", []), ("47,7", [])):
        page, (left, top, right, bottom) = _drawn_row(
            (60, "Hématies"), (600, printed), (1000, "3,80 - 5,90"), value_at=600
        )
        words = (
            Word("Hématies", 60, top, 230, bottom, 0.95),
            Word("47711.", left, top, right, bottom, 0.7),
            Word("3,80", 1000, top, 1070, bottom, 0.95),
            Word("-", 1085, top, 1100, bottom, 0.95),
            Word("5,90", 1115, top, 1185, bottom, 0.95),
        )
        lines = [Line(words, 1, (1600.0, 300.0))]
        first = read_values(lines, ocr_pages=frozenset({1}))
        assert first.values == []
        assert [[word.text for word in words] for words in first.unconfirmed] == [["47711."]]
        checked = confirm.confirm(page, lines, first.unconfirmed, timeout=20, page=1)
        values = read_values(checked, ocr_pages=frozenset({1})).values
        assert [(value.value, value.doubtful) for value in values] == expected


def test_a_speck_read_as_a_separator_is_refused_though_the_second_reading_agrees() -> None:
    # "6700" with a speck at the baseline read "67.00" against 4000 - 11000: the second reading of the box
    # repeats the speck, so its agreement says nothing; true extremes with a separator of their own pass
    def read(value: str, reference: str, previous: str = "", unit: str = "cumm") -> list[float]:
        line = make_line(
            (40, "Total WBC count"), (200, value), (260, unit), (320, reference), (480, previous)
        )
        confirmed = read_values([_confirmed(line, value)], ocr_pages=frozenset({1}))
        return [value.value for value in confirmed.values]

    assert read("67.00", "4000 - 11000") == []
    # ferritin 3 against 15 - 150: a whole number has no separator to be a speck
    line = make_line((40, "Ferritin"), (200, "3"), (260, "ng/mL"), (320, "15 - 150"))
    (ferritin,) = read_values([_confirmed(line, "3")], ocr_pages=frozenset({1})).values
    assert ferritin.value == 3.0
    # ferritin 6,8 against 15 - 150 (68 inside it): an ordinary ferritin, read, not taken for a speck
    line = make_line((40, "Ferritin"), (200, "6,8"), (260, "ng/mL"), (320, "15 - 150"))
    (ferritin,) = read_values([_confirmed(line, "6,8")], ocr_pages=frozenset({1})).values
    assert ferritin.value == 6.8
    assert read("1.2", "4.0 - 11.0", unit="10^3/uL") == [1.2]
    assert read("670", "4000 - 11000") == [670.0]
    # other digits than a range's whole number, or a previous result printed with decimals: no speck
    assert read("1.2", "4000 - 11000") == [1.2]
    assert read("67.00", "4000 - 11000", "65.00") == [67.0]

    # a whole previous result within a quarter of the digits witnesses the speck, even in a value that is
    # an ordinary result ("194" read "1.94" beside a previous 184); a whole previous far from them does not
    def read_ferritin(value: str, previous: str) -> list[float]:
        line = make_line((40, "Ferritin"), (200, value), (260, "ug/L"), (320, "15 - 150"), (480, previous))
        return [
            value.value for value in read_values([_confirmed(line, value)], ocr_pages=frozenset({1})).values
        ]

    assert read_ferritin("1.94", "184") == []
    assert read_ferritin("1.94", "2") == [1.94]

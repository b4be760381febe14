"""OCR rows as Tesseract really returns them (words from generated scans and photos): specks, glued
statuses and flags, misread units, leaders read as letters, ranges on another scale, rows that run
downhill. Each is read as printed, or not at all, never as another value."""

from __future__ import annotations

import pytest

from verae.labs.extract import read_values
from verae.labs.layout import Line, Word, group_lines
from verae.labs.schemas import LabValue

from .rows import make_line, make_lines


def read(lines: list[Line]) -> dict[str, LabValue]:
    return {value.analyte: value for value in read_values(lines, ocr_pages=frozenset({1})).values}


@pytest.mark.parametrize(
    ("cells", "analyte", "value", "reference"),
    [
        ([(40, "Гематокрит, %"), (300, "38,6°"), (400, "36,0 - 48,0")], "hematocrit", 38.6, "36,0 - 48,0"),
        ([(40, "Железо, мкмоль/л"), (300, "‘20,2"), (400, "9,0 - 30,4.")], "serum_iron", 20.2, "9,0 - 30,4"),
        ([(40, "VGM"), (300, "91,3"), (360, "fL"), (400, ".80,0-100,0")], "mcv", 91.3, "80,0-100,0"),
        ([(40, "Hématies"), (300, "4,44"), (360, "T/L"), (400, "—-3,80-5,90")], "rbc", 4.44, "3,80-5,90"),
        (
            [(40, "Ferritina"), (300, "157H"), (360, "ng/mL"), (450, "15 - 150")],
            "ferritin",
            157.0,
            "15 - 150",
        ),
        (
            [(40, "Platelets sie. aa"), (300, "386"), (360, "х10^9/1."), (450, "(150-450)")],
            "platelets",
            386.0,
            "150-450",
        ),
        ([(40, "hs-CRP"), (300, "<0.2"), (360, "mg/L.")], "crp", 0.2, None),
    ],
)
def test_specks_leaders_and_misread_units_leave_the_printed_value(
    cells: list[tuple[float, str]], analyte: str, value: float, reference: str | None
) -> None:
    line = make_line(*cells)
    # "sie. aa" is a dotted leader Tesseract itself hardly believes
    words = tuple(
        Word(word.text, word.x0, word.top, word.x1, word.bottom, 0.05 if word.text in ("sie.", "aa") else 0.9)
        for word in line.words
    )
    read_value = read([Line(words, 1)])[analyte]
    assert (read_value.value, read_value.reference_range) == (value, reference)


@pytest.mark.parametrize(
    ("cells", "analyte", "value", "flag"),
    [
        # a stop after a glued flag letter is no decimal separator whose digits were lost
        ([(40, "Ferro sérico"), (300, "30L."), (360, "ug/dL"), (450, "50-170")], "serum_iron", 30.0, "L"),
        # H read in Cyrillic on an English page, glued to the value
        ([(40, "RDW"), (300, "15.5Н"), (360, "%"), (450, "(11.5-15.0)")], "rdw_cv", 15.5, "H"),
    ],
)
def test_a_flag_glued_to_a_value_with_a_stop_or_in_cyrillic_leaves_the_value(
    cells: list[tuple[float, str]], analyte: str, value: float, flag: str
) -> None:
    read_value = read([make_line(*cells)])[analyte]
    assert (read_value.value, read_value.flag) == (value, flag)


def test_a_stop_after_a_whole_number_is_still_no_value() -> None:
    # "30." may be 30.4 with its digit lost: left to the stop's own check (`ocr.stop_ends_number`)
    assert "serum_iron" not in read(
        [make_line((40, "Ferro sérico"), (300, "30."), (360, "ug/dL"), (450, "50-170"))]
    )


@pytest.mark.parametrize("speck", ["-", "=", "`"])
def test_a_speck_between_the_name_column_s_unit_and_the_value_leaves_the_unit(speck: str) -> None:
    # "Ферритин, мкг/л - 239,4": the unit printed in the name column, a speck OCR read as a mark after it
    cells = [(40, "Ферритин, мкг/л"), (290, speck), (300, "239,4"), (400, "12,0 - 150,0"), (500, "256,2")]
    read_value = read([make_line(*cells)])["ferritin"]
    assert (read_value.value, read_value.unit, read_value.reference_range) == (239.4, "мкг/л", "12,0 - 150,0")


def test_a_garbled_flag_before_a_value_is_a_mark_not_a_reason_to_refuse_it() -> None:
    # the page flags its out-of-range results ("H" on the first row); "Е" is an "L" OCR misread
    lines = make_lines(
        [
            [(40, "WBC-Lokosit"), (200, "H"), (240, "10.16"), (320, "Bin/uL"), (400, "4.00 - 10.00")],
            [(40, "HGB-Hemoglobin"), (200, "Е"), (240, "11.2"), (320, "g/dL"), (400, "12.0 - 16.0")],
        ]
    )
    assert read(lines)["hemoglobin"].value == 11.2


def test_a_unit_misread_as_a_flag_does_not_make_a_flagging_page() -> None:
    """ "fL" read as "L" on one row; three unflagged results outside their ranges, none flagged."""
    rows: list[list[tuple[float, str]]] = [[(40, "VGM"), (200, "77,2"), (260, "L"), (320, "80,0-100,0")]]
    rows += [
        [(40, name), (200, value), (260, unit), (320, reference)]
        for name, value, unit, reference in (
            ("TCMH", "23,8", "pg", "27,0-32,0"),
            ("Ferritine", "13", "µg/L", "15-150"),
            ("CCMH", "30,8", "g/dL", "32,0-36,0"),
        )
    ]
    assert {"mch", "ferritin", "mchc"} <= set(read(make_lines(rows)))


def test_a_value_glued_to_a_leader_is_not_the_value() -> None:
    lines = [
        make_line(
            (40, "Red cell count ...."), (200, "4..."), (240, "5.52"), (300, "x10^12/L"), (400, "(3.80-5.80)")
        )
    ]
    assert read(lines)["rbc"].value == 5.52


def test_a_range_split_apart_by_ocr_is_no_range() -> None:
    # "(0.370-0.470)" read as "(0." "370-0." "470)": not a range of 370 to 0 that disowns the value
    lines = [make_line((40, "Haematocrit"), (200, "0.446"), (260, "L/L"), (320, "(0. 370-0. 470)"))]
    assert read(lines)["hematocrit"].value == 0.446


def test_a_range_misread_upside_down_judges_nothing() -> None:
    # "(0.370-0.470)" read as "(9.370-0.470)": the value is read by its printed unit, as without a range
    lines = [make_line((40, "Haematocrit"), (200, "0.452"), (260, "L/L"), (320, "(9.370-0.470)"))]
    assert read(lines)["hematocrit"].value == 0.452
    # without a unit, the misread range cannot say which unit the value is in, nor may the value alone
    lines = [make_line((40, "Haematocrit"), (200, "0.452"), (320, "(9.370-0.470)"))]
    assert "hematocrit" not in read(lines)
    # nor is a value outside where reference limits lie believed beside it: "4.64" misread as "1.64"
    lines = [make_line((40, "Эритроциты, 10*12/л"), (200, "1.64"), (320, "9.0 - 5,30"))]
    assert "rbc" not in read(lines)


@pytest.mark.parametrize(
    ("value", "flag", "read_as"),
    [
        ("9.487", "H", 0.487),
        ("9.343", "L", 0.343),
        ("6.412", "", 0.412),
        ("9.412", "H", None),
        ("9.1", "L", None),
    ],
)
def test_a_leading_zero_read_as_9_or_6_is_put_back_only_where_the_flag_and_range_say(
    value: str, flag: str, read_as: float | None
) -> None:
    # a monospace font's dotted zero: "0.487 H" read as "9.487 H"
    cells = [(40, "Haematocrit"), (200, value), (240, flag), (260, "L/L"), (320, "(0.370-0.470)")]
    values = read([make_line(*(cell for cell in cells if cell[1]))])
    assert (values["hematocrit"].value if "hematocrit" in values else None) == read_as


def test_a_range_on_another_scale_than_the_value_does_not_refuse_it() -> None:
    lines = [
        make_line((40, "Total RBC count"), (200, "4490000"), (300, "/mm3"), (400, "4.5 - 5.5"), (500, "mill"))
    ]
    assert read(lines)["rbc"].normalized_value == pytest.approx(4.49)


def test_a_card_range_under_the_value_decides_a_garbled_unit() -> None:
    lines = make_lines([[(40, "MCV")], [(40, "InRange"), (120, "85.2"), (180, "Я.")], [(40, "Range 80-100")]])
    value = read(lines)["mcv"]
    assert (value.value, value.reference_range, value.unit) == (85.2, "80-100", None)


def test_rows_that_run_downhill_keep_their_values() -> None:
    """A photographed table whose rows drop 0.04 of their width, more than a row over the table: each
    value stays on its own name."""
    rows = [("Hemoglobin", "10.2"), ("WBC", "6.7"), ("Platelets", "214"), ("MCV", "88.1")] * 3
    words = []
    for row, (name, value) in enumerate(rows):
        for x, text in ((40, name), (900, value), (1300, "g/L")):
            top = 100 + 50 * row + 0.04 * x
            words.append(Word(text, x, top, x + 15 * len(text), top + 30))
    lines = group_lines(words, 1, (2000.0, 2000.0))
    assert [line.text for line in lines[:4]] == [
        "Hemoglobin 10.2 g/L",
        "WBC 6.7 g/L",
        "Platelets 214 g/L",
        "MCV 88.1 g/L",
    ]


@pytest.mark.parametrize(
    ("name", "value", "unit", "reference", "read_as"),
    [
        # the shape of the name and the row's unit, range and value agree: the value is read
        ("Mean cett votume", "91,3", "fL", "80,0-100,0", "mcv"),
        ("гоп Saturation", "23", "%", "20-45", "transferrin_saturation"),
        # no unit printed: the range and the value decide it (fL), as they would for a readable name
        ("Mean cett votume", "91,3", "", "80,0-100,0", "mcv"),
        # no range read: the unit and an ordinary value in it decide it
        ("Mean cett votume", "88,2", "fL", "", "mcv"),
        # the same garbled names beside another analyte's unit and range: name and evidence disagree
        ("Mean cett votume", "30,2", "pg", "27,0-33,0", None),
        ("гоп Saturation", "23", "µmol/L", "20-45", None),
        # MCH by its shape is never made MCV by an fL unit, nor MCV by its shape MCH by a pg unit
        ("Mean cell hemog1obin", "30,2", "pg", "27,0-33,0", "mch"),
        ("Mean cell hemog1obin", "91,3", "fL", "80,0-100,0", None),
        # a name printed with a qualifier or an abbreviation is matched part by part, as a readable one is
        ("tron, Total", "100", "mcg/dL", "40-190", "serum_iron"),
        ("WBC-L6kosit", "10,16", "", "4,00-10,00", "wbc"),
        # TIBC's unit and range beside "tron, Total": iron's name, TIBC's row, so neither
        ("tron, Total", "356", "mcg/dL", "250-450", None),
    ],
)
def test_a_garbled_name_is_read_only_when_its_row_agrees(
    name: str, value: str, unit: str, reference: str, read_as: str | None
) -> None:
    cells = [(40, name), (300, value), (360, unit), (420, reference)]
    values = read([make_line(*(cell for cell in cells if cell[1]))])
    assert list(values) == ([read_as] if read_as else [])


def test_a_garbled_card_name_is_read_with_the_values_under_it() -> None:
    lines = make_lines([[(40, "Mean cett votume")], [(40, "In Range 91.3 fL")], [(40, "Range 80-100")]])
    assert read(lines)["mcv"].value == 91.3


def test_specks_between_a_card_name_and_its_value_stand_for_nothing() -> None:
    lines = make_lines([[(40, "MCHC")], [(40, "|")], [(40, "In Range 32.4 g/dL")], [(40, "Range 32-36")]])
    assert read(lines)["mchc"].value == 32.4


def test_a_garbled_card_status_is_passed_over_only_beside_a_status_read() -> None:
    cards: list[list[tuple[float, str]]] = [
        [(40, "RDW"), (400, "Hematocrit")],
        [(40, "In Range 13.1 %"), (400, "Чи Вапде 44.9 %")],
        [(40, "Range 11-15"), (400, "Range 35-45")],
    ]
    assert read(make_lines(cards))["hematocrit"].value == 44.9
    # without a status beside it, "Чи Вапде 44.9" may be the next row of a table: not borrowed
    table: list[list[tuple[float, str]]] = [
        [(40, "Hematocrit")],
        [(40, "Чи Вапде 44.9 %")],
        [(40, "Range 35-45")],
    ]
    assert "hematocrit" not in read(make_lines(table))


def test_an_unreadable_unit_glued_to_a_value_is_cut_off_and_inferred_from_the_range() -> None:
    reading = read_values(
        [make_line((40, "C-reactive protein"), (300, "<1,0mg/."), (400, "< 5,0"))], ocr_pages=frozenset({1})
    )
    (value,) = reading.values
    assert (value.analyte, value.value, value.qualifier, value.unit) == ("crp", 1.0, "<", None)
    assert [(warning.code, warning.unit) for warning in reading.warnings] == [("unit_inferred", "mg/l")]


def test_a_range_whose_lost_separators_would_fit_another_unit_decides_no_unit() -> None:
    # ferritin 193,2 beside "120-1500" fits pmol/L only, but OCR may have lost the separators of
    # 12,0-150,0, which fits µg/L too: no unit on a scan; hemoglobin 98 beside "120-160" stays g/L, as
    # 98 is no g/dL value whatever the range
    def read(cells: tuple[tuple[int, str], ...], ocr_pages: frozenset[int]) -> list[tuple[str, str | None]]:
        reading = read_values([make_line(*cells)], ocr_pages=ocr_pages)
        return [(warning.code, warning.unit) for warning in reading.warnings]

    ferritin = ((40, "Ferritin"), (300, "193.2"), (400, "120 - 1500"))
    assert read(ferritin, frozenset({1})) == [("unit_missing", None)]
    assert read(ferritin, frozenset()) == [("unit_inferred", "pmol/l")]
    hemoglobin = ((40, "Hemoglobin"), (300, "98"), (400, "120 - 160"))
    assert read(hemoglobin, frozenset({1})) == [("unit_inferred", "g/l")]
    # iron 25 flagged low beside "50 - 170": as 5,0-17,0 µmol/L the flag would contradict the range, so
    # only µg/dL fits the row
    iron = ((40, "Demir"), (200, "L"), (300, "25"), (360, "паче."), (450, "50 - 170"))
    assert read(iron, frozenset({1})) == [("unit_inferred", "ug/dl")]


@pytest.mark.parametrize(
    ("unit", "read_as"),
    # µg/L as Tesseract read it on scans: µ as "y" or "H", g as "o"; a garble with no "/" says nothing.
    # Cyrillic нг/мл as "не/мл" or, read as Latin, "Hr/Mn": per mL is ng/mL whatever the rest; per litre
    # ("ца/л") is µg/L or pmol/L, which the word cannot tell apart
    [
        ("yo/L", "ug/l"),
        ("Hg/L", "ug/l"),
        ("yg/L", "ug/l"),
        ("ца", None),
        ("не/мл", "ng/ml"),
        ("Hr/Mn", "ng/ml"),
        ("ца/л", None),
    ],
)
def test_a_garbled_unit_whose_look_alikes_reach_one_unit_is_that_unit_inferred(
    unit: str, read_as: str | None
) -> None:
    # ferritin 99 with 15-150 fits µg/L and pmol/L: the value and range alone decide nothing
    line = make_line((40, "Ferritin"), (300, "99"), (360, unit), (450, "15 - 150"))
    reading = read_values([line], ocr_pages=frozenset({1}))
    if read_as is None:
        assert reading.values == []
        assert [warning.code for warning in reading.warnings] == ["unit_missing"]
        return
    (value,) = reading.values
    assert (value.value, value.unit, value.normalized_value) == (99.0, None, 99.0)
    assert value.confidence < 0.95
    assert [(warning.code, warning.unit) for warning in reading.warnings] == [("unit_inferred", read_as)]


@pytest.mark.parametrize("unit_heading", ["Од. виміру", "‘Oa. вимру"])
def test_a_garbled_unit_is_read_under_a_header_whose_unit_heading_is_misread_or_ukrainian(
    unit_heading: str,
) -> None:
    # the ↑ flag read as "1" and нг/мл as "не/мл" stand in the result column when the header names no unit
    # column; they are the unit's place all the same
    lines = make_lines(
        [
            [(10, "Дослідження"), (300, "Результат"), (380, unit_heading), (450, "Референтні значення")],
            [(10, "Феритин"), (300, "226.4 1"), (380, "не/мл"), (450, "13.0 - 150.0")],
        ],
        confidence=0.8,
    )
    reading = read_values(lines, ocr_pages=frozenset({1}))
    (value,) = reading.values
    assert (value.analyte, value.value, value.normalized_value) == ("ferritin", 226.4, 226.4)
    assert [(warning.code, warning.unit) for warning in reading.warnings] == [("unit_inferred", "ng/ml")]


@pytest.mark.parametrize(
    ("label", "printed", "unit", "analyte"),
    # "об’єм" read "06’em", "Залізо" "3ani30": a word of the name read with a leading digit
    [
        ("Середній 06’em еритроцитів (MCV)", "75,8", "фл", "mcv"),
        ("Сироваткове 3ani30 (Fe)", "5,0", "мкмоль/л", "serum_iron"),
    ],
)
def test_a_name_read_with_a_digit_inside_runs_on_to_the_value(
    label: str, printed: str, unit: str, analyte: str
) -> None:
    (value,) = read([make_line((10, label), (300, printed), (380, unit))]).values()
    assert (value.analyte, value.value, value.unit) == (analyte, float(printed.replace(",", ".")), unit)


@pytest.mark.parametrize(
    ("label", "cells", "analyte"),
    # the name garbled past matching; the abbreviation in square brackets, or a round one OCR closed as "}"
    [
        ("Середнй вмкт гемоглобну в еритроцит! (МСН}", ((300, "31.1"), (420, "27.0 - 34.0")), "mch"),
        ("Ширина розподлу еритроциие [RDW-CV]", ((300, "11.9 %"), (420, "11.5 - 14.5")), "rdw_cv"),
        ("Hemogiobm {HGB)", ((300, "124 g/L"), (420, "120 - 170")), "hemoglobin"),
    ],
)
def test_an_abbreviation_in_any_bracket_names_the_row(
    label: str, cells: tuple[tuple[float, str], ...], analyte: str
) -> None:
    assert set(read([make_line((10, label), *cells)])) == {analyte}


def test_a_name_runs_on_through_a_word_with_digits_only_when_the_longer_name_is_an_analyte() -> None:
    # "Середній" names nothing and neither does "Середній 06’em ..." without an abbreviation it knows
    assert read([make_line((10, "Середній 06’em еритроцитів"), (300, "75,8"), (380, "фл"))]) == {}


@pytest.mark.parametrize(
    "cells",
    [
        # "3O" is 30, not 3; "5,210^9/L" is 5.2 x10^9/L with its "x" lost, not 5.21; "14/05" is a date
        [(40, "C-reactive protein"), (300, "3Omg/."), (400, "< 5,0")],
        [(40, "C-reactive protein"), (300, "3Smg/."), (400, "< 5,0")],
        [(40, "WBC"), (300, "5,210^9/."), (400, "4,0 - 9,0")],
        [(40, "Hemoglobin"), (300, "14/05"), (400, "12,0 - 16,0")],
        # no unit starts with "k"
        [(40, "Hemoglobin"), (300, "14kw."), (400, "12,0 - 16,0")],
    ],
)
def test_a_glued_tail_that_may_hold_the_number_is_not_cut_off(cells: list[tuple[float, str]]) -> None:
    assert read([make_line(*cells)]) == {}


def test_a_unit_glued_to_a_value_is_read() -> None:
    value = read([make_line((40, "Hemoglobin"), (300, "98g/L"), (400, "120 - 160"))])["hemoglobin"]
    assert (value.value, value.unit) == (98.0, "g/L")


@pytest.mark.parametrize(
    ("cells", "analyte", "value", "unit"),
    [
        ([(40, "Transferrin saturation:"), (300, "44"), (330, "%-")], "transferrin_saturation", 44.0, "%"),
        ([(40, "MCV"), (300, "70.1"), (360, "fl."), (400, "80-100")], "mcv", 70.1, "fl"),
        # the unit garbled, the range with a speck after it decides it
        ([(40, "MCV"), (300, "70.1"), (360, "Я."), (400, "80-100:")], "mcv", 70.1, None),
        ([(40, "MCH"), (300, "22.8"), (360, "pg:"), (400, "27-33")], "mch", 22.8, "pg"),
        # a count glued to its unit, a speck before it or after the unit
        (
            [(40, "Total RBC count"), (200, "'3610000/mm3"), (400, "4.5- 5.5"), (500, "mill")],
            "rbc",
            3610000.0,
            "/mm3",
        ),
        (
            [(40, "Total RBC count"), (200, "5140000/mm3."), (400, "4.5-5.5"), (500, "mill")],
            "rbc",
            5140000.0,
            "/mm3",
        ),
    ],
)
def test_a_speck_after_a_unit_or_a_range_leaves_them_as_printed(
    cells: list[tuple[float, str]], analyte: str, value: float, unit: str | None
) -> None:
    read_value = read([make_line(*cells)])[analyte]
    assert (read_value.value, read_value.unit) == (value, unit)


@pytest.mark.parametrize(
    ("cells", "analyte", "value", "unit", "reference"),
    [
        (
            [(40, "Leucocytes"), (300, "7,15G/L__—4,00-10,00"), (500, "6,79")],
            "wbc",
            7.15,
            "G/L",
            "4,00-10,00",
        ),
        ([(40, "Fer sérique"), (300, "13,3pmol/L_—10,0-30,0")], "serum_iron", 13.3, "pmol/L", "10,0-30,0"),
    ],
)
def test_a_value_its_unit_and_its_range_read_as_one_word_are_read_apart(
    cells: list[tuple[float, str]], analyte: str, value: float, unit: str, reference: str
) -> None:
    """Small type's gap between the unit and the range read as underscores and a dash, all one word."""
    read_value = read([make_line(*cells)])[analyte]
    assert (read_value.value, read_value.unit, read_value.reference_range) == (value, unit, reference)


def test_specks_between_a_card_value_and_its_range_stand_for_nothing() -> None:
    lines = make_lines([[(40, "TIBC")], [(40, "In Range 413 meg/dL")], [(40, "|")], [(40, "Range 250-450")]])
    value = read(lines)["tibc"]
    assert (value.value, value.reference_range) == (413.0, "250-450")
    assert value.normalized_value == pytest.approx(73.93, abs=0.01)


def test_a_speck_before_a_count_in_thousands_groups_keeps_the_groups_together() -> None:
    line = make_line(
        (40, "Total RBC count"), (200, "‚5 140 000"), (300, "/mm3"), (400, "4.5- 5.5"), (500, "mill")
    )
    assert read([line])["rbc"].value == 5140000.0


def test_a_first_thousands_group_that_lost_its_gap_keeps_the_groups_together() -> None:
    """ "4 580 000" read "4580 000": the first word is as wide as four digits and the gap OCR lost. A
    number of four digits, as wide as its digits, stays apart from a three-digit word after it."""
    name = make_line((40, "Total RBC count")).words
    tail = make_line((300, "/mm3"), (400, "4.5- 5.5"), (500, "mill")).words
    for head_width, value in ((24.0, 4580000.0), (20.0, None)):
        head = Word("4580", 200, 100, 200 + head_width, 109)
        group = Word("000", head.x1 + 3, 100, head.x1 + 18, 109)
        read_value = read([Line((*name, head, group, *tail), 1)]).get("rbc")
        assert (read_value.value if read_value else None) == value


def test_a_speck_before_a_result_below_a_limit_leaves_the_result() -> None:
    # the result "<1,0", not the range's "< 5,0"
    value = read([make_line((40, "CRP"), (200, "-<1,0"), (260, "mg/L"), (400, "< 5,0"))])["crp"]
    assert (value.qualifier, value.value, value.reference_range) == ("<", 1.0, "< 5,0")


@pytest.mark.parametrize(
    ("cells", "analyte", "value"),
    [
        ([(40, "Mean cell volume"), (300, "84:0"), (360, "fL"), (400, "(80.0-100.0)")], "mcv", 84.0),
        ([(40, "Гематокрит, %"), (300, "39;1"), (400, "36,0 - 48,0")], "hematocrit", 39.1),
        # two digits after a colon may be a time: no value
        ([(40, "Mean cell volume"), (300, "84:00"), (360, "fL"), (400, "(80.0-100.0)")], "mcv", None),
    ],
)
def test_a_decimal_separator_read_with_a_speck_above_it_is_still_the_separator(
    cells: list[tuple[float, str]], analyte: str, value: float | None
) -> None:
    read_value = read([make_line(*cells)]).get(analyte)
    assert (read_value.value if read_value else None) == value


@pytest.mark.parametrize(
    "printed",
    # a scan's brackets: specks beside them, a speck before the bracket, a bracket read as a brace
    ["(150-450).", "‘(150-450)", "(150-450)`", "_(150-450)", ".(150-450)", "{150-450)", "(150-450)}"],
)
def test_a_speck_beside_a_bracketed_range_leaves_the_range_to_decide_a_garbled_unit(printed: str) -> None:
    value = read([make_line((40, "Platelets"), (300, "199"), (360, "x19*9/L"), (450, printed))])["platelets"]
    assert (value.value, value.reference_range) == (199.0, "150-450")


def test_a_speck_in_the_gap_before_the_right_columns_name_leaves_that_name_its_own_row() -> None:
    """A two-column scan's line with a dash speck in the gap between the columns, just before the right
    column's name: the gap is measured from the last written word, so the name still starts a row."""
    line = make_line(
        (40, "Hématies 5,26 T/L 3,80-5,90 5,00 (03/23)"), (400, "-"), (412, "Ferritine 159 µg/L 15-150 151")
    )
    assert {analyte: value.value for analyte, value in read([line]).items()} == {
        "rbc": 5.26,
        "ferritin": 159.0,
    }


def test_a_row_whose_unit_comes_first_on_a_page_printing_units_after_values_gives_no_value() -> None:
    """The row "L 11 ng/mL 15 - 150 12" read as `t ll ng/mL 15. 150 12`: the value read as marks, the unit
    taken into the name, and 150 (the range's upper limit) left where the value goes. The page's other rows
    print their unit after the value, so this row's order says its value was lost; on a page whose rows
    all print the unit in the name ("Ferritin, ng/mL 150"), the same order is the table's own."""
    garbled: list[tuple[float, str]] = [(40, "Ferritin t ll ng/mL"), (300, "15."), (330, "150"), (420, "12")]
    after: list[list[tuple[float, str]]] = [
        [(40, "HCT-Hematokrit"), (200, "33.7"), (260, "%"), (300, "36.0 - 48.0")],
        [(40, "MCV"), (200, "75.3"), (260, "fl"), (300, "80,0 - 98.0")],
        [(40, "MCH"), (200, "23.7"), (260, "pg"), (300, "27.0 - 33.0")],
    ]
    assert "ferritin" not in read(make_lines([*after, garbled]))
    assert {"hematocrit", "mcv", "mch"} <= set(read(make_lines([*after, garbled])))
    in_name: list[list[tuple[float, str]]] = [
        [(40, "Hematocrit, %"), (200, "33.7"), (300, "36.0 - 48.0")],
        [(40, "MCV, fl"), (200, "75.3"), (300, "80,0 - 98.0")],
        [(40, "Ferritin, ng/mL"), (200, "150"), (300, "12")],
    ]
    assert read(make_lines(in_name))["ferritin"].value == 150


@pytest.mark.parametrize(
    ("cells", "analyte", "value", "unit"),
    [
        # the flag column's L read as a percent sign glued to the value (monitor photos, monospace type)
        (
            [(40, "Mean cell volume ...."), (300, "77.5%"), (380, "fL"), (450, "(80.0-100.0)")],
            "mcv",
            77.5,
            "fL",
        ),
        # and standing alone between the value and its unit
        (
            [(40, "Haemoglobin ...."), (300, "110"), (350, "%"), (380, "g/L"), (450, "(130-180)")],
            "hemoglobin",
            110.0,
            "g/L",
        ),
        # a percent the analyte has is its unit, whatever follows
        (
            [(40, "Haematocrit"), (300, "42"), (350, "%"), (380, "L/L"), (450, "(37-47)")],
            "hematocrit",
            42.0,
            "%",
        ),
    ],
)
def test_a_flag_read_as_a_unit_the_analyte_has_not_before_one_it_has_leaves_the_value(
    cells: list[tuple[float, str]], analyte: str, value: float, unit: str
) -> None:
    """A value is printed in one unit: a unit the analyte cannot have, read right before one it has, stands
    where the flag column does, and is a flag OCR misread (`rows._flag_read_as_unit`)."""
    read_value = read([make_line(*cells)])[analyte]
    assert (read_value.value, read_value.unit, read_value.flag) == (value, unit, None)


@pytest.mark.parametrize(
    "cells",
    [
        # an RDW above its range read with a speck before it as a "<" (the comparator glued on or apart)
        [(40, "RDW"), (300, "<16.2"), (360, "%"), (450, "(11.5-15.0)")],
        [(40, "RDW"), (290, "<"), (300, "16.2"), (360, "%"), (450, "(11.5-15.0)")],
        # a ">" on a value under the upper limit of its range
        [(40, "Ferritin"), (300, ">85"), (360, "ug/L"), (450, "15-150")],
    ],
)
def test_a_comparator_no_assay_limit_explains_is_refused(cells: list[tuple[float, str]]) -> None:
    assert read([make_line(*cells)]) == {}


@pytest.mark.parametrize(
    ("cells", "analyte", "value"),
    [
        # "<" under the range's lower limit, or inside a range from zero, is a detection limit
        ([(40, "Ferritin"), (300, "<10"), (360, "ug/L"), (450, "15-150")], "ferritin", 10.0),
        ([(40, "CRP"), (300, "<1,0"), (360, "mg/L"), (450, "<5,0")], "crp", 1.0),
        ([(40, "CRP"), (300, "<0.2"), (360, "mg/L"), (450, "0.0-3.0")], "crp", 0.2),
        ([(40, "Ferritin"), (300, ">200"), (360, "ug/L"), (450, "15-150")], "ferritin", 200.0),
    ],
)
def test_a_comparator_at_an_assay_limit_is_read(
    cells: list[tuple[float, str]], analyte: str, value: float
) -> None:
    read_value = read([make_line(*cells)])[analyte]
    assert (read_value.value, read_value.qualifier is not None) == (value, True)


def test_a_whole_number_beside_a_previous_result_with_decimals_and_a_mark_lost_its_decimals() -> None:
    # "82,4" read "82 А" (a comma and a digit in small bold type read as one letter), previous result 88,2
    cells = [(40, "Ферритин, мкг/л"), (300, "82"), (320, "А"), (400, "12,0 - 150,0"), (500, "88,2")]
    assert "ferritin" not in read([make_line(*cells)])
    # the same row without the mark, and a whole previous result beside a mark, are read
    whole = [(40, "Ферритин, мкг/л"), (300, "82,4"), (400, "12,0 - 150,0"), (500, "88,2")]
    assert read([make_line(*whole)])["ferritin"].value == 82.4
    marked = [(40, "Ферритин, мкг/л"), (300, "82"), (320, "А"), (400, "12 - 150"), (500, "88")]
    assert read([make_line(*marked)])["ferritin"].value == 82.0


def test_a_speck_read_as_a_digit_before_the_value_gives_no_value() -> None:
    # "Red cell count ....... 5.29": a leader dot a quarter of the row's height read "5" before the value
    line = make_line((40, "Red cell count"), (300, "5.29"), (360, "x10^12/L"), (450, "(3.80-5.80)"))
    speck = Word("5", 280, line.words[0].bottom - 2.5, 286, line.words[0].bottom, 0.47)
    assert "rbc" not in read([Line((*line.words[:3], speck, *line.words[3:]), 1)])
    assert read([line])["rbc"].value == 5.29


@pytest.mark.parametrize(
    ("mark", "qualifier"),
    [
        # a speck (a leader's last dot) read `<`, a quarter of the digits' height, far before the value
        (Word("<", 205, 104, 209, 106, 0.26), None),
        # a comparator printed a space before its number, three quarters of its digits' height
        (Word("<", 290, 102, 295, 109, 0.9), "<"),
    ],
)
def test_a_speck_read_as_a_comparator_far_before_a_value_is_no_comparator(
    mark: Word, qualifier: str | None
) -> None:
    # a CRP under its range's upper limit: "<1.0" is an assay limit a lab prints, so only the mark's
    # place and size can tell the speck
    line = make_line((40, "C-reactive protein"), (300, "1.0"), (330, "mg/L"), (400, "(0.0-5.0)"))
    words = (*line.words[:2], mark, *line.words[2:])
    value = read([Line(words, 1)])["crp"]
    assert (value.qualifier, value.value) == (qualifier, 1.0)

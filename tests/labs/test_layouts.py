"""Layout-agnostic reading on hand-built lines: a name finds its value beside it or under it, whatever
the table looks like. Each test names the layout it proves."""

from __future__ import annotations

import pytest

from verae.labs.extract import read_values, settle_duplicates
from verae.labs.layout import Line
from verae.labs.rows import analyte_for_label
from verae.labs.schemas import LabValue

from .rows import make_line, make_lines


def read(lines: list[Line], *, ocr: bool = False) -> tuple[dict[str, LabValue], list[str]]:
    reading = read_values(lines, ocr_pages=frozenset({1}) if ocr else frozenset())
    values = settle_duplicates(reading.values, reading.warnings)
    return {value.analyte: value for value in values}, [warning.code for warning in reading.warnings]


def test_a_card_reads_the_value_under_its_name_with_the_status_as_flag() -> None:
    lines = make_lines(
        [
            [(50, "Hemoglobin"), (320, "Ferritin")],
            [(50, "Below Range 9.8 g/dL"), (320, "In Range 45 ng/mL")],
            [(50, "Range 11.7-15.5"), (320, "Range 16-232")],
        ]
    )
    values, _ = read(lines)
    assert (values["hemoglobin"].value, values["hemoglobin"].unit, values["hemoglobin"].flag) == (
        9.8,
        "g/dL",
        "Below Range",
    )
    assert (values["ferritin"].value, values["ferritin"].flag) == (45, None)


def test_a_name_without_a_value_never_takes_the_next_row_s_value() -> None:
    lines = make_lines([[(40, "Hemoglobin")], [(40, "Hematocrit"), (200, "41.2"), (260, "%")]])
    values, _ = read(lines)
    assert set(values) == {"hematocrit"}


def test_dotted_leaders_and_a_key_value_list_are_read() -> None:
    lines = make_lines(
        [
            [(40, "Haemoglobin .............. 98 L g/L (115-165)")],
            [(40, "Ferritin: 12 ug/L")],
            [(40, "Platelets.........245"), (260, "x10^9/L")],
        ]
    )
    values, _ = read(lines)
    assert (values["hemoglobin"].value, values["hemoglobin"].flag, values["hemoglobin"].reference_range) == (
        98,
        "L",
        "115-165",
    )
    assert values["ferritin"].normalized_value == 12
    assert values["platelets"].normalized_value == 245


def test_a_unit_in_the_name_column_is_the_row_s_unit() -> None:
    lines = make_lines(
        [
            [(40, "Гемоглобин, г/л"), (260, "133"), (340, "120 - 160"), (430, "128")],
            [(40, "Лейкоциты, 10*9/л"), (260, "5,6"), (340, "4,0 - 9,0")],
        ]
    )
    values, warnings = read(lines)
    assert (values["hemoglobin"].unit, values["hemoglobin"].normalized_value) == ("г/л", 133)
    assert (values["wbc"].unit, values["wbc"].normalized_value) == ("10*9/л", 5.6)
    assert "unit_inferred" not in warnings


def test_two_columns_side_by_side_are_two_rows() -> None:
    lines = make_lines(
        [[(40, "Hémoglobine"), (110, "13,1 g/dL"), (170, "12,0-16,0"), (320, "Ferritine"), (390, "45 µg/L")]]
    )
    values, _ = read(lines)
    assert values["hemoglobin"].normalized_value == 131
    assert values["ferritin"].normalized_value == 45
    assert values["hemoglobin"].reference_range == "12,0-16,0"


def test_a_name_wrapped_over_two_lines_is_the_whole_name() -> None:
    lines = make_lines([[(40, "Mean corpuscular")], [(40, "hemoglobin"), (200, "30.2"), (260, "pg")]])
    values, _ = read(lines)
    assert set(values) == {"mch"}


def test_a_flag_column_before_the_value_and_a_hyphenated_name() -> None:
    lines = make_lines(
        [[(40, "HGB-Hemoglobin"), (200, "L"), (230, "8.8"), (280, "g/dL"), (340, "11.9 - 15.4")]]
    )
    values, _ = read(lines)
    assert (values["hemoglobin"].value, values["hemoglobin"].flag) == (8.8, "L")


def test_a_flag_word_of_another_test_is_not_read_as_haemoglobin() -> None:
    lines = make_lines([[(40, "Hb-A1c"), (200, "5.6"), (260, "%")]])
    values, _ = read(lines)
    assert values == {}


@pytest.mark.parametrize(
    ("row", "analyte", "canonical"),
    [
        ([(40, "Total RBC count"), (200, "5 260 000 /mm3")], "rbc", 5.26),
        ([(40, "Platelet Count"), (200, "2.50"), (260, "lakhs/cumm")], "platelets", 250.0),
        ([(40, "Total WBC count"), (200, "9000"), (260, "cumm")], "wbc", 9.0),
        ([(40, "RDW"), (200, "12.3%")], "rdw_cv", 12.3),
        ([(40, "Hématies"), (200, "4,52"), (250, "T/L")], "rbc", 4.52),
        ([(40, "Leucocytes"), (200, "6,1"), (250, "G/L")], "wbc", 6.1),
        ([(40, "Eritrócitos"), (200, "4,6"), (250, "milhões/mm³")], "rbc", 4.6),
        ([(40, "Leucócitos"), (200, "6,5"), (250, "mil/mm³")], "wbc", 6.5),
        ([(40, "Erythrozyten"), (200, "4,6"), (250, "Mio/µl")], "rbc", 4.6),
        ([(40, "WBC-Lökosit"), (200, "5.55"), (250, "Bin/µL")], "wbc", 5.55),
    ],
)
def test_counts_are_read_in_every_way_labs_print_them(
    row: list[tuple[float, str]], analyte: str, canonical: float
) -> None:
    values, _ = read([make_line(*row)])
    assert values[analyte].normalized_value == pytest.approx(canonical)


@pytest.mark.parametrize(
    ("name", "analyte"),
    [
        ("VGM", "mcv"),
        ("T.C.M.H.", "mch"),
        ("CCMH", "mchc"),
        ("Hémoglobine", "hemoglobin"),
        ("Hemoglobina", "hemoglobin"),
        ("Hämoglobin", "hemoglobin"),
        ("Emoglobina", "hemoglobin"),
        ("Eritrócitos", "rbc"),
        ("Plaquettes", "platelets"),
        ("Trombosit", "platelets"),
        ("Ferritine", "ferritin"),
        ("Sideremia", "serum_iron"),
        ("Transferrinsättigung", "transferrin_saturation"),
    ],
)
def test_names_in_eight_languages(name: str, analyte: str) -> None:
    found = analyte_for_label(name, fuzzy=False)
    assert found is not None
    assert found.code == analyte


def test_a_missing_unit_is_inferred_from_the_printed_range_with_a_warning() -> None:
    values, warnings = read(make_lines([[(40, "HGB"), (200, "98"), (420, "120 - 160")]]), ocr=True)
    assert values["hemoglobin"].normalized_value == 98
    assert values["hemoglobin"].unit is None
    assert values["hemoglobin"].confidence <= 0.8
    assert warnings == ["unit_inferred"]


def test_the_range_tells_mmol_per_litre_from_grams_per_decilitre() -> None:
    values, _ = read(make_lines([[(40, "Hemoglobin"), (200, "8.8"), (420, "7.5 - 10.0")]]))
    assert values["hemoglobin"].normalized_value == pytest.approx(8.8 * 16.11)


def test_a_range_that_two_units_fit_is_not_guessed() -> None:
    # ferritin 30 with 15-150 fits µg/L and pmol/L alike
    values, warnings = read(make_lines([[(40, "Ferritin"), (200, "30"), (420, "15 - 150")]]))
    assert values == {}
    assert warnings == ["unit_missing"]


def test_a_haematocrit_fraction_without_a_unit_is_litres_per_litre() -> None:
    values, warnings = read(make_lines([[(40, "Hématocrite"), (200, "0,340"), (300, "0,370-0,470")]]))
    assert values["hematocrit"].normalized_value == pytest.approx(34.0)
    assert warnings == ["unit_inferred"]


def test_an_ocr_unit_misread_is_undone_when_one_unit_results() -> None:
    values, _ = read(
        make_lines([[(40, "Гемоглобин"), (200, "133"), (260, "r/n"), (320, "110 - 160")]]), ocr=True
    )
    assert (values["hemoglobin"].unit, values["hemoglobin"].normalized_value) == ("г/л", 133)


def test_a_monospace_l_read_as_t_in_a_unit_is_undone() -> None:
    # a monospace "l" (foot and top serif) reads as "t": "umol/L" as "umot/L", "g/L" as "g/t"
    lines = make_lines(
        [
            [(40, "Serum iron"), (200, "13.5"), (260, "umot/L")],
            [(40, "Haemoglobin"), (200, "92"), (260, "g/t")],
        ]
    )
    values, warnings = read(lines, ocr=True)
    assert {code: value.unit for code, value in values.items()} == {
        "serum_iron": "umol/L",
        "hemoglobin": "g/l",
    }
    assert warnings == []


def test_an_unflagged_ocr_value_far_outside_its_range_is_doubted() -> None:
    lines = make_lines([[(40, "PLT"), (200, "983"), (260, "10*9/л"), (320, "150 - 400")]])
    values, warnings = read(lines, ocr=True)
    assert values == {}
    assert warnings == ["value_misread"]


def test_each_value_carries_its_printed_text_and_where_it_stands_on_the_page() -> None:
    line = make_line((40, "Serum iron"), (200, "45.2+"), (260, "µmol/L"), (330, "9.0 - 30.4"))
    page = Line(line.words, 1, (600.0, 800.0))
    values, _ = read([page])
    iron = values["serum_iron"]
    assert iron.source_text == "45.2+"
    assert iron.bbox is not None
    left, top, right, bottom = iron.bbox
    word = next(word for word in line.words if word.text == "45.2+")
    assert (left, top, right, bottom) == pytest.approx(
        (word.x0 / 600, word.top / 800, word.x1 / 600, word.bottom / 800), abs=1e-4
    )


def test_an_ocr_arrow_before_the_value_read_as_a_digit_is_not_the_value() -> None:
    lines = make_lines([[(40, "Hemoglobin"), (180, "1"), (200, "165"), (260, "g/L"), (320, "130-160")]])
    values, _ = read(lines, ocr=True)
    assert values["hemoglobin"].value == 165


def test_a_whole_number_with_a_trailing_full_stop_is_not_a_value() -> None:
    # "5." is as likely "5.1" with its last digit lost as it is 5
    lines = make_lines([[(40, "Erythrocytes"), (200, "5."), (260, "10^12/L"), (320, "3.6-5.1")]])
    values, _ = read(lines, ocr=True)
    assert values == {}


def test_a_name_guessed_from_a_garbled_label_must_agree_with_its_printed_range() -> None:
    # "JOKCC" is closest to ОЖСС (TIBC), but 20-62 µmol/L is the range of ЛЖСС (UIBC)
    lines = make_lines([[(40, "JOKCC"), (200, "44,1"), (260, "мкмоль/л"), (330, "20,0 - 62,0")]])
    values, _ = read(lines, ocr=True)
    assert values == {}


def test_a_label_garbled_letter_by_letter_is_guessed_from_its_unit_with_letters_folded_by_shape() -> None:
    # ЛЖСС as a scan's OCR read it: Л as "JI", Ж as "K"; as read it is near no alias of a µmol/L analyte
    lines = make_lines([[(40, "JIKCC"), (200, "63,4*"), (260, "мкмоль/л"), (330, "20,0 - 62,0")]])
    values, _ = read(lines, ocr=True)
    assert values["uibc"].value == 63.4


def test_on_a_page_that_flags_results_an_unflagged_ocr_value_outside_its_range_is_doubted() -> None:
    lines = make_lines(
        [
            [(40, "Haemoglobin"), (200, "98"), (230, "L"), (260, "g/L"), (320, "115-165")],
            [(40, "White cell count"), (200, "19.3"), (260, "x10^9/L"), (320, "4.0-11.0")],
        ]
    )
    values, warnings = read(lines, ocr=True)
    assert set(values) == {"hemoglobin"}
    assert warnings == ["value_misread"]


def test_a_decimal_point_lost_by_ocr_is_put_back_when_the_flag_and_range_say_where() -> None:
    lines = make_lines(
        [[(40, "Hemoglobin (Hb)"), (200, "125"), (230, "Low"), (280, "13.0-17.0"), (360, "g/dL")]]
    )
    values, _ = read(lines, ocr=True)
    assert values["hemoglobin"].value == 12.5
    assert values["hemoglobin"].confidence < 0.8


def test_a_lost_decimal_point_is_not_guessed_without_a_flag() -> None:
    lines = make_lines([[(40, "Hemoglobin (Hb)"), (200, "125"), (280, "13.0-17.0"), (360, "g/dL")]])
    values, warnings = read(lines, ocr=True)
    assert values == {}
    assert warnings == ["value_misread"]


def test_a_garbled_mark_after_an_out_of_range_value_may_be_its_flag() -> None:
    lines = make_lines(
        [
            [(40, "MCV"), (200, "117"), (230, "НЯ"), (320, "80 - 97")],
            [(40, "MCH"), (200, "41.4"), (230, "H"), (260, "pg"), (320, "27.5 - 33.5")],
        ]
    )
    values, _ = read(lines, ocr=True)
    assert values["mcv"].value == 117


def test_a_name_wrapped_inside_its_brackets_finds_the_value_on_its_second_line() -> None:
    lines = make_lines(
        [
            [(40, "MCH (Среднее содержание гемоглобина в")],
            [(40, "эритроцитах)"), (260, "27.50"), (330, "пг"), (400, "(27.0 - 34.0)")],
            [(40, "Эозинофилы"), (260, "3.00"), (330, "%"), (400, "0-5")],
        ]
    )
    values, _ = read(lines, ocr=True)
    assert values["mch"].value == 27.5


def test_a_bound_after_an_unreadable_value_is_not_taken_as_the_value() -> None:
    lines = make_lines([[(40, "CRP"), (200, "<1LOmgL"), (280, "<5,0")]])
    values, _ = read(lines, ocr=True)
    assert values == {}


@pytest.mark.parametrize("heading", ["IRON", "Iron studies", "IRON PANEL", "Demir paneli"])
def test_a_heading_naming_an_analyte_above_its_group_is_no_unread_row(heading: str) -> None:
    panel: list[list[tuple[float, str]]] = [
        [(40, "Ferritin"), (200, "12"), (260, "ng/mL"), (320, "15-150")],
        [(40, "Transferrin"), (200, "3.1"), (260, "g/L"), (320, "2.0-3.6")],
    ]
    reading = read_values(make_lines([[(40, heading)], *panel]), ocr_pages=frozenset({1}))
    assert {value.analyte for value in reading.values} == {"ferritin", "transferrin"}
    assert reading.warnings == []


def test_a_name_alone_in_capitals_among_rows_in_capitals_is_a_row_whose_value_was_lost() -> None:
    lines = make_lines(
        [
            [(40, "FERRITIN"), (200, "12"), (260, "ng/mL"), (320, "15-150")],
            [(40, "IRON")],
            [(40, "TRANSFERRIN"), (200, "3.1"), (260, "g/L"), (320, "2.0-3.6")],
        ]
    )
    reading = read_values(lines, ocr_pages=frozenset({1}))
    assert [(warning.code, warning.analyte) for warning in reading.warnings] == [
        ("value_not_read", "serum_iron")
    ]


def test_a_name_whose_value_could_not_be_read_is_reported_and_a_sentence_naming_one_is_not() -> None:
    lines = make_lines(
        [
            [(40, "Hemoglobin"), (200, "12.9"), (260, "g/dL"), (320, "12.0-16.0")],
            [(40, "Ferritin"), (200, "see"), (230, "comment")],
            [(40, "Transferrin is judged with the other tests of the iron panel.")],
            [(40, "Iron stores are judged with tests such as TIBC, ferritin, transferrin.")],
        ]
    )
    reading = read_values(lines, ocr_pages=frozenset())
    assert [(warning.code, warning.analyte, warning.page) for warning in reading.warnings] == [
        ("value_not_read", "ferritin", 1)
    ]

"""Extraction rules on hand-built rows: each test names the trap it proves the reader avoids."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from verae.labs.extract import read_values, settle_duplicates
from verae.labs.layout import Line, Word
from verae.labs.person import read_person
from verae.labs.schemas import LabReport, LabValue

from .rows import make_line, make_lines

RU_HEADER: list[tuple[float, str]] = [
    (40, "Показатель"),
    (215, "Результат"),
    (285, "Пред. рез."),
    (375, "Ед. изм."),
    (450, "Норма"),
]


def values_of(lines: list[Line], *, ocr: bool = False) -> dict[str, LabValue]:
    reading = read_values(lines, ocr_pages=frozenset({1}) if ocr else frozenset())
    return {value.analyte: value for value in settle_duplicates(reading.values, reading.warnings)}


def test_a_russian_row_keeps_printed_value_unit_range_and_flag() -> None:
    lines = make_lines([[(40, "Гемоглобин (HGB)"), (290, "112 ↓"), (355, "г/л"), (430, "120 - 150")]])
    value = values_of(lines)["hemoglobin"]
    assert (value.value, value.unit, value.normalized_value, value.normalized_unit) == (
        112,
        "г/л",
        112,
        "g/L",
    )
    assert (value.reference_range, value.flag, value.page, value.confidence) == ("120 - 150", "↓", 1, 1.0)
    assert value.source_line == "Гемоглобин (HGB) 112 ↓ г/л 120 - 150"


def test_the_current_result_is_taken_not_the_previous_result_column() -> None:
    lines = make_lines(
        [RU_HEADER, [(40, "Ферритин"), (215, "10,0*"), (285, "11,4"), (375, "нг/мл"), (450, "20 - 250")]]
    )
    ferritin = values_of(lines)["ferritin"]
    assert (ferritin.value, ferritin.flag, ferritin.unit) == (10.0, "*", "нг/мл")


def test_a_previous_column_printed_before_the_current_one_is_skipped() -> None:
    header: list[tuple[float, str]] = [
        (40, "Test"),
        (180, "Previous Result and Date"),
        (340, "Current Result"),
        (440, "Units"),
    ]
    lines = make_lines([header, [(40, "Ferritin"), (180, "35 01/02/2024"), (340, "12 L"), (440, "ng/mL")]])
    assert values_of(lines)["ferritin"].value == 12


def test_a_reference_range_is_never_taken_as_the_value() -> None:
    lines = make_lines(
        [[(40, "Ферритин"), (355, "мкг/л"), (430, "10,0 - 120,0")], [(40, "MCV"), (290, "- 80 - 100")]]
    )
    assert values_of(lines) == {}


def test_a_one_sided_range_after_a_qualified_value_stays_the_range() -> None:
    lines = make_lines([[(40, "С-реактивный белок"), (290, "<0,6"), (355, "мг/л"), (430, "< 5,0")]])
    crp = values_of(lines)["crp"]
    assert (crp.value, crp.qualifier, crp.reference_range) == (0.6, "<", "< 5,0")


def test_urinalysis_counts_are_not_blood_counts() -> None:
    lines = make_lines(
        [
            [(40, "Общий анализ мочи")],
            [(40, "Лейкоциты"), (200, "3"), (420, "0 - 5")],
            [(40, "Эритроциты"), (200, "2"), (420, "0 - 3")],
            [(40, "Показатели обмена железа")],
            [(40, "Ферритин"), (200, "45"), (270, "мкг/л")],
        ]
    )
    assert set(values_of(lines)) == {"ferritin"}


def test_a_unitless_value_is_resolved_only_when_one_unit_is_plausible() -> None:
    lines = make_lines([[(40, "HGB"), (200, "128"), (420, "117 - 160")], [(40, "MCHC"), (200, "33,1")]])
    found = values_of(lines)
    assert found["hemoglobin"].normalized_value == 128
    assert found["mchc"].normalized_value == pytest.approx(331)
    assert found["hemoglobin"].confidence < 1
    assert found["hemoglobin"].unit is None


def test_a_unitless_value_plausible_in_no_unit_is_not_guessed() -> None:
    lines = make_lines([[(40, "Гемоглобин"), (200, "1000")]])
    reading = read_values(lines, ocr_pages=frozenset())
    assert reading.values == []
    (warning,) = reading.warnings
    assert (warning.code, warning.analyte, warning.page) == ("unit_missing", "hemoglobin", 1)
    assert (
        warning.message
        == "hemoglobin on page 1: no unit printed and the value does not identify one; not used"
    )


def test_rdw_cv_and_rdw_sd_are_separate_analytes_and_never_converted() -> None:
    lines = make_lines(
        [
            [(40, "Ширина распределения эритроцитов (RDW-CV)"), (290, "13,1"), (355, "%")],
            [(40, "Ширина распределения эритроцитов (RDW-SD)"), (290, "42,0"), (355, "фл")],
            [(40, "RDW"), (290, "44"), (355, "fL")],
        ]
    )
    found = values_of(lines)
    assert (found["rdw_cv"].normalized_value, found["rdw_cv"].normalized_unit) == (13.1, "%")
    assert (found["rdw_sd"].normalized_value, found["rdw_sd"].normalized_unit) == (42.0, "fL")


def test_the_same_analyte_twice_yields_one_value_and_a_warning_when_they_differ() -> None:
    same = make_lines(
        [[(40, "HGB"), (200, "128"), (270, "г/л")], [(40, "Гемоглобин"), (200, "128"), (270, "г/л")]]
    )
    reading = read_values(same, ocr_pages=frozenset())
    settled = settle_duplicates(reading.values, reading.warnings)
    assert [value.analyte for value in settled] == ["hemoglobin"]
    assert reading.warnings == []
    differing = make_lines(
        [[(40, "HGB"), (200, "128"), (270, "г/л")], [(40, "HGB"), (200, "131"), (270, "г/л")]]
    )
    reading = read_values(differing, ocr_pages=frozenset())
    settled = settle_duplicates(reading.values, reading.warnings)
    assert len(settled) == 1
    assert [(warning.code, warning.analyte) for warning in reading.warnings] == [
        ("conflicting_values", "hemoglobin")
    ]


@pytest.mark.parametrize(
    ("printed", "unit", "canonical"),
    [
        ("11,8", "г/дл", 118.0),
        ("7.6", "mmol/L", 7.6 * 16.11),
        ("4,12", "млн/мкл", 4.12),
        ("6.1", "x10E3/uL", 6.1),
        ("250", "тыс/мкл", 250.0),
        ("5,84", "10*9/л", 5.84),
        ("4.1", "x10^12/L", 4.1),
        ("69", "ug/dL", 69 * 0.179),
        ("290", "мг/дл", 2.9),
        ("0.362", "L/L", 36.2),
        ("4,31", "Т/л", 4.31),
        ("6,2", "Г/л", 6.2),
        ("254", "тис/мкл", 254.0),
    ],
)
def test_printed_units_are_normalised(printed: str, unit: str, canonical: float) -> None:
    names = {
        "г/дл": "Гемоглобин",
        "mmol/L": "Hb",
        "млн/мкл": "Эритроциты",
        "x10E3/uL": "WBC",
        "тыс/мкл": "Тромбоциты",
        "10*9/л": "Лейкоциты",
        "x10^12/L": "RBC",
        "ug/dL": "Iron",
        "мг/дл": "Трансферрин",
        "L/L": "Haematocrit",
        "Т/л": "Еритроцити",  # Ukrainian: tera and giga per litre
        "Г/л": "Лейкоцити",
        "тис/мкл": "Тромбоцити",
    }
    found = values_of(make_lines([[(40, names[unit]), (200, printed), (270, unit)]]))
    (value,) = found.values()
    assert value.normalized_value == pytest.approx(canonical)


def test_an_ocr_value_far_above_its_range_is_dropped_as_a_lost_decimal_comma() -> None:
    lines = [
        make_line((40, "Эритроциты"), (290, "420"), (355, "10*12/л"), (430, "3,80 - 5,10"), confidence=0.9)
    ]
    reading = read_values(lines, ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [(warning.code, warning.analyte) for warning in reading.warnings] == [("value_misread", "rbc")]


@pytest.mark.parametrize("read", ["<06", "06", "012"])
def test_an_ocr_value_led_by_a_zero_lost_its_separator_even_beside_a_range_that_lost_its_own(
    read: str,
) -> None:
    # "<0,6 мг/л  <5,0" read "<06 мг/л <50": the range judges nothing, the zero before a digit gives it away
    lines = [make_line((40, "С-реактивний білок"), (290, read), (355, "мг/л"), (430, "<50"), confidence=0.9)]
    reading = read_values(lines, ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [(warning.code, warning.analyte) for warning in reading.warnings] == [("value_misread", "crp")]
    # printed so in a text layer, it stays a value: the rule judges OCR's digits
    assert values_of(lines)["crp"].value == float(read.lstrip("<"))


def test_an_ocr_range_that_lost_its_decimal_commas_is_put_back_before_it_judges_the_value() -> None:
    # "12,0-16,0" read "120-160" beside "13,4 g/dL": as printed it would drop the value as far below it
    lines = [make_line((40, "Hémoglobine"), (110, "13,4"), (140, "g/dL"), (180, "120-160"), confidence=0.95)]
    value = values_of(lines, ocr=True)["hemoglobin"]
    assert (value.value, value.normalized_value, value.reference_range) == (13.4, 134.0, "12,0-16,0")
    assert value.confidence == pytest.approx(0.95 * 0.8)


def test_an_ocr_range_no_unit_of_its_analyte_would_print_judges_nothing() -> None:
    # "12,0-16,0" read "42,0-46,0": no haemoglobin range in any unit, so it neither drops the value as far
    # below it nor stands beside it as its range
    lines = [
        make_line((40, "Hémoglobine"), (110, "13,4"), (140, "g/dL"), (180, "42,0-46,0"), confidence=0.95)
    ]
    value = values_of(lines, ocr=True)["hemoglobin"]
    assert (value.value, value.normalized_value, value.reference_range) == (13.4, 134.0, None)


def test_an_ocr_range_that_lost_the_dash_between_its_limits_is_split_where_the_band_says() -> None:
    # "12,0-16,0" read "12,016,0" beside a value without its unit: split in the one way both limits fit
    # the haemoglobin band, the range tells the unit, as the range read right would
    lines = [make_line((40, "Hémoglobine"), (110, "13,4"), (180, "12,016,0"), confidence=0.95)]
    value = values_of(lines, ocr=True)["hemoglobin"]
    assert (value.value, value.normalized_value, value.reference_range) == (13.4, 134.0, "12,0-16,0")


def test_an_ocr_range_without_its_dash_standing_where_the_value_was_lost_is_no_value() -> None:
    # "CCMH  33,5  32,0-36,0" with the value lost and the range read "32.0360": an MCHC of 32.036 g/dL
    # would be ordinary, but it is the range, its limits printed with one decimal
    lines = [make_line((40, "CCMH"), (180, "32.0360"), confidence=0.95)]
    assert "mchc" not in values_of(lines, ocr=True)


def test_an_ocr_arrow_read_as_a_digit_is_repaired() -> None:
    lines = [
        make_line((40, "Гематокрит"), (290, "34,94"), (355, "%"), (430, "35,0 - 45,0"), confidence=0.9),
        make_line(
            (40, "Ферритин"), (290, "6,6 +"), (355, "мкг/л"), (430, "10,0 - 120,0"), top=120, confidence=0.9
        ),
    ]
    found = values_of(lines, ocr=True)
    assert (found["hematocrit"].value, found["hematocrit"].flag) == (34.9, "↓")
    assert (found["ferritin"].value, found["ferritin"].flag) == (6.6, "↓")


def test_an_ocr_arrow_read_as_a_digit_is_repaired_on_a_value_with_a_speck_before_it() -> None:
    lines = [make_line((40, "Гематокрит"), (290, "‘34,94"), (355, "%"), (430, "35,0 - 45,0"), confidence=0.9)]
    found = values_of(lines, ocr=True)
    assert (found["hematocrit"].value, found["hematocrit"].flag) == (34.9, "↓")


def test_a_speck_between_a_value_and_its_unit_leaves_both_read() -> None:
    lines = make_lines(
        [
            [(40, "MCH"), (200, "20.4.pg"), (320, "27-33")],
            [(40, "Iron, Total"), (200, "24-mcg/dL"), (320, "40-190")],
        ],
        confidence=0.9,
    )
    found = values_of(lines, ocr=True)
    assert (found["mch"].value, found["mch"].unit) == (20.4, "pg")
    assert (found["serum_iron"].value, found["serum_iron"].unit) == (24, "mcg/dL")
    assert values_of(make_lines([[(40, "MCH"), (200, "5.pg"), (320, "27-33")]]), ocr=True) == {}


def test_a_speck_read_as_a_curly_double_quote_beside_a_name_or_a_value_is_no_part_of_it() -> None:
    """A scan's specks OCR reads as quotes: the curly double ones ("“CRP", "“71,5") as the single ones."""
    lines = make_lines(
        [
            [
                (40, "TCMH"),
                (110, "22,1"),
                (140, "pg"),
                (170, "27,0-32,0"),
                (320, "“CRP"),
                (390, "4,2 mg/L"),
                (450, "<5,0"),
            ],
            [(40, "“TCMH"), (110, "21,0"), (140, "pg"), (170, "27,0-32,0")],
            [(40, "VGM’"), (110, "“84,8"), (140, "fL"), (170, "80,0-100,0")],
        ],
        confidence=0.9,
    )
    found = values_of(lines[:1], ocr=True)
    assert (found["mch"].value, found["crp"].value, found["crp"].unit) == (22.1, 4.2, "mg/L")
    assert values_of(lines[1:2], ocr=True)["mch"].value == 21.0
    assert (values_of(lines[2:], ocr=True)["mcv"].value, values_of(lines[2:], ocr=True)["mcv"].unit) == (
        84.8,
        "fL",
    )


def test_a_unit_glued_to_its_value_through_a_speck_is_read_with_specks_before_or_after_them() -> None:
    lines = make_lines(
        [
            [(40, "Hémoglobine"), (110, "10,8:g/dL’"), (170, "12,0-16,0")],
            [(40, "Transferrine"), (110, "—3,06.g/L"), (170, "`2,00-3,60")],
        ],
        confidence=0.9,
    )
    found = values_of(lines, ocr=True)
    assert (found["hemoglobin"].value, found["hemoglobin"].unit) == (10.8, "g/dL")
    assert (found["transferrin"].value, found["transferrin"].unit) == (3.06, "g/L")


def person(*texts: str) -> LabReport:
    report = LabReport()
    read_person(make_lines([[(40, text)] for text in texts]), report)
    return report


def test_sex_age_and_collection_date_are_read_in_russian_and_english() -> None:
    russian = person("Пол: Женский", "Возраст: 34 года", "Дата взятия биоматериала: 14.03.2024 08:15")
    assert (russian.sex, russian.age, russian.collection_date) == ("female", 34.0, date(2024, 3, 14))
    us = person("DOB: 05/12/1989 Age: 34 Sex: Male", "Date Collected: 03/04/2024 08:15", "Hemoglobin g/dL")
    assert (us.sex, us.age, us.collection_date) == ("male", 34.0, date(2024, 3, 4))
    uk = person("Sex: F", "Collected: 14-Mar-2024 09:12  Received: 15-Mar-2024 11:40")
    assert (uk.sex, uk.collection_date) == ("female", date(2024, 3, 14))


def test_ukrainian_sex_age_and_dates_are_read() -> None:
    report = person("Стать: Жіноча   Вік: 34 р.", "Дата взяття біоматеріалу: 14.03.2024")
    assert (report.sex, report.age, report.collection_date) == ("female", 34.0, date(2024, 3, 14))
    assert person("Стать: ч").sex == "male"
    # as Russian OCR reads "Жіноча" and "Вік": it has no "і"
    misread = person("Стать: жноча. Bik: 34 роки")
    assert (misread.sex, misread.age) == ("female", 34.0)
    # its keyword lost ("Вік" read "Ви"), the age is the number of years on the line naming the sex
    assert person("Стать: Жноча Ви: 62 р.").age == 62.0
    assert person("Пол: ж 34 года").age == 34.0
    # a date's year, or a number of years on another line, is no age
    assert person("Стать: Жіноча   Дата взяття: 28.04.2024 р.").age is None
    assert person("Стать: Жіноча", "Стаж 12 років").age is None
    born = person("Дата народження: 12.05.1990", "Дата забору: 12 квітня 2024")
    assert (born.collection_date, born.age) == (date(2024, 4, 12), 33.0)


def test_ukrainian_names_are_read_with_any_apostrophe_and_a_latin_i() -> None:
    lines = make_lines(
        [
            [(40, "Середній об’єм еритроцитів"), (300, "78,4"), (360, "фл")],
            [(40, "Гемоглобiн"), (300, "112"), (360, "г/л")],  # a Latin i for the Ukrainian і
            [(40, "Загальна залізозв'язувальна здатність сироватки"), (300, "71,2"), (360, "мкмоль/л")],
            [(40, "Коефіцієнт насичення трансферину"), (300, "9,1"), (360, "%")],
        ]
    )
    found = {analyte: value.normalized_value for analyte, value in values_of(lines).items()}
    assert found == {"mcv": 78.4, "hemoglobin": 112.0, "tibc": 71.2, "transferrin_saturation": 9.1}


def test_an_abbreviation_read_in_latin_look_alikes_names_its_analyte() -> None:
    # "СРБ" read as "CPB" (Б as B) beside a name garbled past matching
    lines = make_lines([[(40, "С-резктивний блох (CPB)"), (300, "12,4"), (360, "мг/л")]])
    assert values_of(lines, ocr=True)["crp"].normalized_value == 12.4


def test_turkish_sex_and_age_read_by_ocr_without_their_dotless_i_and_cedilla() -> None:
    ocr = person("Cinsiyet: Kadin Yas: 39.")
    assert (ocr.sex, ocr.age) == ("female", 39.0)
    assert person("Cinsiyet: Erkek Yaş: 52").sex == "male"


def test_italian_age_read_by_ocr_without_its_accent() -> None:
    assert person("Sesso: F Eta:61").age == 61.0
    assert person("Sesso: F Età: 61").age == 61.0


def test_sex_age_and_date_read_through_ocr_s_garbled_colon_accent_and_letter() -> None:
    # a colon read as ";", an accent dropped or misread, one letter of the sex word wrong
    assert (person("Пол; м Возраст; 72").sex, person("Age; 68").age) == ("male", 68.0)
    assert [person(word).sex for word in ("Sex: Maile", "Sex: Femaie", "Age / Sex: 84 Years / Maile")] == [
        "male",
        "female",
        "male",
    ]
    assert person("Préleve le ; 16/10/2024").collection_date == date(2024, 10, 16)
    assert person("Fecha de extracci6n: 07.01.2025").collection_date == date(2025, 1, 7)
    # one letter from both sexes' words, or a short word one letter off, says nothing
    assert [person(word).sex for word in ("Sex: emale", "Sex: Mal", "Sex Age")] == [None, None, None]


def test_sex_and_date_read_through_a_quote_before_the_colon_and_an_accent_on_date() -> None:
    # a speck before the colon read as a quote, a speck above the e read as an accent
    assert person("Sexe’: Masculin Age : 21 ans").sex == "male"
    assert person("Sample daté: 05/02/2025").collection_date == date(2025, 2, 5)


def test_person_fields_read_through_a_russian_zh_read_as_x_a_keyword_s_letter_misread() -> None:
    """Monitor photos read a blurred "ж" as x or Cyrillic х ("Пол; x"), the л of "Пол" as д or п ("Под: x",
    "Поп: ж"), the я of "взятия" as и, the E of "Età" as €."""
    assert [person(text).sex for text in ("Пол; x Возраст: 75", "Пол: х", "Под: x", "Поп: ж", "Под: м")] == [
        "female",
        "female",
        "female",
        "female",
        "male",
    ]
    # "Дата взятия" with its я read as и, "Età" with its E read as the euro sign
    assert person("Дата взятии: 14.11,2024").collection_date == date(2024, 11, 14)
    assert person("Sesso:M €ta: 60").age == 60.0
    # x names no sex after another language's keyword, nor after "под"/"поп" without a colon (words of
    # their own)
    assert [person(text).sex for text in ("Sex: X", "под ж", "поп x")] == [None, None, None]


def test_person_keywords_and_sex_words_read_through_an_l_read_as_i_and_a_dropped_umlaut() -> None:
    """Monitor photos read a keyword's l as i ("Coliected", "Geschiecht", "Numune Aima") and "männlich" as
    "manniich": an l and an accent OCR garbled in one word, one letter from "mannlich" once accents fold."""
    assert person("Sample Coliected on: 24 Oct 2024").collection_date == date(2024, 10, 24)
    assert person("Numune Aima Tarihi: 04.05.2025").collection_date == date(2025, 5, 4)
    assert (person("Geschiecht: weiblich Alter: 29 jahre").sex, person("Aiter: 29").age) == ("female", 29.0)
    assert person("Geschiecht: manniich Alter: 81 Jahre").sex == "male"
    # the keyword still has to be whole: "Coiected" lost a letter, and a receipt date is no collection date
    assert person("Sample Coiected on: 24 Oct 2024").collection_date is None
    assert person("Numune Kabul Tarihi: 04.05.2025").collection_date is None


def test_an_age_and_a_date_read_through_specks_beside_their_digits() -> None:
    """A speck before the age read as a quote or a stop ("Возраст:'77", "Sex:.59"), a stop after it
    ("62. Years"), and a date's dot read as a comma ("20,10.2024")."""
    assert person("Пол: м -Возраст:'77").age == 77.0
    assert (person("Age / Sex:.59 Years / Female").age, person("Age / Sex:.59 Years / Female").sex) == (
        59.0,
        "female",
    )
    assert (person("Age / Sex: 62. Years / Male").age, person("Age / Sex: 62. Years / Male").sex) == (
        62.0,
        "male",
    )
    assert person("Дата взятия: 20,10.2024").collection_date == date(2024, 10, 20)
    # a number with a decimal comma is no date
    assert person("Дата взятия: 20,10").collection_date is None


def test_a_sex_ocr_put_on_another_line_than_its_label_is_read_where_it_stands_after_the_label() -> None:
    """ "Пол: м Возраст: 72" read as "Пол: |" and "м Возраст: 72": a speck beside the label made its box
    taller than the line. The sex stands right after the label, within its height; a word under the
    label (the next line of the form) is no sex of it."""
    label = Line((Word("Пол:", 236, 219, 320, 281), Word("|", 1452, 221, 1455, 224)), 1)
    beside = Line(
        (Word("м", 335, 247, 362, 269), Word("Возраст:", 396, 239, 556, 277), Word("72", 572, 238, 618, 285)),
        1,
    )
    report = LabReport()
    read_person([label, beside], report)
    assert (report.sex, report.age) == ("male", 72.0)
    below = Line(
        (Word("м", 236, 300, 262, 322), Word("Возраст:", 296, 292, 456, 330), Word("72", 472, 291, 518, 338)),
        1,
    )
    report = LabReport()
    read_person([label, below], report)
    assert (report.sex, report.age) == (None, 72.0)


def test_no_age_is_read_from_digits_the_pixels_disown_or_glued_to_a_letter_read_for_a_1() -> None:
    """A dotted zero read as 6 (`80` read `86`, marked misshapen by `ocr.misshapen_digits`) and `41y` read
    `4ly` give no age: no range checks an age, so a doubtful one is not read."""
    (line,) = make_lines([[(40, "Age:"), (90, "86")]])
    report = LabReport()
    read_person([replace(line, words=(line.words[0], replace(line.words[1], misshapen=True)))], report)
    assert report.age is None
    assert person("Age: 86").age == 86.0
    assert person("Age: 4ly").age is None


def test_no_age_is_read_from_digits_a_separator_cuts_and_the_age_sex_slash_read_as_a_1_is_still_one() -> None:
    """ "Età: 21" read "Eta: 2.1" is no age 2: an age is printed in whole years. "Age / Sex: 64 Years / Male"
    with its first slash read as 1 is no age 1 and no sex "64"."""
    assert person("Sesso:M Eta: 2.1").age is None
    assert person("Возраст: 45,5").age is None
    assert person("Eta: 21.").age == 21.0
    report = person("Age 1 Sex: 64 Years / Male")
    assert (report.age, report.sex) == (64.0, "male")


def test_a_report_date_or_birth_date_is_not_the_collection_date() -> None:
    report = person(
        "Дата рождения: 12.05.1990", "Дата выдачи результата: 20.03.2024", "Collection date: 2024-03-14"
    )
    assert report.collection_date == date(2024, 3, 14)
    assert report.age == 33.0  # from the birth date, since no age is printed


def test_several_collection_dates_take_the_latest_and_warn() -> None:
    report = person("Дата взятия: 10.03.2024", "Дата взятия: 12.03.2024")
    assert report.collection_date == date(2024, 3, 12)
    (warning,) = report.warnings
    assert (warning.code, warning.items) == ("several_collection_dates", ["2024-03-10", "2024-03-12"])
    assert (
        warning.message == "Several collection dates are printed (2024-03-10, 2024-03-12); the latest is used"
    )


def test_a_garbled_ocr_label_is_named_by_its_unit_only_when_that_is_unambiguous() -> None:
    lines = [
        make_line(
            (40, "МСУ (ср. объем эритр.)"), (290, "76,1"), (355, "фл"), (430, "80,0 - 100,0"), confidence=0.9
        ),
        make_line((40, "PDW"), (290, "16,2"), (355, "%"), (430, "10,0 - 17,0"), top=120, confidence=0.9),
        make_line((40, "ВВС"), (290, "4,9"), (430, "3,8 - 5,3"), top=140, confidence=0.9),
    ]
    found = values_of(lines, ocr=True)
    assert set(found) == {"mcv"}
    assert found["mcv"].value == 76.1
    assert found["mcv"].confidence < 0.9
    assert values_of([make_line((40, "МСУ"), (290, "76,1"), (355, "фл"))]) == {}


def test_an_ocr_arrow_glued_to_a_whole_number_is_dropped_when_the_range_confirms_it() -> None:
    lines = make_lines([[(40, "MCV"), (200, "724"), (260, "fl"), (320, "80 - 100")]], confidence=0.9)
    found = values_of(lines, ocr=True)
    assert (found["mcv"].value, found["mcv"].flag) == (72, "↓")


def test_a_collection_date_no_report_can_bear_is_not_read() -> None:
    report = LabReport()
    read_person(make_lines([[(40, "Sample date: 16/11/2624")]]), report)
    assert report.collection_date is None


def test_an_ocr_value_with_digits_glued_on_far_beyond_its_range_s_precision_is_doubted() -> None:
    lines = make_lines([[(40, "Transferrin"), (200, "2.24091"), (320, "2,00-3,60")]], confidence=0.9)
    assert values_of(lines, ocr=True) == {}


def test_a_value_printed_with_two_decimals_more_than_its_range_is_kept() -> None:
    lines = make_lines([[(40, "Эритроциты (RBC)"), (200, "5.052"), (260, "10x12/л"), (320, "4.6 - 6.1")]])
    assert values_of(lines, ocr=True)["rbc"].value == 5.052
    lines = make_lines([[(40, "MCHC"), (200, "308.00"), (260, "g/L"), (320, "320 - 360")]])
    assert values_of(lines, ocr=True)["mchc"].value == 308.0


def test_a_g_unit_glued_on_as_decimals_is_cut_back_to_the_range_s_decimals() -> None:
    # "13,6 g/dL" in small type read "13,594.": the g as 9, the L as a stop, no unit left on the row
    lines = make_lines([[(40, "Hémoglobine"), (200, "13,594."), (320, "12,0-16,0")]], confidence=0.8)
    hemoglobin = values_of(lines, ocr=True)["hemoglobin"]
    assert (hemoglobin.value, hemoglobin.normalized_value) == (13.5, 135.0)
    # "2,03 g/L" read "2,039.": one digit past the range's two decimals, which alone would pass
    lines = make_lines([[(40, "Transferrine"), (200, "2,039."), (320, "2,00-3,60")]], confidence=0.8)
    assert values_of(lines, ocr=True)["transferrin"].value == 2.03
    # "91,9 fL" read "91,91.": the f's stem and crossbar as a 1
    lines = make_lines([[(40, "VGM"), (200, "91,91."), (320, "80,0-100,0")]], confidence=0.8)
    assert values_of(lines, ocr=True)["mcv"].value == 91.9


def test_an_fl_or_g_per_litre_unit_glued_on_as_decimals_is_cut_back_too() -> None:
    # "84,5 fL" read "84,51.": the f as 1; "6,87 G/L" read "6,8761.": the G as 6, the slash and L as 1.
    lines = make_lines(
        [
            [(40, "VGM"), (200, "84,51."), (320, "80,0-100,0")],
            [(40, "Leucocytes"), (200, "6,8761."), (320, "4,00-10,00")],
        ],
        confidence=0.8,
    )
    found = values_of(lines, ocr=True)
    assert (found["mcv"].value, found["wbc"].value) == (84.5, 6.87)


def test_an_fl_unit_whose_f_reads_as_a_9_glued_on_as_decimals_is_cut_back() -> None:
    # "85,3 fL" on a scan read "85,39.": the f's hook curled shut into a 9's bowl, the L as a stop
    lines = make_lines([[(40, "VGM"), (200, "85,39."), (320, "80,0-100,0")]], confidence=0.25)
    mcv = values_of(lines, ocr=True)["mcv"]
    assert (mcv.value, mcv.normalized_value) == (85.3, 85.3)


def test_surplus_decimals_are_not_cut_without_a_unit_s_look_alike_or_beside_a_unit_read() -> None:
    # the first surplus digit is no look-alike of a letter an RBC unit starts with: kept as read
    lines = make_lines([[(40, "RBC"), (200, "5,052."), (320, "4,6-6,1")]], confidence=0.95)
    assert values_of(lines, ocr=True)["rbc"].value == 5.052
    # the unit read beside the value: the surplus is no unit, and the value is doubted as before
    lines = make_lines(
        [[(40, "Hémoglobine"), (200, "13,594."), (260, "g/dL"), (320, "12,0-16,0")]], confidence=0.8
    )
    assert "hemoglobin" not in values_of(lines, ocr=True)


def test_an_ocr_value_inside_its_range_with_a_low_or_high_flag_is_doubted() -> None:
    # "109 L" read as "169 L" against 130-180: the flag says below the range, the value is inside it
    lines = make_lines([[(40, "Haemoglobin"), (200, "169"), (240, "L"), (260, "g/L"), (320, "(130-180)")]])
    assert values_of(lines, ocr=True) == {}
    lines = make_lines([[(40, "Haemoglobin"), (200, "109"), (240, "L"), (260, "g/L"), (320, "(130-180)")]])
    assert values_of(lines, ocr=True)["hemoglobin"].flag == "L"


def test_an_ocr_value_with_two_glued_digits_and_five_significant_ones_is_doubted() -> None:
    # "2,19 г/л" read as "2,1997": no analyser prints five significant digits for these tests
    lines = make_lines([[(40, "Трансферрин"), (200, "2,1997"), (320, "2,00-3,60")]], confidence=0.9)
    assert values_of(lines, ocr=True) == {}
    lines = make_lines([[(40, "Трансферрин"), (200, "2,19"), (320, "2,00-3,60")]], confidence=0.9)
    assert values_of(lines, ocr=True)["transferrin"].value == 2.19


def test_an_ocr_value_carries_its_word_confidence_and_a_doubtful_one_is_marked_for_review() -> None:
    row: list[list[tuple[float, str]]] = [
        [(40, "Hemoglobin"), (200, "112"), (260, "g/L"), (320, "120 - 150")]
    ]
    sure = values_of(make_lines(row, confidence=0.91), ocr=True)["hemoglobin"]
    assert (sure.ocr_confidence, sure.doubtful) == (0.91, False)
    unsure = values_of(make_lines(row, confidence=0.42), ocr=True)["hemoglobin"]
    assert (unsure.ocr_confidence, unsure.doubtful) == (0.42, True)
    # a text layer has no OCR confidence, and nothing to doubt
    printed = values_of(make_lines(row))["hemoglobin"]
    assert (printed.ocr_confidence, printed.doubtful) == (None, False)


def test_an_ocr_unit_the_printed_range_disowns_is_not_used() -> None:
    # "x10*3/µl" read as "/µl": 9.67 cells per µL is 1000 times too few for a 4-10 range, which fits 10^3/µL
    misread = [
        make_line((40, "Leucociti"), (290, "9,67"), (355, "/µl"), (430, "4,00 - 10,00"), confidence=0.9)
    ]
    reading = read_values(misread, ocr_pages=frozenset({1}))
    assert reading.values == []
    assert [(warning.code, warning.analyte) for warning in reading.warnings] == [("value_misread", "wbc")]
    # the same row with its unit read right, and a count printed per µL with its range on the same scale
    read_right = [
        make_line((40, "Leucociti"), (290, "9,67"), (355, "x10^3/µl"), (430, "4,00 - 10,00"), confidence=0.9),
        make_line((40, "WBC"), (290, "9670"), (355, "/cumm"), (430, "4000 - 10000"), top=120, confidence=0.9),
    ]
    found = values_of(read_right[:1], ocr=True)
    assert found["wbc"].normalized_value == pytest.approx(9.67)
    found = values_of(read_right[1:], ocr=True)
    assert found["wbc"].normalized_value == pytest.approx(9.67)


@pytest.mark.parametrize(
    ("label", "unit", "analyte"),
    [
        ("Общее количество лейкоцитов", "10*9/л", "wbc"),
        ("Количество тромбоцитов", "10*9/л", "platelets"),
        ("Количество эритроцитов", "10*12/л", "rbc"),
    ],
)
def test_russian_count_names_without_an_abbreviation_are_read(label: str, unit: str, analyte: str) -> None:
    line = make_line((10, label), (300, "4,22"), (360, unit))
    (value,) = read_values([line], ocr_pages=frozenset()).values
    assert (value.analyte, value.value) == (analyte, 4.22)


def test_mchc_in_percent_is_its_older_notation_for_g_per_dl() -> None:
    line = make_line((10, "MCHC"), (200, "35.3"), (260, "Percent"), (330, "32.0 - 36.0"))
    (value,) = read_values([line], ocr_pages=frozenset()).values
    assert (value.analyte, value.unit, value.normalized_value, value.normalized_unit) == (
        "mchc",
        "Percent",
        353,
        "g/L",
    )


def test_an_analysers_haemoglobin_concentration_is_haemoglobin_and_mchc_stays_mchc() -> None:
    # as an analyser prints them, the abbreviation garbled by OCR ("НСВ" for HGB): the name in brackets
    # names the analyte; MCHC's wrapped name says "mean ... concentration" and is not haemoglobin
    lines = [
        make_line(
            (10, "НСВ (Концентрация гемоглобина)"), (400, "133.00"), (470, "г/л"), (530, "(110 - 160)")
        ),
        make_line((10, "MCHC (Средняя концентрация гемоглобина в"), top=120),
        make_line((10, "эритроцитах)"), (400, "308.00"), (470, "г/л"), (530, "(320 - 360)"), top=135),
        make_line((10, "Haemoglobin concentration"), (400, "13.1"), (470, "g/dL"), top=160),
    ]
    found = [(value.analyte, value.value) for value in read_values(lines, ocr_pages=frozenset()).values]
    assert found == [("hemoglobin", 133.0), ("mchc", 308.0), ("hemoglobin", 13.1)]

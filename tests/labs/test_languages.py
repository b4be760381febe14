"""The page language, from the words a first OCR reading gives."""

from __future__ import annotations

import pytest

from verae.labs.languages import cyrillic_on_latin_page, cyrillic_page, page_language, read_as_latin


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Analyse Résultat Valeurs de référence Antériorités Hématies Hémoglobine VGM", "fra"),
        ("Prueba Resultado Unidades Valores de referencia Hematíes Hierro Fecha", "spa"),
        ("Exame Resultado Unidade Valores de referência Eritrócitos Hemácias Data da coleta", "por"),
        ("Untersuchung Ergebnis Einheit Referenzbereich Erythrozyten Vorwert", "deu"),
        ("Analisi Risultato Unità Valori di riferimento Globuli rossi Piastrine", "ita"),
        ("TESTLER SONUÇ BİRİM REFERANS ARALIĞI HEMOGRAM RAPORU", "tur"),
        ("Дослідження Результат Од. виміру Референтні значення Еритроцити", "ukr"),
        # as Russian OCR reads it, without the "і" its model lacks
        ("Результати досл!дження. Стать: жноча Bik: 34 Залзо", "ukr"),
    ],
)
def test_a_page_in_one_of_seven_languages_is_recognised(text: str, language: str) -> None:
    assert page_language(text.split()) == language


@pytest.mark.parametrize(
    "text",
    [
        "Test Result Units Reference Interval Hemoglobin Ferritin",
        "Исследование Результат Единицы Референсные значения Гемоглобин",
        "Результаты анализов. Пол: женский. Эритроциты Тромбоциты Сыворотки",
        "Hemoglobina",  # one word says nothing: Spanish, Portuguese or Italian
    ],
)
def test_english_russian_and_undecided_pages_need_no_second_reading(text: str) -> None:
    assert page_language(text.split()) is None


@pytest.mark.parametrize(
    ("text", "misread"),
    [
        ("Platelet Count In Range 286 Thousand/uL гоп, Total TIBC In Range 85 mcg/dL", True),
        # Latin abbreviations and units on a Russian page: the page is in Cyrillic
        ("Гемоглобин HGB 135 г/л Ферритин 45 нг/мл Железо 18 мкмоль/л", False),
        # a stray Cyrillic letter or two is OCR noise, not a word read in the other script
        ("Hemoglobin 13.8 g/dL Ferritin 45 ng/mL Ве", False),
    ],
)
def test_an_english_page_with_words_read_as_cyrillic_is_told(text: str, misread: bool) -> None:
    assert cyrillic_on_latin_page(text.split()) is misread


@pytest.mark.parametrize(
    ("text", "russian"),
    [
        # Latin abbreviations and units beside Cyrillic names: still a Russian page
        ("Гемоглобин HGB 135 г/л Количество тромбоцитов PLT 228 10*9/л", True),
        # an English page with a word read as Cyrillic is no Russian page
        ("Platelet Count In Range 286 Thousand/uL гоп, Total TIBC In Range 85 mcg/dL", False),
        ("", False),
    ],
)
def test_a_page_mostly_in_cyrillic_is_russian(text: str, russian: bool) -> None:
    assert cyrillic_page(text.split()) is russian


@pytest.mark.parametrize(
    ("word", "latin"),
    [
        ("Tpombouutos", True),  # "Тромбоцитов" read in Latin look-alikes
        ("MCHC", False),  # an abbreviation
        ("HGB-RBC", False),
        ("10E9/n", False),  # a unit
        ("Количество", False),
    ],
)
def test_a_russian_word_read_in_latin_letters_is_told_from_abbreviations_and_units(
    word: str, latin: bool
) -> None:
    assert read_as_latin(word) is latin

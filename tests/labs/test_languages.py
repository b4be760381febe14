"""The page language, from the words a first OCR reading gives."""

from __future__ import annotations

import pytest

from verae.labs.languages import page_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Analyse Résultat Valeurs de référence Antériorités Hématies Hémoglobine VGM", "fra"),
        ("Prueba Resultado Unidades Valores de referencia Hematíes Hierro Fecha", "spa"),
        ("Exame Resultado Unidade Valores de referência Eritrócitos Hemácias Data da coleta", "por"),
        ("Untersuchung Ergebnis Einheit Referenzbereich Erythrozyten Vorwert", "deu"),
        ("Analisi Risultato Unità Valori di riferimento Globuli rossi Piastrine", "ita"),
        ("TESTLER SONUÇ BİRİM REFERANS ARALIĞI HEMOGRAM RAPORU", "tur"),
    ],
)
def test_a_page_in_one_of_six_languages_is_recognised(text: str, language: str) -> None:
    assert page_language(text.split()) == language


@pytest.mark.parametrize(
    "text",
    [
        "Test Result Units Reference Interval Hemoglobin Ferritin",
        "Исследование Результат Единицы Референсные значения Гемоглобин",
        "Hemoglobina",  # one word says nothing: Spanish, Portuguese or Italian
    ],
)
def test_english_russian_and_undecided_pages_need_no_second_reading(text: str) -> None:
    assert page_language(text.split()) is None

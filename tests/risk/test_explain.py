"""Wording of explanations: plain sentences in English and Russian, direction from the contribution."""

from __future__ import annotations

import pytest

from verae.risk.explain import explanation_for


@pytest.mark.parametrize(
    ("feature", "value", "contribution", "sex", "age", "english", "russian"),
    [
        (
            "mcv",
            72.0,
            0.8,
            "female",
            30.0,
            "MCV 72 fL is below the usual range (80–100 fL) and raises the estimate.",
            "MCV 72 фл ниже обычного диапазона (80–100 фл) и повышает оценку.",
        ),
        (
            "rdw_cv",
            17.5,
            0.4,
            "male",
            60.0,
            "RDW-CV 17.5% is above the usual range (11.5–14.5%) and raises the estimate.",
            "RDW-CV 17,5% выше обычного диапазона (11,5–14,5%) и повышает оценку.",
        ),
        (
            "hemoglobin",
            152.0,
            -1.2,
            "male",
            51.0,
            "Hemoglobin 152 g/L is within the usual range (130–175 g/L) and lowers the estimate.",
            "Гемоглобин 152 г/л в пределах обычного диапазона (130–175 г/л) и снижает оценку.",
        ),
        (
            "mcv",
            74.0,
            -0.1,
            "female",
            3.0,
            "MCV 74 fL is within the usual range (72–88 fL) and lowers the estimate.",
            "MCV 74 фл в пределах обычного диапазона (72–88 фл) и снижает оценку.",
        ),
        ("sex", 1.0, 0.7, "female", 30.0, "Female sex raises the estimate.", "Женский пол повышает оценку."),
        (
            "age",
            21.0,
            0.3,
            "female",
            21.0,
            "Age 21 years raises the estimate.",
            "Возраст 21 год повышает оценку.",
        ),
        (
            "age",
            63.0,
            -0.3,
            "male",
            63.0,
            "Age 63 years lowers the estimate.",
            "Возраст 63 года снижает оценку.",
        ),
        (
            "platelets",
            420.0,
            0.2,
            "female",
            30.0,
            "Platelets 420 ×10⁹/L is above the usual range (150–400 ×10⁹/L) and raises the estimate.",
            "Тромбоциты 420 ×10⁹/л выше обычного диапазона (150–400 ×10⁹/л) и повышает оценку.",
        ),
    ],
)
def test_sentences(
    feature: str, value: float, contribution: float, sex: str, age: float, english: str, russian: str
) -> None:
    explanation = explanation_for(feature, value, contribution, sex, age)
    assert (explanation.text.en, explanation.text.ru) == (english, russian)
    assert explanation.direction == ("raises" if contribution > 0 else "lowers")
    assert explanation.contribution == contribution

"""Plain-language explanations of SHAP contributions, in English and Russian.

Usual ranges are common adult (and, for red-cell indices, paediatric) reference intervals; they only
word the sentence ("below the usual range"), the direction comes from the model's contribution.
"""

from __future__ import annotations

import math

from verae.risk.features import BY_NAME
from verae.risk.rules import anaemia_threshold_g_l
from verae.risk.schemas import Explanation, LocalizedText, OutsideTrainingRange

EXPLANATION_COUNT = 4
# contributions smaller than this (calibrated log-odds) do not move the estimate in a way worth saying
MIN_CONTRIBUTION = 0.02


def usual_range(feature: str, sex: str | None, age: float | None) -> tuple[float, float] | None:
    adult = age is None or age >= 12
    child = age is not None and age < 6
    female = sex == "female"
    if feature == "hemoglobin" and sex is not None and age is not None:
        low = anaemia_threshold_g_l(sex, age)
        return low, 160.0 if female or not adult else 175.0
    ranges: dict[str, tuple[float, float]] = {
        "hematocrit": (36.0, 46.0) if female or not adult else (40.0, 52.0),
        "rbc": (3.9, 5.2) if female or not adult else (4.3, 5.8),
        "mcv": (72.0, 88.0) if child else (80.0, 100.0) if adult else (77.0, 91.0),
        "mch": (24.0, 30.0) if child else (27.0, 33.0) if adult else (25.0, 31.0),
        "mchc": (320.0, 360.0),
        "rdw_cv": (11.5, 14.5),
        "platelets": (150.0, 400.0),
        "wbc": (4.0, 11.0) if adult else (5.0, 15.0),
        "crp": (0.0, 5.0),
    }
    if feature == "bmi":
        return (18.5, 25.0) if age is not None and age >= 18 else None
    return ranges.get(feature)


def _number(value: float, russian: bool) -> str:
    text = f"{value:.3g}" if abs(value) < 10 else f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    return text.replace(".", ",") if russian else text


def _years_ru(age: float) -> str:
    whole = math.floor(age)
    if whole % 10 == 1 and whole % 100 != 11:
        return "год"
    if whole % 10 in (2, 3, 4) and whole % 100 not in (12, 13, 14):
        return "года"
    return "лет"


def explanation_for(
    feature: str, value: float, contribution: float, sex: str | None, age: float | None
) -> Explanation:
    raises = contribution > 0
    effect_en = "raises the estimate" if raises else "lowers the estimate"
    effect_ru = "повышает оценку" if raises else "снижает оценку"
    spec = BY_NAME[feature]
    if feature == "sex":
        en = f"{'Female' if value == 1.0 else 'Male'} sex {effect_en}."
        ru = f"{'Женский' if value == 1.0 else 'Мужской'} пол {effect_ru}."
        return Explanation(
            feature=feature,
            value=None,
            unit=None,
            contribution=contribution,
            direction="raises" if raises else "lowers",
            text=LocalizedText(en=en, ru=ru),
        )
    if feature == "age":
        whole = math.floor(value)
        en = f"Age {whole} years {effect_en}."
        ru = f"Возраст {whole} {_years_ru(value)} {effect_ru}."
        unit = "years"
    else:
        unit = spec.unit
        shown_en = f"{spec.label_en} {_with_unit(_number(value, False), _unit_en(unit))}"
        shown_ru = f"{spec.label_ru} {_with_unit(_number(value, True), spec.unit_ru)}"
        bounds = usual_range(feature, sex, age)
        if bounds is None:
            en, ru = f"{shown_en} {effect_en}.", f"{shown_ru} {effect_ru}."
        else:
            low, high = bounds
            span_en = _with_unit(f"{_number(low, False)}–{_number(high, False)}", _unit_en(unit))
            span_ru = _with_unit(f"{_number(low, True)}–{_number(high, True)}", spec.unit_ru)
            if value < low:
                where_en, where_ru = "is below", "ниже"
            elif value > high:
                where_en, where_ru = "is above", "выше"
            else:
                where_en, where_ru = "is within", "в пределах"
            en = f"{shown_en} {where_en} the usual range ({span_en}) and {effect_en}."
            ru = f"{shown_ru} {where_ru} обычного диапазона ({span_ru}) и {effect_ru}."
    return Explanation(
        feature=feature,
        value=value,
        unit=unit,
        contribution=contribution,
        direction="raises" if raises else "lowers",
        text=LocalizedText(en=en, ru=ru),
    )


def _unit_en(unit: str) -> str:
    return {"10^12/L": "×10¹²/L", "10^9/L": "×10⁹/L", "kg/m2": "kg/m²"}.get(unit, unit)


def _with_unit(number: str, unit: str) -> str:
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}".rstrip()


def outside_range_note(
    feature: str, value: float, low: float, high: float, supported_ages: list[tuple[float, float]]
) -> OutsideTrainingRange:
    """Says that an input lies beyond the training data, and that the estimate is less certain for it."""
    less_en = "the estimate is less certain"
    less_ru = "оценка менее надёжна"
    if feature == "age":
        spans = [(start, end - 1) for start, end in supported_ages]
        ages = ", ".join(f"{start:g}–{min(end, high):g}" for start, end in spans)
        en = (
            f"Age {math.floor(value)} years is outside the ages the model was trained on ({ages}): {less_en}."
        )
        ru = (
            f"Возраст {math.floor(value)} {_years_ru(value)} вне возрастов, на которых обучена модель "
            f"({ages}): {less_ru}."
        )
    else:
        spec = BY_NAME[feature]
        shown_en = f"{spec.label_en} {_with_unit(_number(value, False), _unit_en(spec.unit))}"
        shown_ru = f"{spec.label_ru} {_with_unit(_number(value, True), spec.unit_ru)}"
        span_en = _with_unit(f"{_number(low, False)}–{_number(high, False)}", _unit_en(spec.unit))
        span_ru = _with_unit(f"{_number(low, True)}–{_number(high, True)}", spec.unit_ru)
        en = f"{shown_en} is outside the range the model was trained on ({span_en}): {less_en}."
        ru = f"{shown_ru} вне диапазона, на котором обучена модель ({span_ru}): {less_ru}."
    return OutsideTrainingRange(
        feature=feature,
        value=value,
        training_low=low,
        training_high=high,
        text=LocalizedText(en=en, ru=ru),
    )

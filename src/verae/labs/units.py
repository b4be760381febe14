"""Unit spelling normalisation and conversion into each analyte's canonical unit."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from verae.labs.catalog import Analyte

# Cyrillic lab spellings (Russian and Ukrainian) to their Latin equivalents, longest first so that
# "мкмоль" wins over "моль".
_CYRILLIC = (
    ("мкмоль", "umol"),
    ("ммоль", "mmol"),
    ("пмоль", "pmol"),
    ("тыс", "10^3"),
    ("тис", "10^3"),  # Ukrainian
    ("млн", "10^6"),
    ("мкл", "ul"),
    ("мкм", "um"),
    ("мкг", "ug"),
    ("мг", "mg"),
    ("нг", "ng"),
    ("пг", "pg"),
    ("фл", "fl"),
    ("дл", "dl"),
    ("мл", "ml"),
    ("г", "g"),
    ("л", "l"),
    ("х", "x"),
    ("т", "t"),  # tera: "Т/л", red cells per litre
)
# Count units spelled out in words, per microlitre ("Thous/cu.mm", "Milyon/µL", "mill/cumm", "Tsd/µl"):
# the multiplier word to its power of ten. "mil" is not here: English labs mean a million by it and
# Portuguese labs a thousand, so the catalog settles it per analyte (RBC in millions, WBC in thousands).
_COUNT_WORDS = re.compile(
    r"^x?(millions|million|millones|milhões|milhoes|milyon|mill|mio|thousands|thousand|thous|tsd|bin|mil)"
    r"(?=/|$)"
)
_COUNT_POWERS = {"thousand": "10^3", "thousands": "10^3", "thous": "10^3", "tsd": "10^3", "bin": "10^3"}
# A cubic millimetre is a microlitre: "/cumm", "/cu.mm", "/mm3", "/mm³".
_CUBIC_MILLIMETRE = re.compile(r"cu\.?mm|mm3|mm³")
_CELLS_PER_MICROLITRE = re.compile(r"(?:cells)?/?(?:cu\.?mm|mm3|mm³)|cells/ul")
_POWER = re.compile(r"(?:x|×|\*)?10(?:\^|\*|e|x)?([0-9]{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


# pure, and called for every token of every row each time the reader parses a page again (`labs.reread`)
@functools.lru_cache(maxsize=4096)
def normalize_unit(unit: str) -> str:
    """One spelling per unit: "г/дл" -> "g/dl", "x10*9/л" -> "10^9/l", "млн/мкл" -> "10^6/ul"."""
    text = unit.strip().lower().replace(" ", "").replace("μ", "u").replace("µ", "u").replace("mc", "u")
    for cyrillic, latin in _CYRILLIC:
        text = text.replace(cyrillic, latin)
    text = _POWER.sub(lambda match: "10^" + match.group(1).translate(_SUPERSCRIPT), text)
    if _CELLS_PER_MICROLITRE.fullmatch(text):  # "cumm", "/mm3", "cells/mcL": a bare count per µL
        return "/ul"
    text = _CUBIC_MILLIMETRE.sub("ul", text)
    text = _COUNT_WORDS.sub(lambda match: _count_power(match.group(1)), text)
    if text.startswith(("lakh", "lakhs")):  # 1 lakh = 100,000 per microlitre (platelets in India)
        text = "lakh/ul"
    if text == "percent":
        text = "%"
    return text.replace("um3", "um^3").replace("um³", "um^3")


def _count_power(word: str) -> str:
    if word == "mil":
        return "mil"
    return _COUNT_POWERS.get(word, "10^6")


class UnitError(ValueError):
    """A unit the catalog does not accept for this analyte."""


@dataclass(frozen=True)
class Normalized:
    value: float
    unit: str  # the canonical unit, as the catalog spells it


def convert(analyte: Analyte, value: float, unit: str | None) -> Normalized:
    """Convert `value` printed in `unit` into the analyte's canonical unit.

    A missing unit is resolved only when exactly one candidate unit gives an ordinary value (`fits_unit`),
    or when the candidates are one unit (MCV 35 is fL, however extraordinary).
    """
    if unit is None or not unit.strip():
        factors = {analyte.units[candidate] for candidate in analyte.unitless_candidates}
        if len(factors) == 1:
            return Normalized(value * factors.pop(), analyte.canonical_unit)
        plausible = {
            round(value * analyte.units[candidate], 6)
            for candidate in analyte.unitless_candidates
            if fits_unit(analyte, value * analyte.units[candidate])
        }
        if len(plausible) != 1:
            raise UnitError(f"{analyte.code}: no unit given and the value does not identify one")
        return Normalized(plausible.pop(), analyte.canonical_unit)
    factor = analyte.units.get(normalize_unit(unit))
    if factor is None:
        raise UnitError(f"{analyte.code}: unit {unit!r} is not one of {', '.join(analyte.units)}")
    return Normalized(value * factor, analyte.canonical_unit)


def infer_unit(analyte: Analyte, value: float, bounds: tuple[float, float]) -> str | None:
    """The one unit of the analyte in which both the value and its printed reference range make sense,
    or None when none or several do (`units_fitting`): 98 with 120-160 is g/L, 8.8 with 7.5-10 is mmol/L,
    not g/dL."""
    fitting = units_fitting(analyte, value, bounds)
    return next(iter(fitting.values())) if len(fitting) == 1 else None


def units_fitting(analyte: Analyte, value: float, bounds: tuple[float, float]) -> dict[float, str]:
    """The analyte's units (one spelling a factor, keyed by factor) in which the value is ordinary
    (`fits_unit`) and each printed limit (a 0 lower limit and an open upper one say nothing) lies where
    labs put reference limits."""
    band_low, band_high = analyte.reference_band
    fitting: dict[float, str] = {}
    for unit, factor in analyte.units.items():
        limits = [limit * factor for limit in bounds if 0 < limit < math.inf]
        if (
            limits
            and fits_unit(analyte, value * factor)
            and all(band_low <= limit <= band_high for limit in limits)
        ):
            fitting.setdefault(round(factor, 9), unit)
    return fitting


def is_plausible(analyte: Analyte, canonical_value: float) -> bool:
    """Within the physiological limits: a value a living person can show."""
    low, high = analyte.plausible
    return math.isfinite(canonical_value) and low <= canonical_value <= high


def fits_unit(analyte: Analyte, canonical_value: float) -> bool:
    """Within the range of ordinary results, narrow enough that a number fits one unit only: the test
    that tells which unit an unlabelled value is in (never whether a value is accepted)."""
    low, high = analyte.unit_range
    return math.isfinite(canonical_value) and low <= canonical_value <= high

"""Unit spelling normalisation and conversion into each analyte's canonical unit."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from verae.labs.catalog import BY_CODE, Analyte

# Cyrillic lab spellings to their Latin equivalents, longest first so that "мкмоль" wins over "моль".
_CYRILLIC = (
    ("мкмоль", "umol"),
    ("ммоль", "mmol"),
    ("пмоль", "pmol"),
    ("тыс", "10^3"),
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
)
_POWER = re.compile(r"(?:x|×|\*)?10(?:\^|\*|e)?([0-9]{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def normalize_unit(unit: str) -> str:
    """One spelling per unit: "г/дл" -> "g/dl", "x10*9/л" -> "10^9/l", "млн/мкл" -> "10^6/ul"."""
    text = unit.strip().lower().replace(" ", "").replace("μ", "u").replace("µ", "u").replace("mc", "u")
    for cyrillic, latin in _CYRILLIC:
        text = text.replace(cyrillic, latin)
    text = _POWER.sub(lambda match: "10^" + match.group(1).translate(_SUPERSCRIPT), text)
    return text.replace("um3", "um^3").replace("um³", "um^3")


class UnitError(ValueError):
    """A unit the catalog does not accept for this analyte."""


@dataclass(frozen=True)
class Normalized:
    value: float
    unit: str  # the canonical unit, as the catalog spells it


def convert(analyte: Analyte, value: float, unit: str | None) -> Normalized:
    """Convert `value` printed in `unit` into the analyte's canonical unit.

    A missing unit is resolved only when exactly one candidate unit gives a plausible value.
    """
    if unit is None or not unit.strip():
        plausible = {
            round(value * analyte.units[candidate], 6)
            for candidate in analyte.unitless_candidates
            if is_plausible(analyte, value * analyte.units[candidate])
        }
        if len(plausible) != 1:
            raise UnitError(f"{analyte.code}: no unit given and the value does not identify one")
        return Normalized(plausible.pop(), analyte.canonical_unit)
    factor = analyte.units.get(normalize_unit(unit))
    if factor is None:
        raise UnitError(f"{analyte.code}: unit {unit!r} is not one of {', '.join(analyte.units)}")
    return Normalized(value * factor, analyte.canonical_unit)


def is_plausible(analyte: Analyte, canonical_value: float) -> bool:
    low, high = analyte.plausible
    return math.isfinite(canonical_value) and low <= canonical_value <= high


def canonical_unit(code: str) -> str:
    return BY_CODE[code].canonical_unit

"""The words of a row classified: numbers (with a glued flag or comparator), reference ranges, bounds,
units and flags."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from verae.labs.catalog import ANALYTES
from verae.labs.layout import Word
from verae.labs.units import normalize_unit

_NUMBER = r"\d+(?:[.,]\d+)?"
_DASH = r"(?:-|–|—|\.\.\.?|…|÷)"
_RANGE = re.compile(rf"^\(?({_NUMBER})\s*{_DASH}\s*({_NUMBER})\)?[,;]?$")
_BOUND = re.compile(
    rf"^\(?(<=|>=|<|>|≤|≥|до|менее|более|не более|up to)\s*({_NUMBER})\)?[,;]?$", re.IGNORECASE
)
_VALUE = re.compile(rf"^([<>])?({_NUMBER})([*↑↓]{{1,2}}|[{{}}+])?$")
# Tesseract's rus/eng models have no arrow glyphs: a printed ↑ or ↓ beside a value comes out as one of these.
_FLAGS = frozenset({"H", "L", "HH", "LL", "↑", "↓", "↑↑", "↓↓", "*", "**", "High", "Low", "Н"})
_KNOWN_UNITS = frozenset(unit for analyte in ANALYTES for unit in analyte.units)


# Report sections whose counts are not blood: a urinalysis also lists "erythrocytes" and "leukocytes".
@dataclass(frozen=True)
class Token:
    kind: Literal["number", "range", "bound", "unit", "flag", "other"]
    words: tuple[Word, ...]
    number: float | None = None
    comparator: str | None = None
    flag: str | None = None
    bounds: tuple[float, float] | None = None

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0


def number_of(text: str) -> float:
    return float(text.replace(",", "."))


def clean(text: str) -> str:
    return text.replace("−", "-").replace("ё", "е").strip()


def _is_unit(text: str) -> bool:
    return bool(text) and normalize_unit(text) in _KNOWN_UNITS


def tokenize(words: tuple[Word, ...]) -> list[Token]:
    """Classify the words after a label: units first (they contain digits: 10*9/л), then ranges, bounds,
    values and flags. Multi-word forms ("120 - 150", "x10^9 /L", "< 5") are tried longest first."""
    tokens: list[Token] = []
    index = 0
    while index < len(words):
        token = _token_at(words, index)
        tokens.append(token)
        index += len(token.words)
    return tokens


def _token_at(words: tuple[Word, ...], index: int) -> Token:
    for span in (3, 2, 1):
        chunk = words[index : index + span]
        if len(chunk) < span:
            continue
        joined = clean(" ".join(word.text for word in chunk))
        is_flag = clean(chunk[0].text) in _FLAGS  # "* 10*12/л" is a flag, then a unit
        if not is_flag and _is_unit(joined.replace(" ", "")) and not _VALUE.match(joined):
            return Token("unit", chunk)
        if match := _RANGE.match(joined):
            low, high = number_of(match.group(1)), number_of(match.group(2))
            return Token("range", chunk, bounds=(low, high))
        if match := _BOUND.match(joined):
            comparator = match.group(1).lower()
            number = number_of(match.group(2))
            upper = comparator in ("<", "<=", "≤", "до", "менее", "не более", "up to")
            bounds = (0.0, number) if upper else (number, math.inf)
            return Token("bound", chunk, number=number, comparator=comparator, bounds=bounds)
    text = clean(words[index].text)
    if match := _VALUE.match(text):
        return Token(
            "number",
            words[index : index + 1],
            number=number_of(match.group(2)),
            comparator=match.group(1),
            flag=match.group(3),
        )
    if text in _FLAGS:
        return Token("flag", words[index : index + 1], flag="H" if text == "Н" else text)
    return Token("other", words[index : index + 1])

"""Words with positions, from a PDF text layer or from OCR, rebuilt into lines of a page."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass

# Slopes a photo's rows may keep after deskewing (about ±3°), searched for rows that run downhill.
_SLOPES = [step / 500 for step in range(-25, 26)]


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # 1.0 for a PDF text layer; Tesseract's word confidence (0..1) for OCR
    confidence: float = 1.0
    # read a second time from its own box, alone, to the same text (`labs.confirm`): a value far outside
    # its printed range is then taken to be printed so rather than misread
    confirmed: bool = False
    # read a second time from its own box, alone, to another number (`labs.confirm`): a value with no
    # printed range to check its digits is then not believed, nor one read unsure whose box alone is
    # read surely as other digits
    refuted: bool = False
    # read as another number where its line was read a second time (`reread.merge`): of two readings of
    # the same digits that disagree, neither is believed until its box read alone settles it
    disputed: bool = False
    # a whole number far outside its range whose box, read alone, gave the same leading digits with a
    # separator (`confirm._separator_restored`): the value must then show its range's decimals
    separator_restored: bool = False
    # a number whose digits, in the pixels, enclose more holes than the digits read can
    # (`ocr.misshapen_digits`): misread, whatever Tesseract's confidence
    misshapen: bool = False
    # misshapen only in its first digit, read 6 or 9, whose holes are a zero's (a dotted zero, `0.453`
    # read `6.453`): the pixels then agree with the leading zero put back (`repairs.restore_leading_zero`)
    zero_shaped_lead: bool = False
    # a number whose glyphs stand a word space apart after this many digits, nothing printed between
    # (`ocr.digits_before_gap`): what follows the gap is another word OCR glued on, most often a flag
    # arrow read as a digit (`7 ↓` read as `74`)
    digits_before_gap: int | None = None

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    page: int
    # the page's width and height in the words' coordinates, when known
    page_size: tuple[float, float] | None = None

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def height(self) -> float:
        return statistics.median(word.height for word in self.words)


def group_lines(words: list[Word], page: int, page_size: tuple[float, float] | None = None) -> list[Line]:
    """Words sharing a baseline band become one line, read left to right; lines run top to bottom.

    A word joins a line when its vertical middle lies within half a text height of the line's middle,
    which keeps table rows whole even when their cells are far apart.
    """
    kept = [word for word in words if word.text.strip()]
    slope = _slope(kept)

    def level(word: Word) -> float:
        # the word's middle moved onto the line it would lie on if rows ran level
        return word.middle - slope * word.x0

    lines: list[list[Word]] = []
    for word in sorted(kept, key=lambda word: (level(word), word.x0)):
        if lines:
            current = lines[-1]
            middle = statistics.median(level(item) for item in current)
            height = statistics.median(item.height for item in current)
            if abs(level(word) - middle) <= max(height, word.height) * 0.5:
                current.append(word)
                continue
        lines.append([word])
    return [Line(tuple(sorted(line, key=lambda word: word.x0)), page, page_size) for line in lines]


def _slope(words: list[Word]) -> float:
    """How far rows drop per unit of width: the slope along which the words' middles bunch most tightly
    into rows (the same sharpest-profile search as deskewing an image, on word boxes). 0 for a level page
    and whenever a slope is not clearly better than level. A photo's rows can still run downhill after
    straightening, which over a wide table is a whole row: grouped by plain height, a value would land
    on the next row's name."""
    if len(words) < 20:
        return 0.0
    step = statistics.median(word.height for word in words) / 3
    if step <= 0:
        return 0.0

    def sharpness(slope: float) -> int:
        counts = Counter(math.floor((word.middle - slope * word.x0) / step) for word in words)
        return sum(count * count for count in counts.values())

    level = sharpness(0.0)
    best = max(_SLOPES, key=sharpness)
    return float(best) if sharpness(best) > 1.25 * level else 0.0

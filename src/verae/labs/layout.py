"""Words with positions, from a PDF text layer or from OCR, rebuilt into lines of a page."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # 1.0 for a PDF text layer; Tesseract's word confidence (0..1) for OCR
    confidence: float = 1.0

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
    lines: list[list[Word]] = []
    for word in sorted(
        (word for word in words if word.text.strip()), key=lambda word: (word.middle, word.x0)
    ):
        if lines:
            current = lines[-1]
            middle = statistics.median(item.middle for item in current)
            height = statistics.median(item.height for item in current)
            if abs(word.middle - middle) <= max(height, word.height) * 0.5:
                current.append(word)
                continue
        lines.append([word])
    return [Line(tuple(sorted(line, key=lambda word: word.x0)), page, page_size) for line in lines]

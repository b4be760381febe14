"""Positioned lines built by hand, so extraction rules can be tested without rendering or OCR."""

from __future__ import annotations

from verae.labs.layout import Line, Word

CHAR_WIDTH = 5.0
HEIGHT = 9.0


def make_line(*cells: tuple[float, str], top: float = 100.0, page: int = 1, confidence: float = 1.0) -> Line:
    """A line whose cells start at the given x positions, each cell's words one space apart."""
    words: list[Word] = []
    for x, text in cells:
        position = x
        for part in text.split():
            width = CHAR_WIDTH * len(part)
            words.append(Word(part, position, top, position + width, top + HEIGHT, confidence))
            position += width + CHAR_WIDTH
    return Line(tuple(words), page)


def make_lines(rows: list[list[tuple[float, str]]], page: int = 1, confidence: float = 1.0) -> list[Line]:
    return [
        make_line(*cells, top=100.0 + 15 * index, page=page, confidence=confidence)
        for index, cells in enumerate(rows)
    ]

"""A second, targeted OCR reading of the lines that name an analyte but gave no value.

Tesseract's first pass reads the whole page at once; on a small or noisy page it garbles a value
("5.17" as "Sede."), loses a decimal comma ("31,4" as "314", then refused), or misreads a unit so the
value cannot be used. Those lines are cut out of the prepared page and stacked into one strip image,
which one extra Tesseract run reads line by line: freed from the page around it, Tesseract reads a line
differently, and the strip is small, so the cost is a fraction of the first pass (reading the lines
still without a value once more, enlarged by half, recovered 2 more values in 56 generated pages for
60 % more time: not done). A line read again replaces the first reading only when it gives more values
through the same checks (units, printed range, rejections) and keeps every value the first gave, and
when no new value contradicts a number the first reading printed in the same place. A line kept as first
read whose second reading gives one of its analytes another number (3.48 and 3,18) has that value
disputed: one reading misread a digit, so the value is believed only when its box read alone
(`labs.confirm`, as an unsure value) is surely the first reading's text, and is then marked for review.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image

from verae.labs import ocr
from verae.labs.layout import Line, Word
from verae.labs.schemas import LabValue

# Lines read again per page at most: a page with more unreadable names is not worth the time.
MAX_LINES = 16
# White space between stacked lines, in line heights: Tesseract keeps them apart as separate rows.
GAP = 1.2

Reader = Callable[[list[Line]], list[LabValue]]


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def targets(lines: list[Line], values: list[LabValue], names: Callable[[Line], int]) -> list[int]:
    """Indexes of the lines that name more analytes than they gave values for."""
    given: dict[str | None, int] = {}
    for value in values:
        given[value.source_line] = given.get(value.source_line, 0) + 1
    found = [index for index, line in enumerate(lines) if names(line) > given.get(line.text, 0)]
    return found[:MAX_LINES]


def _band(line: Line, page_height: int) -> tuple[int, int]:
    """The line's rows on the page, with a third of its height above and below. The whole width is
    kept: cut to the line's own words, lines read worse (10 values recovered instead of 16)."""
    margin = 0.35 * line.height
    top = min(word.top for word in line.words) - margin
    bottom = max(word.bottom for word in line.words) + margin
    return max(0, round(top)), min(page_height, round(bottom))


def read_again(
    image: Image.Image, lines: list[Line], indexes: list[int], *, timeout: float, page: int, languages: str
) -> dict[int, Line]:
    """The lines at `indexes`, read again from their bands of `image` (the page OCR read), in the page's
    coordinates: one Tesseract run over the bands stacked one per row."""
    if not indexes:
        return {}
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    bands = [_band(lines[index], grey.shape[0]) for index in indexes]
    gap = round(GAP * max(lines[index].height for index in indexes))
    stack = np.full((gap + sum(bottom - top + gap for top, bottom in bands), grey.shape[1]), 255, np.uint8)
    # per line: its rows in the stack, and the shift from the stack's rows to the page's
    placed: list[tuple[int, int, int]] = []
    cursor = gap
    for top, bottom in bands:
        stack[cursor : cursor + bottom - top] = grey[top:bottom]
        placed.append((cursor, cursor + bottom - top, top - cursor))
        cursor += bottom - top + gap
    read: dict[int, list[Word]] = {index: [] for index in indexes}
    for word in ocr.recognize(Image.fromarray(stack), timeout=timeout, page=page, languages=languages):
        for index, (start, end, shift) in zip(indexes, placed, strict=True):
            if start <= word.middle <= end:
                read[index].append(replace(word, top=word.top + shift, bottom=word.bottom + shift))
                break
    return {
        index: Line(tuple(sorted(found, key=lambda word: word.x0)), lines[index].page, lines[index].page_size)
        for index, found in read.items()
        if found
    }


def value_key(value: LabValue) -> tuple[str, float]:
    return value.analyte, round(value.normalized_value, 6)


def _separators(text: str) -> tuple[int, ...]:
    """Where a decimal separator stands between two digits, counted in digits before it ("2,7": 1)."""
    return tuple(len(_digits(text[: match.start()])) for match in ocr.DECIMAL_SEPARATOR.finditer(text))


def _contradicts_first(value: LabValue, first: Line) -> bool:
    """Whether the first reading printed another number where the second reads this value: two readings
    that disagree on the digits (983 and 233) leave the value unknown. A first reading with no digits
    there (a value garbled into letters) or with the same digits and no separator (a decimal comma lost:
    "314" for 31,4) does not. With the same digits but a separator the second lacks or puts elsewhere it
    does: OCR loses a small comma far more often than it invents one between two digits, so a first
    "2,7" read again as "27" is the better supported reading, and the second is the garble."""
    if value.bbox is None or first.page_size is None:
        return False
    width = first.page_size[0]
    left, right = value.bbox[0] * width, value.bbox[2] * width
    overlapping = " ".join(word.text for word in first.words if word.x0 < right and word.x1 > left)
    printed, second = _digits(overlapping), value.source_text or ""
    if not printed:
        return False
    separated = _separators(overlapping)
    return printed != _digits(second) or (bool(separated) and separated != _separators(second))


def _disputed(line: Line, first: list[LabValue], second: list[LabValue]) -> Line:
    """The line of the first reading, the words of each value it gave marked `disputed` where the second
    reading of the same line gives the same analyte another number (3.48 and 3,18) where the first stood:
    one of the two misread a digit, and nothing on the row tells which. A number the second reading found
    elsewhere on the row (a speck read "7" before the value it also read) is no reading of those digits."""
    others = {value.analyte: value for value in second}
    spans = [
        (value.bbox[0] * line.page_size[0], value.bbox[2] * line.page_size[0])
        for value in first
        if (other := others.get(value.analyte)) is not None
        and not math.isclose(other.value, value.value)
        and value.bbox is not None
        and other.bbox is not None
        and other.bbox[0] < value.bbox[2]
        and value.bbox[0] < other.bbox[2]
        and line.page_size is not None
    ]
    if not spans:
        return line
    return replace(
        line,
        words=tuple(
            replace(word, disputed=True)
            if any(word.x0 < right and word.x1 > left for left, right in spans)
            else word
            for word in line.words
        ),
    )


def _given_by(value: LabValue, line: Line) -> bool:
    """Whether `line` gave a value: its name or its digits stand there. A card prints its value on the line
    under its name, and the value carries the name's line as its source, so where its box lies counts too."""
    if value.source_line == line.text:
        return True
    if value.bbox is None or line.page_size is None:
        return False
    middle = (value.bbox[1] + value.bbox[3]) / 2 * line.page_size[1]
    return min(word.top for word in line.words) <= middle <= max(word.bottom for word in line.words)


def merge(lines: list[Line], again: dict[int, Line], read: Reader) -> tuple[list[Line], int]:
    """The page's lines with each line read again put in where it gives more values, and how many lines
    were replaced. Each replacement is judged by the whole page's reading (`read`), so a value from the
    second reading passes every check a first-reading value does. A line kept as first read has the
    values the second reading disputes marked (`_disputed`)."""
    current = list(lines)
    first = read(current)
    baseline = {value_key(value) for value in first}
    replaced = 0
    for index, line in again.items():
        trial = [*current[:index], line, *current[index + 1 :]]
        values = read(trial)
        keys = {value_key(value) for value in values}
        new = [value for value in values if value_key(value) not in baseline and _given_by(value, line)]
        if not baseline <= keys or not new or any(_contradicts_first(value, lines[index]) for value in new):
            kept = current[index]
            marked = _disputed(
                kept,
                [value for value in first if value.source_line == kept.text],
                [value for value in values if value.source_line == line.text],
            )
            if marked is not kept:
                current[index] = marked
                first = read(current)
                baseline = {value_key(value) for value in first}
            continue
        current, first, baseline = trial, values, keys
        replaced += 1
    return current, replaced

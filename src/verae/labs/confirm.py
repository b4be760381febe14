"""A value far outside its printed range read a second time, from its own box, before it is believed.

An unflagged OCR value more than twice its range's upper limit or under half its lower one is more often
a misread digit (233 read as 983, 47,9 as 17,9) than a result, and is refused (`repairs.far_outside`);
but true extreme values are printed so on pages that flag nothing (ferritin 3,4 against 12,0-150,0). The
words of such a value are cut out of the prepared page, each box alone, and read again in one Tesseract
run (`eng`, digits, separators, `<`, `>` and `%` only): freed from its row, Tesseract reads a box anew,
and a misread of the first pass is seldom repeated with confidence. The value is believed when both
readings give the same text and Tesseract gave each at least `SURE` (measured on dev seeds 100-103 over
every value row of five OCR kinds: of 33 digit misreads of the first pass the second reading repeated
10, none with both readings at 0.9 or more; of 1,910 values read right it repeated 1,414 so). A whole
number read with a full stop ("315.") is settled the same way: read again alone, sure, as "315." or
"315", no digit stands after the stop, which is a speck. A value read unsure (below `SURE`) on a row
where nothing vouches for its digits (`extract._unsure_digits`: its unit unreadable and the value
unflagged outside its range, or its range misread) is read again the same way and believed when the
second reading alone is sure of the same text; so is a value its line's second reading
(`reread.merge`) gave as another number. A value so believed is still marked for review
(`extract.to_lab_value`). A value printed without a reference range has nothing on its row to check its
digits against (a key: value list, "Ferritin: 40 ug/L" read as 46), so its box is read again too, and the
value is not used when the second reading gives another number whose digits the pixels do not disown
(`ocr.misshapen_digits`); an empty second reading says nothing. A whole number far outside its range
whose box, read alone, gives its leading digits with a separator ("47711." again "4,77.") lost that
separator with its unit glued on, and is judged again as the second reading gives it
(`_separator_restored`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar

import numpy as np
from PIL import Image

from verae.labs import ocr
from verae.labs.catalog import Analyte
from verae.labs.layout import Line, Word
from verae.labs.repairs import repair_unit, unit_misread, unit_of_garble
from verae.labs.tokens import STOPPED_NUMBER, clean, is_unit
from verae.labs.units import normalize_unit

# Tesseract's confidence both readings must reach: every repeated misread measured stayed below it.
SURE = 0.9
# White kept around a box, in text heights (across: capped at half the gap to the next word).
ACROSS = 0.3
ABOVE = 0.2
# a number with a separator between digits
_SEPARATED = re.compile(r"\d+[.,]\d+")
# Characters a printed value is made of; anything else in its box forces a digit, which then disagrees.
CHARACTERS = "0123456789.,<>%"

# a word of the page: its line's index and its index in that line
Place = tuple[int, int]
# why a value is read again: far outside its range or "315." (both readings must agree, sure), read
# unsure on a row that vouches for nothing (the second must agree, sure), printed without a range (the
# second must not give another number)
Check = Literal["extreme", "unsure", "unranged", "read_unsure"]
# what a group of words is read again for: a `Check`, or the analyte whose unit it may be
Tag = TypeVar("Tag")


def _places(words: tuple[Word, ...], lines: list[Line]) -> list[Place]:
    """The OCR words a value was read from: `tokens.tidy_words` may have split one ("9%") or joined
    several ("5 260 000"), so the words of the page that overlap the value's."""
    left, right = min(word.x0 for word in words), max(word.x1 for word in words)
    top, bottom = min(word.top for word in words), max(word.bottom for word in words)
    for line_index, line in enumerate(lines):
        found = [
            (line_index, index)
            for index, word in enumerate(line.words)
            if word.x0 < right and word.x1 > left and word.top < bottom and word.bottom > top
        ]
        if found:
            return found
    return []


def _box(lines: list[Line], places: list[Place], size: tuple[int, int]) -> tuple[int, int, int, int]:
    line = lines[places[0][0]]
    words = [line.words[index] for _, index in places]
    chosen = {index for _, index in places}
    others = [word for index, word in enumerate(line.words) if index not in chosen]
    left, right = words[0].x0, words[-1].x1
    top, bottom = min(word.top for word in words), max(word.bottom for word in words)
    height = line.height
    before = max((word.x1 for word in others if word.x1 <= left), default=left - height)
    after = min((word.x0 for word in others if word.x0 >= right), default=right + height)
    return (
        max(0, round(max(left - ACROSS * height, (before + left) / 2))),
        max(0, round(top - ABOVE * height)),
        min(size[0], round(min(right + ACROSS * height, (after + right) / 2))),
        min(size[1], round(bottom + ABOVE * height)),
    )


def read_boxes(
    image: Image.Image,
    boxes: list[tuple[int, int, int, int]],
    *,
    timeout: float,
    page: int,
    characters: str = CHARACTERS,
) -> list[tuple[str, float]]:
    """Each box of `image` read alone in English: its text and Tesseract's least word confidence in it.
    One run over the boxes stacked one under another, white between them; `characters` the only ones it
    may read (a value's by default, any with "")."""
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    crops = [grey[top:bottom, left:right] for left, top, right, bottom in boxes]
    gap = max(crop.shape[0] for crop in crops)
    stack = np.full(
        (gap + sum(crop.shape[0] + gap for crop in crops), 2 * gap + max(crop.shape[1] for crop in crops)),
        255,
        np.uint8,
    )
    rows: list[tuple[int, int]] = []
    cursor = gap
    for crop in crops:
        stack[cursor : cursor + crop.shape[0], gap : gap + crop.shape[1]] = crop
        rows.append((cursor, cursor + crop.shape[0]))
        cursor += crop.shape[0] + gap
    read: list[list[Word]] = [[] for _ in crops]
    words = ocr.recognize(
        Image.fromarray(stack), timeout=timeout, page=page, languages="eng", characters=characters
    )
    for word in words:
        for found, (start, end) in zip(read, rows, strict=True):
            if start <= word.middle <= end:
                found.append(word)
                break
    return [
        (
            "".join(word.text for word in sorted(found, key=lambda word: word.x0)),
            min((word.confidence for word in found), default=0.0),
        )
        for found in read
    ]


def _same(first: str, second: str) -> bool:
    # a decimal comma read as a point is the same value
    return first.replace(",", ".") == second.replace(",", ".")


def _number(text: str) -> str:
    """The digits and separators of a reading, without a glued flag, sign or per cent."""
    return "".join(char for char in text if char.isdigit() or char in ".,").strip(".,")


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _separator_restored(first: str, again: str) -> str | None:
    """The number a whole number read far outside its range was printed as, where its box read alone
    gives its leading digits with a separator: "47711." read again "4,77." is 4,77 with its "T/L" glued
    on. In small type the word space before the unit is lost with the separator, and the unit's letters
    read as digits and its last one as a stop; alone, with only digits and separators to choose from,
    Tesseract sees the separator and leaves the letters out. Only the second reading places the
    separator, so the caller keeps the value only where it shows its range's decimals."""
    second = _number(again)
    if not (STOPPED_NUMBER.fullmatch(first) and _SEPARATED.fullmatch(second)):
        return None
    digits, whole = _digits(second), _digits(first)
    return second if len(digits) < len(whole) and whole.startswith(digits) else None


def _surely_other_digits(
    grey: np.ndarray, first: Sequence[Word], joined: str, again: str, confidence: float
) -> bool:
    """Whether a second reading refutes a value read unsure: it is sure (`SURE`; the box alone, freed from
    its row, is read no worse than the row was), it gives other digits (the box alone loses a small
    separator as often as the row does, `4,28` read again `428`, so a separator refutes nothing), and the
    pixels do not disown them (`ocr.misshapen_digits`: a blurred dotted zero read again as an 8 whose
    holes are a ring, `29.0` read `29.8`)."""
    digits = _digits(again)
    if confidence < SURE or digits in ("", _digits(joined)):
        return False
    return not _disowned(grey, first, again, confidence)


def _disowned(grey: np.ndarray, first: Sequence[Word], again: str, confidence: float) -> bool:
    """Whether the pixels of the first reading's box disown the digits of its second reading
    (`ocr.misshapen_digits`)."""
    box = Word(
        again,
        first[0].x0,
        min(word.top for word in first),
        first[-1].x1,
        max(word.bottom for word in first),
        confidence,
    )
    return ocr.misshapen_digits(grey, box)


def _refutes(grey: np.ndarray, first: Sequence[Word], joined: str, again: str, confidence: float) -> bool:
    """Whether a second reading gives another number: an empty or digitless one says nothing, nor does one
    whose digits the pixels disown (a blurred dotted zero read again alone as an 8 whose holes are a
    ring: `Ferritin: 10` read again `18`)."""
    second = _number(again)
    return (
        any(char.isdigit() for char in second)
        and not _same(_number(joined), second)
        and not _disowned(grey, first, again, confidence)
    )


def _with_chosen(line: Line, chosen: set[int], **changes: Any) -> Line:
    """The line with the words at the chosen indexes given these field values, the others as they are."""
    return replace(
        line,
        words=tuple(
            replace(word, **changes) if index in chosen else word for index, word in enumerate(line.words)
        ),
    )


def without_specks(image: Image.Image, lines: list[Line], suspects: list[tuple[Word, ...]]) -> list[Line]:
    """The page's lines, each suspect whole number read with a stop after it ("156.") read without the stop
    where the page shows nothing after it where a digit would stand (`ocr.stop_ends_number`): the stop is a
    speck, and the number is then judged as any number read without one (a second reading where it lies
    far outside its range, or where its row vouches for nothing). The same lines where none is."""
    stopped = [words[0] for words in suspects if len(words) == 1 and STOPPED_NUMBER.fullmatch(words[0].text)]
    if not stopped:
        return lines
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    specks = [word for word in stopped if ocr.stop_ends_number(grey, word)]
    if not specks:
        return lines
    return [
        replace(
            line,
            words=tuple(
                replace(word, text=word.text[:-1]) if word in specks else word for word in line.words
            ),
        )
        if any(word in specks for word in line.words)
        else line
        for line in lines
    ]


def _read_again(
    image: Image.Image,
    lines: list[Line],
    asked: Sequence[tuple[Tag, tuple[Word, ...]]],
    *,
    timeout: float,
    page: int,
    characters: str = CHARACTERS,
) -> list[tuple[Tag, list[Place], tuple[str, float]]]:
    """Each asked group of words found on the page's lines, its box read again alone (`read_boxes`, one
    Tesseract run; a group asked twice read once, for the first asker), with what it was asked for."""
    targets: list[tuple[Tag, list[Place]]] = []
    for tag, words in asked:
        places = _places(words, lines)
        if places and places not in [chosen for _, chosen in targets]:
            targets.append((tag, places))
    if not targets:
        return []
    size = (image.width, image.height)
    again = read_boxes(
        image,
        [_box(lines, places, size) for _, places in targets],
        timeout=timeout,
        page=page,
        characters=characters,
    )
    return [(tag, places, reading) for (tag, places), reading in zip(targets, again, strict=True)]


def confirm(
    image: Image.Image,
    lines: list[Line],
    suspects: list[tuple[Word, ...]],
    *,
    timeout: float,
    page: int,
    unsure: Sequence[tuple[Word, ...]] = (),
    unranged: Sequence[tuple[Word, ...]] = (),
    read_unsure: Sequence[tuple[Word, ...]] = (),
) -> list[Line]:
    """The page's lines, the words of each suspect value marked `confirmed` where a second reading of
    their box alone gives the same text and both readings are sure of it; of each `unsure` value (read
    with less than `SURE` the first time), where the second reading is sure of the same text; of each
    `unranged` value (printed without a range), marked `refuted` where the second reading gives another
    number; of each `read_unsure` value (any other read with less than `SURE`), marked `refuted` where
    the second reading is sure of other digits that the pixels do not disown."""
    asked: list[tuple[Check, tuple[Word, ...]]] = [
        *(("extreme", words) for words in suspects),
        *(("unsure", words) for words in unsure),
        *(("unranged", words) for words in unranged),
    ]
    # Tesseract reads the stacked boxes as one block, and a box's reading changes with the boxes stacked
    # beside it (a "31.4%" read "314%" once more boxes joined it): the values read unsure, a page's most
    # numerous, are read in a run of their own, leaving the others' run as it is without them
    readings = [
        *_read_again(image, lines, asked, timeout=timeout, page=page),
        *_read_again(
            image, lines, [("read_unsure", words) for words in read_unsure], timeout=timeout, page=page
        ),
    ]
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    checked = list(lines)
    for check, places, (text, confidence) in readings:
        line = checked[places[0][0]]
        first = [line.words[index] for _, index in places]
        joined = "".join(word.text for word in first)
        chosen = {index for _, index in places}
        if check in ("unranged", "read_unsure"):
            refuted = (
                _refutes(grey, first, joined, text, confidence)
                if check == "unranged"
                else _surely_other_digits(grey, first, joined, text, confidence)
            )
            if refuted:
                checked[places[0][0]] = _with_chosen(line, chosen, refuted=True)
            continue
        restored = _separator_restored(joined, text) if check == "extreme" and len(first) == 1 else None
        if restored is not None:
            # one word: the extreme check reads a single word's box again
            least_sure = min(first[0].confidence, confidence)
            checked[places[0][0]] = _with_chosen(
                line, chosen, text=restored, confidence=least_sure, separator_restored=True
            )
            continue
        sure = min([confidence, *(word.confidence for word in first if check == "extreme")]) >= SURE
        # "315." read again alone as "315." or "315", sure: no digit stands after the stop, a speck
        speck = len(first) == 1 and bool(STOPPED_NUMBER.fullmatch(joined)) and text in (joined, joined[:-1])
        if not sure or not (_same(joined, text) or speck):
            continue
        # a speck is one word, its stop dropped
        checked[places[0][0]] = (
            _with_chosen(line, chosen, text=joined[:-1], confirmed=True)
            if speck
            else _with_chosen(line, chosen, confirmed=True)
        )
    return checked


def _unit_reached(analyte: Analyte, text: str) -> bool:
    """Whether a unit word read again reaches one of the analyte's units through the rules a unit read the
    first time passes: as printed or with its known misreads undone (`is_unit`, `repairs.unit_misread`,
    `repairs.repair_unit`), or through its look-alike letters (`repairs.unit_of_garble`, then inferred)."""
    word = clean(text)
    read = word if is_unit(word) else unit_misread(word)
    if read is not None:
        return normalize_unit(repair_unit(analyte, read)) in analyte.units
    return unit_of_garble(analyte, word) is not None


def read_units(
    image: Image.Image,
    lines: list[Line],
    garbles: Sequence[tuple[Analyte, tuple[Word, ...]]],
    *,
    timeout: float,
    page: int,
) -> list[Line]:
    """The page's lines, each unreadable unit word of a row whose value fits several of its analyte's units
    (`extract.Reading.unit_unread`) read again from its box alone in English, in one Tesseract run, and put
    in where that reading reaches one of the analyte's units (`_unit_reached`): the row is then parsed
    again with it, through the same unit rules. The first reading of a page is `rus+eng`, which makes a
    Latin unit's small letters Cyrillic ("µg/L" as "ца"); alone and in English, the box gives Latin
    letters ("yg/L"), and `unit_of_garble` still decides which unit, if any, they are."""
    checked = list(lines)
    again = _read_again(image, lines, garbles, timeout=timeout, page=page, characters="")
    for analyte, places, (text, confidence) in again:
        if " " in text.strip() or not _unit_reached(analyte, text):
            continue
        line = checked[places[0][0]]
        first, *rest = [index for _, index in places]
        checked[places[0][0]] = replace(
            line,
            words=tuple(
                replace(word, text=text, confidence=confidence) if index == first else word
                for index, word in enumerate(line.words)
                if index not in rest
            ),
        )
    return checked

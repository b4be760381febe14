"""The words of a row classified: numbers (with a glued flag or comparator), reference ranges, bounds,
units and flags."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Literal

from verae.labs.catalog import ANALYTES
from verae.labs.layout import Word
from verae.labs.units import normalize_unit

_NUMBER = r"\d+(?:[.,]\d+)?"
_DASH = r"(?:-|–|—|\.\.\.?|…|÷)"
_RANGE = re.compile(rf"^\(?({_NUMBER})\s*{_DASH}\s*({_NUMBER})\)?[,;:]?$")
_BOUND = re.compile(
    rf"^\(?(<=|>=|<|>|≤|≥|до|менее|более|не более|up to)\s*({_NUMBER})\)?[,;:]?$", re.IGNORECASE
)
# a value may end in a stray full stop or colon ("82,9."), which OCR and some printers leave
# (a flag letter glued on, "157H", where OCR lost the space before it; H read in Cyrillic, "15.5Н", as
# `_FLAGS` reads it alone)
_VALUE = re.compile(rf"^([<>])?({_NUMBER})([*↑↓]{{1,2}}|[{{}}+]|H|Н|L)?[.:;]?$")
# a value with its unit glued on ("12.3%", "98g/L"), split when the tail is a unit we know (OCR also
# splits an unreadable tail: `repairs.repair_unit_words`)
_GLUED_UNIT = re.compile(rf"^([<>]?{_NUMBER})([^\d\s.,].*)$")
# a whole number read with a stop or colon after it ("156.", "12:"), no value: a speck, or a decimal separator
# whose digits were lost (`ocr.stop_ends_number`, `labs.confirm` tell which)
STOPPED_NUMBER = re.compile(r"\d+[.:]")
# A mark under this share of the digits' or letters' height beside it is a speck, not a glyph of the row
# (a leader dot, dust): digits and comparators stand nearly as tall as the row's letters.
SPECK_HEIGHT = 0.5
# a whole number read with a decimal separator after it and no digit ("4.", "66,"): a speck, or a decimal
# whose digits were lost or split off into a word of their own ("66, 7")
SEPARATED_WHOLE = re.compile(r"\d+[.,]")
_FLAGS = frozenset({"H", "L", "HH", "LL", "↑", "↓", "↑↑", "↓↓", "*", "**", "High", "Low", "Н"})
# Words and phrases dashboards and labs print as a result's status, before or after the value. Each is a
# flag token (so it is never read as part of a name or a unit); "In Range" and "Normal" carry no flag.
_STATUS: dict[str, str | None] = {
    "in range": None,
    "normal": None,
    "within range": None,
    "below range": "Below Range",
    "above range": "Above Range",
    "out of range": "Out of Range",
    "abnormal": "Abnormal",
    "bajo": "Bajo",
    "alto": "Alto",
    "bas": "Bas",
    "haut": "Haut",
    "élevé": "Élevé",
    "hoch": "Hoch",
    "niedrig": "Niedrig",
    "basso": "Basso",
    "yüksek": "Yüksek",
    "düşük": "Düşük",
}
# OCR glues the words of a status ("InRange") or a speck to it ("‘inRange"): compared without spaces
_SQUASHED_STATUS = {status.replace(" ", ""): flag for status, flag in _STATUS.items() if " " in status}
_KNOWN_UNITS = frozenset(unit for analyte in ANALYTES for unit in analyte.units)
# Specks OCR glues to a number, a range or a name: a quote (single or double, straight or curly) or an
# opening dash before it, a degree sign or a quote after it ("‘20,2", "“71,5", "38,6°", "—-3,80-5,90",
# "VGM’"); no lab prints a value or a name with them
MARKS_BEFORE = "‘’‚'`\"„“”—–=-"
MARKS_AFTER = "°’'`\"”"
# A bracketed range as OCR reads a scan's brackets ("_(0.370-0.476)", "{0.370-0.470)", "(3.86-5.86)}"): a
# stop or underscore before the bracket and a second bracket after it are specks (a number's point never
# stands before a bracket), a brace or square bracket is the round one misread; only a range inside counts
_BRACKETED = re.compile(rf"^[._]?[({{\[]({_NUMBER}\s*{_DASH}\s*{_NUMBER})[)}}\]]{{1,2}}$")
# Dotted leaders between a name and its value ("Hemoglobin ........ 98 g/L"), also glued to either word.
_LEADER = re.compile(r"^[.…_·]{2,}|[.…_·]{2,}$")
_INNER_LEADER = re.compile(r"[.…_·]{3,}")
_TRAILING_LEADER = re.compile(r"\d[.…_·]{2,}$")
_THOUSANDS_GROUP = re.compile(r"^\d{3}$")
# a decimal point or comma OCR read together with a speck above it as a colon or semicolon ("84:0",
# "39;1"); with one digit after it, so never a time ("08:40") or a titre ("1:160")
_SEPARATOR_WITH_SPECK = re.compile(r"^([<>]?\d+)[:;](\d)$")
# a number, one speck, and a tail that may be its unit ("20.4.pg", "24-mcg/dL")
_SPECK_BEFORE_UNIT = re.compile(rf"^([<>]?{_NUMBER})([.,:;-])([^\d\s.,:;-].*)$")
# what a speck right after a unit reads as: a full stop, a comma, a colon, a dash or a quote
SPECKS_AFTER_UNIT = ".,:;-’'”\""
# a unit and the range after it read as one word, the gap between them read as underscores or dashes
# ("G/L__—4,00-10,00", "pmol/L_—10,0-30,0"): no unit ends in either, and no range starts with one
_UNIT_THEN_RANGE = re.compile(rf"^(.+?)[_—–-]+(\(?{_NUMBER}\s*{_DASH}\s*{_NUMBER}\)?)$")


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


def range_limits(text: str) -> tuple[str, str] | None:
    """The two limits of a reference range as printed ("12,0-16,0" gives "12,0" and "16,0"), or None for
    any other text (a bound, "< 5,0")."""
    match = _RANGE.match(text)
    return (match.group(1), match.group(2)) if match else None


def clean(text: str) -> str:
    return text.replace("−", "-").replace("ё", "е").strip()


def is_flag(text: str) -> bool:
    return text in _FLAGS or _status(text)[0]


def _status(text: str) -> tuple[bool, str | None]:
    """Whether a word or phrase is a status, and its flag: "In Range", and OCR's "InRange" too."""
    lowered = text.lower()
    if lowered in _STATUS:
        return True, _STATUS[lowered]
    squashed = lowered.replace(" ", "").strip(MARKS_BEFORE + ".,:;")
    if squashed in _SQUASHED_STATUS:
        return True, _SQUASHED_STATUS[squashed]
    return False, None


def without_marks(text: str) -> str:
    """A numeric word ("‘20,2", "-<1,0", "‘(3.80-5.80)") without the specks OCR glued to it; other words as they are. A
    leading full stop goes only when the number after it has a separator of its own (".80,0-100,0"),
    never from ".5"; a trailing one only from a range ("50-170."), never from a value ("5." may be 5.1
    with a digit lost)."""
    stripped = text.lstrip(MARKS_BEFORE).rstrip(MARKS_AFTER)
    bracketed = _BRACKETED.match(stripped)
    if bracketed:
        stripped = f"({bracketed.group(1)})"
    if stripped.startswith(".") and re.match(r"^\.\d+[.,]\d", stripped):
        stripped = stripped[1:]
    # "50-170." is a range; "370-0." (of "0.370-0.470" read apart) is not
    range_before_stop = _RANGE.match(stripped[:-1]) if stripped.endswith(".") else None
    if range_before_stop and number_of(range_before_stop.group(1)) < number_of(range_before_stop.group(2)):
        stripped = stripped[:-1]
    if (
        stripped != text
        and stripped.lstrip("<>(")[:1].isdigit()
        and (_VALUE.match(stripped) or _RANGE.match(stripped))
    ):
        return stripped
    return text


def is_unit(text: str) -> bool:
    return bool(text) and normalize_unit(text) in _KNOWN_UNITS


def split_glued(word: Word) -> tuple[Word, Word] | None:
    """A number and what is glued to it ("98g/L", "<1,0mg/.", "'3610000/mm3" with a speck before it),
    as two words: each box takes its share of the word's width by characters."""
    specks = len(word.text) - len(word.text.lstrip(MARKS_BEFORE))
    glued = _GLUED_UNIT.match(word.text[specks:])
    if glued is None:
        return None
    number = word.text[: specks + glued.end(1)]
    split = word.x0 + (word.x1 - word.x0) * len(number) / len(word.text)
    return replace(word, text=number, x1=split), replace(word, text=glued.group(2), x0=split)


def unit_before_specks(text: str) -> str | None:
    """A unit OCR read with a speck after it ("%.", "/mm3.", "pg:"), without the speck; None for any
    other word."""
    stem = text.rstrip(SPECKS_AFTER_UNIT)
    return stem if stem != text and is_unit(stem) else None


def _speck_before_unit(word: Word) -> tuple[Word, Word] | None:
    """A number and its unit with a speck between them ("20.4.pg", "24-mcg/dL", "10,8:g/dL’" with a speck
    after the unit too, "—3,06.g/L" with one before the number), as two words without the specks between
    and after; None when the tail is no known unit, or when the speck is a stop after a number with no
    separator of its own, which may be a separator whose digit was lost ("5.pg")."""
    # the number may carry a speck OCR glued before it ("—3,06.g/L"), as in `split_glued`
    specks = len(word.text) - len(word.text.lstrip(MARKS_BEFORE))
    between = _SPECK_BEFORE_UNIT.match(word.text[specks:])
    if between is None:
        return None
    tail = between.group(3)
    unit = tail if is_unit(tail) else unit_before_specks(tail)
    if unit is None:
        return None
    if between.group(2) != "-" and not re.search(r"[.,]\d", between.group(1)):
        return None
    split = word.x0 + (word.x1 - word.x0) * (specks + between.end(2)) / len(word.text)
    number = word.text[: specks + between.end(1)]
    return replace(word, text=number, x1=split), replace(word, text=unit, x0=split)


def _unit_then_range(word: Word) -> tuple[Word, Word] | None:
    """A known unit and a range read as one word with underscores or dashes between them, as two words;
    None for any other word."""
    parts = _UNIT_THEN_RANGE.match(word.text)
    if parts is None or not is_unit(parts.group(1)):
        return None
    unit_end = word.x0 + (word.x1 - word.x0) * parts.end(1) / len(word.text)
    range_start = word.x0 + (word.x1 - word.x0) * parts.start(2) / len(word.text)
    return replace(word, text=parts.group(1), x1=unit_end), replace(word, text=parts.group(2), x0=range_start)


def _holds_a_group_gap(head: Word, group: Word) -> bool:
    """Whether a first group of four digits ("4580" of "4 580 000") is a digit and a group whose gap OCR
    lost: its box is as wide as its digits, at the width of the next group's, plus at least half the gap
    before that group (and a quarter digit, when boxes touch). A number of four digits (a value beside a
    three-digit number) has no such width."""
    if not (len(head.text) == 4 and head.text.isdigit()):
        return False
    digit_width = (group.x1 - group.x0) / 3
    lost_gap = max(0.5 * (group.x0 - head.x1), 0.25 * digit_width)
    return head.x1 - head.x0 >= 4 * digit_width + lost_gap


def tidy_words(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """The words of a line without dotted leaders, with a number printed in thousands groups
    ("5 260 000": groups closer together than a word gap) joined into one word."""
    kept: list[Word] = []
    grouping = False
    for word in words:
        text = _LEADER.sub("", word.text)
        if not text.strip(".…_·"):
            continue
        if _TRAILING_LEADER.search(word.text) and _VALUE.match(text):
            # a value follows its leader, never precedes one: "4..." is a leader OCR read a digit into
            continue
        text = _SEPARATOR_WITH_SPECK.sub(r"\1,\2", text)
        if text != word.text:
            word = replace(word, text=text)
        inner = _INNER_LEADER.search(text)
        if inner and any(char.isalpha() for char in text[: inner.start()]):
            # "Platelets.........245": the name, then the rest as a word of its own
            split = word.x0 + (word.x1 - word.x0) * inner.start() / len(text)
            after = word.x0 + (word.x1 - word.x0) * inner.end() / len(text)
            kept.append(replace(word, text=text[: inner.start()], x1=split))
            word = replace(word, text=text[inner.end() :], x0=after)
            text = word.text
        glued = split_glued(word)
        unit = None
        if glued is not None:
            unit = glued[1].text if is_unit(glued[1].text) else unit_before_specks(glued[1].text)
        if unit is None and (apart := _speck_before_unit(word)) is not None:
            glued, unit = apart, apart[1].text
        if glued is not None and unit is not None:
            kept.extend((glued[0], replace(glued[1], text=unit)))
            grouping = False
            continue
        if glued is not None and (ranged := _unit_then_range(glued[1])) is not None:
            kept.extend((glued[0], *ranged))
            grouping = False
            continue
        previous = kept[-1] if kept else None
        # the first group may carry a speck OCR glued before it ("‚5 140 000")
        leading = previous.text.lstrip(MARKS_BEFORE) if previous is not None else ""
        if (
            previous is not None
            and _THOUSANDS_GROUP.match(text)
            and leading.isdigit()
            and (grouping or len(leading) <= 3 or _holds_a_group_gap(previous, word))
            and word.x0 - previous.x1 < 0.6 * max(word.height, 1.0)
        ):
            kept[-1] = Word(
                previous.text + text,
                previous.x0,
                min(previous.top, word.top),
                word.x1,
                max(previous.bottom, word.bottom),
                min(previous.confidence, word.confidence),
                confirmed=previous.confirmed and word.confirmed,
                refuted=previous.refuted or word.refuted,
                disputed=previous.disputed or word.disputed,
                separator_restored=previous.separator_restored or word.separator_restored,
                misshapen=previous.misshapen or word.misshapen,
            )
            grouping = True
            continue
        grouping = False
        kept.append(word)
    return tuple(kept)


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


def _speck_before(chunk: tuple[Word, ...]) -> bool:
    """Whether a comparator read as a word of its own before a number is a speck: a comparator is printed
    against its number, glued or a space apart, and its ink stands nearly as tall as the digits (`<` and
    `>` are 0.72-0.79 of an 8's height in the DejaVu faces), so a mark more than a text height before the
    number and under half the digits' height is a scan's speck or a leader's last dot OCR read as `>`. A
    text layer's words all stand as tall as their font, so it never has one."""
    mark, number = chunk[0], chunk[-1]
    return (
        len(chunk) > 1 and number.x0 - mark.x1 > number.height and mark.height < SPECK_HEIGHT * number.height
    )


def _token_at(words: tuple[Word, ...], index: int) -> Token:
    for span in (3, 2, 1):
        chunk = words[index : index + span]
        if len(chunk) < span:
            continue
        joined = clean(" ".join(word.text for word in chunk))
        status, flag = _status(joined)
        if status:
            return Token("flag", chunk, flag=flag)
        is_flag = clean(chunk[0].text) in _FLAGS  # "* 10*12/л" is a flag, then a unit
        if not is_flag and is_unit(joined.replace(" ", "")) and not _VALUE.match(joined):
            return Token("unit", chunk)
        joined = without_marks(joined)
        if match := _RANGE.match(joined):
            low, high = number_of(match.group(1)), number_of(match.group(2))
            # a lower limit above the upper one is a misread limit ("0.370-0.470" as "9.370-0.470"): the
            # range still stands in its place on the row, but it cannot judge the value
            return Token("range", chunk, bounds=(low, high) if low <= high else None)
        if (match := _BOUND.match(joined)) and not _speck_before(chunk):
            comparator = match.group(1).lower()
            number = number_of(match.group(2))
            upper = comparator in ("<", "<=", "≤", "до", "менее", "не более", "up to")
            bounds = (0.0, number) if upper else (number, math.inf)
            return Token("bound", chunk, number=number, comparator=comparator, bounds=bounds)
    text = without_marks(clean(words[index].text))
    # "82,9." keeps its stray full stop, but "5." may be "5.1" with a digit lost: not a value. A stop after a
    # glued flag ("13L.") is no lost separator: a decimal's digits follow the number, a flag follows them
    lost_separator = text[-1:] in ".:;" and text[-2:-1].isdigit() and not re.search(r"[.,]\d", text)
    if (match := _VALUE.match(text)) and not lost_separator:
        return Token(
            "number",
            words[index : index + 1],
            number=number_of(match.group(2)),
            comparator=match.group(1),
            flag="H" if match.group(3) == "Н" else match.group(3),
        )
    if text in _FLAGS:
        return Token("flag", words[index : index + 1], flag="H" if text == "Н" else text)
    return Token("other", words[index : index + 1])

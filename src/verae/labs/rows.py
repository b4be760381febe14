"""Rows of a lab report: the words after an analyte's name classified into value, flag, unit and
reference range, with the table header (when there is one) telling the current-result column from a
previous-result one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from verae.labs.catalog import Analyte, ShapeMatch, guess_label, match_label, match_shape
from verae.labs.layout import Line, Word
from verae.labs.repairs import arrow_before_value, decimals, repair_arrow
from verae.labs.tokens import (
    MARKS_AFTER,
    MARKS_BEFORE,
    SEPARATED_WHOLE,
    SPECK_HEIGHT,
    STOPPED_NUMBER,
    Token,
    clean,
    is_flag,
    is_unit,
    tokenize,
    without_marks,
)
from verae.labs.units import normalize_unit

Role = Literal["name", "result", "previous", "unit", "reference", "flag"]
_HEADER_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    ("previous", ("пред", "previous", "prior", "прошл")),
    ("result", ("результат", "result", "current", "значение", "value")),
    ("unit", ("ед", "unit", "единиц", "од. вим", "одиниц")),  # Ukrainian "Од. виміру", "Одиниці"
    ("reference", ("норм", "референ", "reference", "range", "interval")),
    ("flag", ("flag", "флаг")),
    ("name", ("исследование", "показатель", "тест", "test", "analyte", "наименование", "анализ")),
)


@dataclass(frozen=True)
class Column:
    role: Role
    x0: float


def header_columns(line: Line) -> list[Column] | None:
    """The columns a table header line announces, or None when the line is not a header.

    Header words closer together than a line height form one cell ("Previous Result and Date"), and the
    cell takes the role of its first keyword, so "Пред. рез." is a previous-result column, not a result.
    """
    cells: list[list[Word]] = []
    for word in line.words:
        if cells and word.x0 - cells[-1][-1].x1 < line.height * 1.2:
            cells[-1].append(word)
        else:
            cells.append([word])
    columns: list[Column] = []
    for cell in cells:
        text = " ".join(word.text for word in cell).lower()
        for role, keywords in _HEADER_WORDS:
            if any(keyword in text for keyword in keywords):
                columns.append(Column(role, cell[0].x0))
                break
    roles = {column.role for column in columns}
    if "result" in roles and len(roles) >= 2 and not any(char.isdigit() for char in line.text):
        return columns
    return None


def _role(columns: list[Column], word: Word, tolerance: float) -> Role | None:
    role: Role | None = None
    for column in sorted(columns, key=lambda column: column.x0):
        if column.x0 <= word.x0 + tolerance:
            role = column.role
    return role


def split_label(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], tuple[Word, ...]]:
    """The leading words that name the analyte, and the rest of the row."""
    for index, word in enumerate(words):
        text = without_marks(clean(word.text)).lstrip("(")
        if index and (text[:1].isdigit() or (text[:1] in "<>" and (len(text) > 1 or index + 1 < len(words)))):
            return words[:index], words[index:]
        # a flag column before the result column: "HGB-Hemoglobin  L  8.8  g/dL"
        following = clean(words[index + 1].text) if index + 1 < len(words) else ""
        if index and is_flag(text) and following[:1].isdigit():
            return words[:index], words[index:]
    return words, ()


def _label_through_misread_word(
    label_words: tuple[Word, ...], rest: tuple[Word, ...]
) -> tuple[tuple[Word, ...], tuple[Word, ...]]:
    """An OCR label cut short at a word of the name read with a leading digit ("об’єм" read "06’em", "З"
    as 3): the label runs on through that word when it is no number and the longer label names an analyte
    the shorter one does not ("Середній 06’em еритроцитів (MCV)")."""
    if not rest or tokenize(rest[:1])[0].kind != "other":
        return label_words, rest
    if analyte_for_label(_text(label_words), fuzzy=True) is not None:
        return label_words, rest
    more, after = split_label(rest)
    if analyte_for_label(_text(label_words + more), fuzzy=True) is None:
        return label_words, rest
    return label_words + more, after


def _text(words: tuple[Word, ...]) -> str:
    return " ".join(word.text for word in words)


def analyte_for_label(label: str, *, fuzzy: bool) -> Analyte | None:
    """Labels print a name and an abbreviation, e.g. "Гемоглобин (HGB)" or "C-Reactive Protein, Cardiac".

    The abbreviation in brackets decides first because the full Russian name of RDW-SD and RDW-CV is the
    same; then the whole label, the part before the bracket and each comma-separated part. OCR often
    prefixes a row with specks read as one- or two-letter words, which are dropped when nothing matches.
    """
    # a speck OCR glued before or after the name ("‘CST", "“CRP", "-Transferrine", "VGM’") is no part of it
    words = label.lstrip(MARKS_BEFORE).rstrip(MARKS_AFTER).split()
    for start in range(min(3, len(words))):
        if start and len(words[start - 1]) > 2:
            break
        analyte = _analyte_for_words(" ".join(words[start:]), fuzzy=fuzzy)
        if analyte is not None:
            return analyte
    return None


# Square and curly brackets are round ones here: labs print "[MCH]", and OCR reads a round bracket as
# either ("(МСН}")
_BRACKETS = str.maketrans("[{]}", "(())")


def _analyte_for_words(label: str, *, fuzzy: bool) -> Analyte | None:
    label = label.translate(_BRACKETS)
    inside = re.findall(r"\(([^()]*)\)", label)
    outside = re.sub(r"\([^()]*\)?", " ", label)
    # "HGB-Hemoglobin", "Hemoglobin/HGB": a name and its abbreviation joined by a hyphen or a slash are
    # tried last, after the whole label (so "RDW-CV" and "C-reactive protein" stay whole), and only when
    # every part is a word: "Hb-A1c" is another test, not haemoglobin.
    parts = [part.strip(" .,:;") for part in re.split(r"[-/]", outside)]
    joined_parts = (
        parts if len(parts) > 1 and all(len(part) >= 3 and part.isalpha() for part in parts) else []
    )
    candidates = [*inside, label, outside, *outside.split(","), *joined_parts]
    for candidate in candidates:
        analyte = match_label(candidate)
        if analyte is not None:
            return analyte
    for candidate in (label, outside, *joined_parts):
        analyte = match_label(candidate, fuzzy=fuzzy)
        if analyte is not None:
            return analyte
    return None


@dataclass(frozen=True)
class Row:
    analyte: Analyte
    number: float
    qualifier: Literal["<", ">"] | None
    unit: str | None
    reference: str | None
    bounds: tuple[float, float] | None
    flag: str | None
    unit_garbled: bool
    words: tuple[Word, ...]
    value_words: tuple[Word, ...] = ()
    printed: str = ""
    range_decimals: int = 0
    # named from a garbled label and the row's unit, or by the label's shape (OCR only)
    label_guessed: bool = False
    # the match when the label was named by its shape: the row's unit, range and value must agree with it
    label_shape: ShapeMatch | None = None
    # a decimal point OCR lost, put back from the row's flag and range (OCR only)
    value_repaired: bool = False
    # decimal separators OCR lost in the printed range, put back from the analyte's reference band
    # (`repairs.judge_range`, OCR only)
    range_repaired: bool = False
    # one or two unreadable characters right after the value or between name and value: perhaps a flag
    # OCR garbled ("H" as "НЯ", "L" as "Е")
    mark_beside_value: bool = False
    # a range printed beside the value but misread past use (`tokens`: a lower limit above the upper)
    range_garbled: bool = False
    # where the row's unit stood: after its value, or before it (in the name column, "Ferritin ng/mL", or
    # a unit column printed before the result column); None without a readable unit
    unit_side: Literal["before", "after"] | None = None
    # the value still holds digits OCR glued on across a word space (`_glued_across_gap`): misread
    value_glued: bool = False
    # the row's other numbers (each with its printed decimals), neither its value nor its range: a previous
    # result's, or noise
    others: tuple[tuple[float, int], ...] = ()
    # the unreadable word with a "/" that stood where the unit goes ("yo/L"), when the unit is garbled
    garbled_unit: str | None = None
    # the numbers and unreadable words after the value, as printed without specks: where a range whose
    # dash OCR lost stands (`repairs.judge_range`)
    loose: tuple[str, ...] = ()
    # the words of the first unreadable word with letters after the value, before the range, when the unit
    # is garbled ("ца" for µg/L): where a second reading of the unit's box alone looks (`confirm.read_units`)
    unit_garble_words: tuple[Word, ...] = ()
    # a ratio of like quantities printed without its unit, as labs print one (the litres of L/L cancel):
    # its range follows the value with nothing between, in parts of one ("0,356 0,370-0,470"), and the
    # value's word ends in its digit, so the missing unit is no sign OCR misread the row
    unit_unprinted: bool = False


def label_unit(label_words: tuple[Word, ...]) -> tuple[tuple[Word, ...], Word | None]:
    """A unit printed in the name column ("Гемоглобин, г/л", "Hemoglobin (g/dL)", "Ferritin ng/mL"):
    the name's words without it, and the unit's word."""
    if len(label_words) > 1:
        last = label_words[-1]
        if is_unit(clean(last.text).strip("()[],;:")):
            return label_words[:-1], last
    return label_words, None


def parse_row(
    words: tuple[Word, ...],
    columns: list[Column] | None,
    *,
    ocr: bool,
    height: float,
    value_words: tuple[Word, ...] | None = None,
) -> Row | None:
    """The row a label and its words make. `value_words` are the words printed under a label that has
    nothing beside it (a card: the name on one line, status, value and unit on the next)."""
    label_words, rest = split_label(words)
    if ocr:
        label_words, rest = _label_through_misread_word(label_words, rest)
    label_words, name_unit = label_unit(label_words)
    if ocr and name_unit is None:
        label_words, name_unit = _unit_before_marks(label_words)
    label = _text(label_words)
    analyte = analyte_for_label(label, fuzzy=ocr)
    mark_before_value = False
    if ocr:
        analyte, label_words, mark_before_value = _without_trailing_marks(analyte, label_words)
        label = _text(label_words)
    if value_words is not None:
        rest = rest + value_words
    if (analyte is None and not ocr) or not rest:
        return None
    tokens = tokenize(rest)
    tolerance = height
    value_index: int | None = None
    leading_unit: Token | None = None
    for index, token in enumerate(tokens):
        if token.kind == "range":
            break
        if token.kind == "unit":
            # a unit before any value stands in a unit column printed before the result column
            leading_unit = leading_unit or token
            continue
        if ocr and token.kind == "other" and _holds_place(clean(token.text)):
            # a whole number read with a stop ("69.") stands where the value goes: a later number is the
            # range's or a previous result's, and the stop is settled by the pixels (`stopped_value`). So
            # does one with a comma ("66, 7*" for 66,7*: a decimal OCR split at its comma), which only a
            # second reading of the line can settle
            return None
        is_value = token.kind == "number" or (token.kind == "bound" and token.comparator in ("<", ">"))
        if not is_value:
            continue
        if token.kind == "bound" and any(earlier.kind == "other" for earlier in tokens[:index]):
            # "<5" after something unreadable is more likely the reference range than a "<" result
            return None
        if columns is not None and _role(columns, token.words[0], tolerance) not in ("result", None):
            continue
        value_index = index
        break
    if value_index is None:
        return None
    if ocr:
        printed_range = next((token for token in tokens[value_index:] if token.kind == "range"), None)
        if printed_range is not None and printed_range.bounds is not None:
            value_index = arrow_before_value(tokens, value_index, printed_range.bounds) or value_index
    value = tokens[value_index]
    if value.number is None:
        return None
    if ocr and max(word.height for word in value.words) < SPECK_HEIGHT * height:
        # digits stand as tall as the row's letters: a "number" under half their height is a speck OCR read
        # as a digit (a leader dot, dust), and holds no value; the line waits for a second reading
        return None
    after = tokens[value_index + 1 :]
    flag_read_as_unit = ocr and _flag_read_as_unit(analyte, after)
    if flag_read_as_unit:
        after = after[1:]
    unit_after = next((token for token in after if token.kind == "unit"), None)
    unit_token = unit_after or leading_unit
    unit_text = clean(unit_token.text) if unit_token else None
    if unit_text is None and name_unit is not None:
        unit_text = clean(name_unit.text).strip("()[],;:")
    # an unreadable tail cut off the value's own word (`repairs.repair_unit_words`) is where its unit stood
    glued_tail = bool(after) and after[0].kind == "other" and after[0].x0 == value.words[-1].x1
    unit_garbled = unit_text is None and (glued_tail or _has_unit_column_text(after, columns, tolerance))
    reference = next((token for token in after if token.kind == "range"), None) or next(
        (token for token in after if token.kind == "bound"), None
    )
    flag = value.flag or next(
        (
            token.flag
            for token in tokens
            if token.kind == "flag" and token.flag and (reference is None or token.x0 < reference.x0)
        ),
        None,
    )
    guessed = analyte is None
    shape: ShapeMatch | None = None
    if analyte is None:
        # a label whose shape names one analyte is that analyte or nothing: its unit may not make it another
        shape = shape_of_label(label)
        if shape is not None:
            analyte = shape.analyte
        elif unit_text:
            analyte = _guess_from_unit(label, normalize_unit(unit_text))
        if analyte is None:
            return None
    number: float = value.number
    if ocr and reference is not None and reference.bounds is not None:
        number, flag = repair_arrow(value, number, after[:1], reference.bounds, reference.text, flag)
    qualifier: Literal["<", ">"] | None = (
        "<" if value.comparator == "<" else ">" if value.comparator == ">" else None
    )
    return Row(
        analyte=analyte,
        number=number,
        qualifier=qualifier,
        unit=unit_text,
        reference=_reference_text(reference) if reference else None,
        bounds=reference.bounds if reference else None,
        flag=flag,
        unit_garbled=unit_garbled,
        words=label_words + value.words,
        value_words=value.words,
        printed=clean(value.text),
        range_decimals=decimals(reference.text) if reference else 0,
        label_guessed=guessed,
        label_shape=shape,
        mark_beside_value=mark_before_value
        or flag_read_as_unit
        or (bool(after) and after[0].kind == "other" and len(clean(after[0].text)) <= 2),
        range_garbled=reference is not None and reference.bounds is None,
        unit_side="after" if unit_after else "before" if leading_unit or name_unit else None,
        value_glued=_glued_across_gap(value, number),
        others=tuple(
            (token.number, decimals(token.text))
            for index, token in enumerate(tokens)
            if index != value_index and token.kind == "number" and token.number is not None
        ),
        garbled_unit=next(
            (clean(token.text) for token in after if token.kind == "other" and "/" in token.text), None
        )
        if unit_garbled
        else None,
        loose=tuple(without_marks(clean(token.text)) for token in after if token.kind in ("number", "other")),
        unit_unprinted=unit_text is None
        and value.words[-1].text[-1:].isdigit()
        and bool(after)
        and after[0].kind == "range"
        and after[0].bounds is not None
        and after[0].bounds[1] < 1,
        unit_garble_words=next(
            (
                token.words
                for token in after
                if token.kind == "other"
                and any(char.isalpha() for char in token.text)
                and (reference is None or token.x0 < reference.x0)
            ),
            (),
        )
        if unit_garbled
        else (),
    )


def _flag_read_as_unit(analyte: Analyte | None, after: list[Token]) -> bool:
    """Whether the first word after a row's value, read as a unit its analyte has not, is a flag OCR misread
    as one: one of the analyte's own units follows it at once, and a value is printed in one unit, so the
    word between them stands where the flag column does (a monospace `L` read `%`, glued on or not:
    `77.5% fL`, `127 % g/L`). The value is then read beside an unreadable mark, its flag unknown."""
    return (
        analyte is not None
        and len(after) >= 2
        and after[0].kind == after[1].kind == "unit"
        and normalize_unit(clean(after[0].text)) not in analyte.units
        and normalize_unit(clean(after[1].text)) in analyte.units
    )


def _glued_across_gap(value: Token, used: float) -> bool:
    """Whether the number used still holds digits its word read after a word space
    (`Word.digits_before_gap`): a flag arrow read as a digit and glued on (`7 ↓` read `74`) that
    `repair_arrow` did not cut off (it cuts exactly the last character, and only where the range says
    the shorter number is the out-of-range one)."""
    if len(value.words) != 1 or value.words[0].digits_before_gap is None:
        return False
    kept = sum(character.isdigit() for character in value.words[0].text) - (used != value.number)
    return kept > value.words[0].digits_before_gap


def _holds_place(text: str) -> bool:
    """Whether a word where the value goes is a whole number that is no value yet: read with a stop or
    colon (`STOPPED_NUMBER`) or with its decimal comma and no digit after it (`SEPARATED_WHOLE`)."""
    return bool(STOPPED_NUMBER.fullmatch(text) or SEPARATED_WHOLE.fullmatch(text))


def stopped_value(words: tuple[Word, ...]) -> Word | None:
    """The word where a row's value stands when it is a whole number ending in a full stop or colon
    ("315.", "12:"), which is no value (`tokens`): a speck read as a stop, or a decimal whose digits were
    lost ("5." of 5.1). Only the pixels right of it or a second reading of its box can tell (`labs.confirm`)."""
    for token in tokenize(split_label(words)[1]):
        if token.kind in ("unit", "flag"):
            continue
        stopped = token.kind == "other" and STOPPED_NUMBER.fullmatch(clean(token.text))
        return token.words[0] if stopped else None
    return None


def _is_mark(word: Word) -> bool:
    """An OCR word that is no part of a name: a garbled flag ("Е" for L, "tL", "-H"; one or two
    characters, not an abbreviation in capitals) or noise Tesseract itself hardly believes (a dotted
    leader read as "sie. aa")."""
    text = clean(word.text).strip(".,:;")
    if word.confidence < 0.3 and not any(char.isdigit() for char in text):
        return True
    return len(text) <= 2 and (len(text) <= 1 or not (text.isascii() and text.isalpha() and text.isupper()))


def _unit_before_marks(label_words: tuple[Word, ...]) -> tuple[tuple[Word, ...], Word | None]:
    """An OCR label whose unit in the name column ("Ферритин, мкг/л") is followed by specks read as marks
    ("Ферритин, мкг/л - 239,4"): the label without the unit, the marks kept for `_without_trailing_marks`
    to judge, and the unit's word. Marks are no unit's part and no value's, so the unit is the one the
    name column prints whether or not a speck stands after it."""
    end = len(label_words)
    while end > 1 and _is_mark(label_words[end - 1]):
        end -= 1
    if end == len(label_words):
        return label_words, None
    named, unit = label_unit(label_words[:end])
    return (named + label_words[end:], unit) if unit is not None else (label_words, None)


def _without_trailing_marks(
    analyte: Analyte | None, label_words: tuple[Word, ...]
) -> tuple[Analyte | None, tuple[Word, ...], bool]:
    """An OCR label without the marks between the name and the value, when the name alone names the
    analyte: the analyte, the name's words, and whether a mark (perhaps a flag) stood there."""
    end = len(label_words)
    while end > 1 and _is_mark(label_words[end - 1]):
        end -= 1
    if end == len(label_words):
        return analyte, label_words, False
    core = analyte_for_label(_text(label_words[:end]), fuzzy=True)
    if core is None or (analyte is not None and analyte is not core):
        return analyte, label_words, False
    return core, label_words[:end], True


def _garbled_candidates(label: str) -> tuple[str, ...]:
    """The whole label, its abbreviation before a bracket and each bracketed part ("КВС (Общее количество
    эритроцитов)": the abbreviation is the part OCR garbled)."""
    outside = re.sub(r"\([^()]*\)?", " ", label).strip()
    return (label, outside, *re.findall(r"\(([^()]*)\)", label))


def _guess_from_unit(label: str, unit_key: str) -> Analyte | None:
    """`catalog.guess_label` on the label's candidates."""
    for candidate in _garbled_candidates(label):
        analyte = guess_label(candidate, unit_key)
        if analyte is not None:
            return analyte
    return None


def shape_of_label(label: str) -> ShapeMatch | None:
    """`catalog.match_shape` on the label's candidates, then on the parts of a name printed with a
    qualifier or an abbreviation ("Iron, Total" read as "tron, Total", "WBC-Lökosit" as "WBC-L6kosit"),
    as `analyte_for_label` tries them for an exact name."""
    candidates = _garbled_candidates(label)
    parts = [part.strip(" .:;") for part in re.split(r"[,/-]", candidates[1])]
    for candidate in (*candidates, *(parts if len(parts) > 1 else ())):
        match = match_shape(candidate)
        if match is not None:
            return match
    return None


def _has_unit_column_text(tokens: list[Token], columns: list[Column] | None, tolerance: float) -> bool:
    """Whether something stands in the unit column that is not a unit we know (likely an OCR misread). A
    header that names no unit column (its unit heading misread, "Од." as "‘Oa.") does not say where
    units stand, so anything unreadable after the value may be the unit."""
    if columns is None or all(column.role != "unit" for column in columns):
        return any(token.kind == "other" for token in tokens)
    return any(
        token.kind == "other" and _role(columns, token.words[0], tolerance) == "unit" for token in tokens
    )


def _reference_text(token: Token) -> str:
    text = without_marks(clean(token.text))
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text.rstrip(",;").strip()

"""OCR repairs and rejections. Each repair is made only when the row's own printed range confirms it;
each rejection turns a doubtful value into a warning, because a wrong value is worse than a missing one."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from verae.labs.catalog import ANALYTES, Analyte
from verae.labs.layout import Word
from verae.labs.tokens import (
    SEPARATED_WHOLE,
    SPECKS_AFTER_UNIT,
    Token,
    clean,
    is_unit,
    number_of,
    range_limits,
    split_glued,
    unit_before_specks,
    without_marks,
)
from verae.labs.units import fits_unit, normalize_unit, units_fitting

if TYPE_CHECKING:
    from verae.labs.rows import Row

_ARROW_MISREADS = frozenset({"+", "}", "{", "1", "4", "T", "t", "f", "fT", "J", "|", "l", "I"})


def decimals(text: str) -> int:
    match = re.search(r"[.,](\d+)", text)
    return len(match.group(1)) if match else 0


def significant_digits(text: str) -> int:
    """The digits of a printed number that carry information: leading zeros and the zeros that end its
    decimals ("308.00" has three) do not."""
    number = re.sub(r"[^\d.,]", "", text).replace(",", ".")
    if "." in number:
        number = number.rstrip("0")
    return len(number.replace(".", "").lstrip("0"))


def repair_arrow(
    value: Token,
    number: float,
    following: list[Token],
    bounds: tuple[float, float],
    range_text: str,
    flag: str | None,
) -> tuple[float, str | None]:
    """Undo an OCR-misread arrow flag. The printed range tells which way a value lies, so a mark beside
    an out-of-range value decodes to that arrow; a digit glued on (71,4↓ read as 71,44) shows as one
    decimal more than the range prints and is dropped when the shorter value is the out-of-range one."""
    low, high = bounds

    def arrow(number: float) -> str | None:
        return "↓" if number < low else "↑" if number > high else None

    # as the value was read: without the specks OCR glued before it ("‘67.01"), which no number holds
    text = without_marks(clean(value.words[-1].text))
    if flag in ("}", "{", "+"):
        return number, arrow(number)
    if flag is not None:
        return number, flag
    if following and clean(following[0].text) in _ARROW_MISREADS:
        return number, arrow(number)
    if text[-1:] in ("1", "4") and decimals(text) == decimals(range_text) + 1 >= 2:
        shorter = number_of(text.lstrip("<>")[:-1])
        if arrow(shorter) is not None and arrow(number) is not None:
            return shorter, arrow(shorter)
    if text[-1:] in ("1", "4") and text[:-1].isdigit() and decimals(range_text) == 0 and number > 2 * high:
        # a whole number with an arrow glued on ("72↓" read as 724): absurd as printed, out of range
        # and within reach of it without the last digit
        shorter = number_of(text[:-1])
        if arrow(shorter) is not None and low / 2 <= shorter <= 2 * high:
            return shorter, arrow(shorter)
    return number, None


def arrow_before_value(tokens: list[Token], index: int, bounds: tuple[float, float]) -> int | None:
    """The index of the real value when the number at `index` is an arrow printed before it and misread
    as a digit ("↑ 165" read as "1 165"): a one-character arrow misread, then a number right after it
    that lies outside the printed range, as an arrow says it does."""
    text = clean(tokens[index].text)
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if text not in _ARROW_MISREADS or following is None or following.kind != "number":
        return None
    low, high = bounds
    number = following.number
    return index + 1 if number is not None and not low <= number <= high else None


def restore_decimal_point(row: Row) -> float | None:
    """The value with its decimal point put back, when OCR lost it ("12.5 Low" read as "125 Low"): the
    printed value has no separator, the range prints decimals, the row's flag says which side of the
    range the value lies, and exactly one place for the point puts it there, within reach of the range."""
    flag = (row.flag or "").upper()
    if row.bounds is None or not row.printed.isdigit() or row.range_decimals == 0 or len(row.printed) < 2:
        return None
    low, high = row.bounds
    candidates = [row.number / 10**places for places in range(1, len(row.printed))]
    if flag in _LOW_FLAGS:
        fits = [candidate for candidate in candidates if low / 2 <= candidate < low]
    elif flag in _HIGH_FLAGS:
        fits = [candidate for candidate in candidates if high < candidate <= 2 * high]
    else:
        return None
    return fits[0] if len(fits) == 1 else None


def restore_leading_zero(row: Row) -> float | None:
    """The value with its leading zero put back, when OCR read it as 9 or 6 (a monospace font's dotted
    or slashed zero: "0.487 H" read as "9.487 H"): ten times above a two-sided range, while the fraction
    with a zero lies on the side of the range that the row's flag says, or inside it when unflagged."""
    if row.bounds is None or not re.fullmatch(r"[96][.,]\d+", row.printed):
        return None
    low, high = row.bounds
    if not (low > 0 and high < math.inf and row.number > 10 * high):
        return None
    candidate = number_of("0" + row.printed[1:])
    flag = (row.flag or "").upper()
    if flag in _LOW_FLAGS:
        fits = low / 2 <= candidate < low
    elif flag in _HIGH_FLAGS:
        fits = high < candidate <= 2 * high
    else:
        fits = low <= candidate <= high
    return candidate if fits else None


def lost_decimal_separator(number: float, bounds: tuple[float, float] | None) -> bool:
    """An OCR value ten or more times above its own printed range most often lost its decimal comma."""
    return bounds is not None and bounds[1] > 0 and number > bounds[1] * 10


# a whole number led by a zero ("06", "012"), which no lab prints
_ZERO_LED_WHOLE = re.compile(r"0\d+")


def separator_lost_after_zero(row: Row) -> bool:
    """An OCR value read as a whole number led by a zero ("<06" for "<0,6"): labs print no such number, so
    OCR lost the separator after the zero. Told by the digits alone, as a range that lost its separators
    too ("<50" for "< 5,0") cannot judge it."""
    return _ZERO_LED_WHOLE.fullmatch(row.printed.lstrip("<>")) is not None


def judge_range(analyte: Analyte, row: Row) -> Row:
    """The row with its printed range judged against the band where labs put this analyte's reference
    limits (`Analyte.reference_band`), in the row's unit when it is readable, else in any of the analyte's
    units, before the range judges the value or decides its unit. OCR loses decimal separators in small
    type ("12,0-16,0" read "120-160" beside "13,4 g/dL"): a range outside the band that lies in it once
    separators are put back in exactly one way is repaired (`Row.range_repaired`). A range in another of
    the analyte's units than the value's stays as printed ("4 490 000 /mm3" beside "4.5 - 5.5" millions).
    A range that fits none of the analyte's units is a misread nothing can judge by: it counts as garbled
    (`Row.range_garbled`), so the value must be an ordinary one and read surely, as beside any garbled range.
    """
    factors = _unit_factors(analyte, row)
    if row.bounds is None and not row.range_garbled:
        return _joined_range_apart(analyte, row, factors)
    limits = range_limits(row.reference) if row.bounds is not None and row.reference else None
    if row.bounds is None or limits is None:
        return row
    if _in_band(analyte, row.bounds, factors):
        return row
    # put back as the row prints its other numbers: the value's separator first
    separator = next((mark for text in (row.printed, *limits) for mark in text if mark in ",."), ".")
    restored = {
        (number_of(low), number_of(high)): (low, high)
        for low, high in _separators_restored(*limits, separator)
        if number_of(low) <= number_of(high) and _in_band(analyte, (number_of(low), number_of(high)), factors)
    }
    if len(restored) == 1:
        ((bounds, (low, high)),) = restored.items()
        return replace(
            row, bounds=bounds, reference=f"{low}-{high}", range_decimals=decimals(low), range_repaired=True
        )
    if _in_band(analyte, row.bounds, set(analyte.units.values())):
        return row
    return replace(row, bounds=None, reference=None, range_decimals=0, range_garbled=True)


def unit_undecided_by_lost_separators(analyte: Analyte, row: Row, unit: str) -> bool:
    """Whether the printed range that decided a unitless value's unit (`units.infer_unit`) fits another of
    the analyte's units once decimal separators OCR may have lost are put back: ferritin 193,2 beside
    "120-1500" fits pmol/L only, beside 12,0-150,0 (a range labs print for µg/L) µg/L too. Both ranges
    being ones labs print, the range cannot tell the unit, and a value in the wrong unit is a wrong value.
    A restored range the row disowns (`contradicts_range`: iron 25 flagged L beside 5,0-17,0) is no rival."""
    limits = range_limits(row.reference) if row.reference else None
    if limits is None:
        return False
    for low, high in _separators_restored(*limits, _separator(row)):
        bounds = (number_of(low), number_of(high))
        restored = replace(row, bounds=bounds, range_decimals=decimals(low))
        if bounds[0] > bounds[1] or contradicts_range(restored):
            continue
        if set(units_fitting(analyte, row.number, bounds)) - {round(analyte.units[unit], 9)}:
            return True
    return False


def _unit_factors(analyte: Analyte, row: Row) -> set[float]:
    """The factors of the units the row's numbers may be in: its printed unit's, when that is one of the
    analyte's (OCR's misreads undone), else every unit's of the analyte."""
    printed = analyte.units.get(normalize_unit(repair_unit(analyte, row.unit))) if row.unit else None
    return set(analyte.units.values()) if printed is None else {printed}


def _joined_range_apart(analyte: Analyte, row: Row, factors: set[float]) -> Row:
    """A row without a printed range whose range OCR read as one word, the dash between its limits lost
    or misread ("10,030,0" for 10,0-30,0, "15150" for 15-150, "80,0:100,0"): among the numbers and
    unreadable words after the value, exactly one that is no ordinary value in the row's unit(s) and
    splits in exactly one way into a range in the analyte's reference band (`joined_limits`) is that
    range, repaired as `judge_range` repairs one, and no longer one of the row's other numbers."""
    found = [
        (text, limits)
        for text in row.loose
        if not _ordinary(analyte, number_of(text) if _PLAIN_NUMBER.fullmatch(text) else None, factors)
        and (limits := joined_limits(analyte, text, factors, _separator(row))) is not None
    ]
    if len(found) != 1:
        return row
    ((text, (low, high)),) = found
    joined = (number_of(text), decimals(text)) if _PLAIN_NUMBER.fullmatch(text) else None
    return replace(
        row,
        bounds=(number_of(low), number_of(high)),
        reference=f"{low}-{high}",
        range_decimals=decimals(low),
        range_repaired=True,
        others=tuple(other for other in row.others if other != joined),
    )


def value_is_joined_range(analyte: Analyte, row: Row) -> bool:
    """Whether the row's value is its range read as one word ("CCMH  заза.  32.0360": the value lost,
    the range 32,0-36,0 without its dash took its place): a row with no range of its own whose value
    splits into one (`joined_limits`) and is no value, being no ordinary result in the row's unit(s) or
    printed with more decimals than the limits it splits into."""
    if row.bounds is not None or row.range_garbled or not _PLAIN_NUMBER.fullmatch(row.printed):
        return False
    factors = _unit_factors(analyte, row)
    limits = joined_limits(analyte, row.printed, factors, _separator(row))
    return limits is not None and (
        not _ordinary(analyte, row.number, factors) or decimals(row.printed) > decimals(limits[0])
    )


# a number as a value prints it: digits with at most one separator
_PLAIN_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# a limit as labs print one: no leading zero but before the separator ("0,370", never "030,0")
_LIMIT = re.compile(r"(?:0|[1-9]\d*)(?:[.,]\d+)?")


def _separator(row: Row) -> str:
    """The decimal separator the row prints: its value's, else the comma or point its words hold."""
    return next((mark for text in (row.printed, *row.loose) for mark in text if mark in ",."), ".")


def _ordinary(analyte: Analyte, number: float | None, factors: set[float]) -> bool:
    return number is not None and any(fits_unit(analyte, number * factor) for factor in factors)


def joined_limits(analyte: Analyte, text: str, factors: set[float], separator: str) -> tuple[str, str] | None:
    """The limits of a range OCR read as one word, the dash between them lost ("10,030,0", "15150") or
    read as another mark ("80,0:100,0"), when exactly one split gives two limits printed with the same
    decimals (labs print a range's limits alike; a limit may also have lost its own separator, "32.0360"
    for 32,0-36,0, put back as `_separators_restored` does), the lower above zero and below the upper,
    both in the analyte's reference band in one of the units `factors` convert from. A split is only
    ever the printed digits in their printed order, so a word that is no range rarely fits the band."""
    found: dict[tuple[float, float], tuple[str, str]] = {}
    if len(text) < 4:
        # "38" is a number, not 3-8
        return None
    # a limit's lost separator is put back as the other limit prints it
    separator = next((mark for mark in text if mark in ",."), separator)
    for cut in range(1, len(text)):
        low, high = text[:cut], text[cut:]
        if high[:1] not in "0123456789,.":
            high = high[1:]  # the dash misread as another mark
        if not (_PLAIN_NUMBER.fullmatch(low) and _PLAIN_NUMBER.fullmatch(high)):
            continue
        for lower, upper in [(low, high), *_separators_restored(low, high, separator)]:
            bounds = (number_of(lower), number_of(upper))
            if (
                _LIMIT.fullmatch(lower)
                and _LIMIT.fullmatch(upper)
                and decimals(lower) == decimals(upper)
                and 0 < bounds[0] < bounds[1]
                and _in_band(analyte, bounds, factors)
            ):
                found[bounds] = (lower, upper)
    return next(iter(found.values())) if len(found) == 1 else None


def _in_band(analyte: Analyte, bounds: tuple[float, float], factors: set[float]) -> bool:
    """Whether each limit of a range (a 0 lower limit and an open upper one say nothing) lies in the
    analyte's reference band in one of the units these factors convert from."""
    band_low, band_high = analyte.reference_band
    for factor in factors:
        limits = [limit * factor for limit in bounds if 0 < limit < math.inf]
        if limits and all(band_low <= limit <= band_high for limit in limits):
            return True
    return False


def _separators_restored(low: str, high: str, separator: str) -> list[tuple[str, str]]:
    """The limits of a range with decimal separators put back where OCR may have lost them, both limits
    then printed with the same decimals, as labs print a range: "120-160" as 12,0-16,0 or 1,20-1,60,
    "0,370-0470" as 0,370-0,470. A limit printed with a separator lost none."""

    def spellings(limit: str) -> list[str]:
        if not limit.isdigit():
            return [limit]
        return [limit] + [f"{limit[:-places]}{separator}{limit[-places:]}" for places in range(1, len(limit))]

    return [
        (lower, upper)
        for lower in spellings(low)
        for upper in spellings(high)
        if (lower, upper) != (low, high) and decimals(lower) == decimals(upper)
    ]


def repair_unit(analyte: Analyte, unit: str) -> str:
    """OCR reads the micro sign as "p" (µmol/L as pmol/L) and "m" as "rn"; such a misread is undone only
    when the printed spelling is not a unit of this analyte and the repaired one is."""
    if normalize_unit(unit) in analyte.units:
        return unit
    for wrong, right in (("p", "µ"), ("rn", "m")):
        repaired = unit.replace(wrong, right, 1)
        if normalize_unit(repaired) in analyte.units:
            return repaired
    return unit


# Letters OCR confuses inside printed units: Cyrillic "л" and "г" read as Latin "n" and "r", "п" as "n",
# the micro sign as "p", "m" as "rn", "l" as "1" or "I", and, in a monospace face (where "l" has a foot
# and a cross-like top serif), "l" or "L" as "t" ("umot/L", "g/t": `catalog._SHAPES` folds t onto l too).
_UNIT_MISREADS = (
    ("n", "л"),
    ("r", "г"),
    ("n", "п"),
    ("p", "µ"),
    ("rn", "m"),
    ("1", "l"),
    ("I", "l"),
    ("t", "l"),
)


def unit_misread(text: str) -> str | None:
    """The unit an OCR word that is no unit most likely is ("10E9/n" is 10E9/л, "r/n" is г/л), when one
    known unit is reached by undoing those confusions and no other is. Only words with a "/" are units
    here: a confusion repair on a plain word would turn names into units. A plain word is one only when
    it is a unit as printed once the specks after it are gone ("%.", "fl.", "pg:")."""
    if is_unit(text):
        return None
    # a speck after the unit reads as a full stop, a colon or a dash ("mg/L.", "%-"), a superscript's
    # caret as a degree sign, and the "L" that ends most units as "1" or "I" ("x10^12/1."), without the
    # 1 and 10 before it changing
    if "/" not in text:
        return unit_before_specks(text)
    found: dict[str, str] = {}
    for repaired in _undone(text, _UNIT_MISREADS, is_unit):
        found.setdefault(normalize_unit(repaired), repaired)
    return next(iter(found.values())) if len(found) == 1 else None


def _undone(text: str, misreads: tuple[tuple[str, str], ...], known: Callable[[str], bool]) -> Iterator[str]:
    """The known spellings an OCR unit word may have had: the word without the specks after it (or with
    its last "1" or "I" as the "l" of a litre) as it stands, else with a set of the confusions in
    `misreads` undone."""
    whole = text.rstrip(SPECKS_AFTER_UNIT).replace("°", "^")
    for stem in [whole, whole[:-1] + "l"] if whole[-1:] in ("1", "I") else [whole]:
        if known(stem):
            yield stem
            continue
        pairs = [pair for pair in misreads if pair[0] in stem]
        for chosen in range(1, 1 << len(pairs)):
            repaired = stem
            for index, (wrong, right) in enumerate(pairs):
                if chosen >> index & 1:
                    repaired = repaired.replace(wrong, right)
            if known(repaired):
                yield repaired


# Further look-alikes, only undone towards one analyte's own units (`unit_of_garble`): the micro sign, a
# "u" with a descender on its left, read as "y" or "H" (its stem and bowl), and "g" read as "o", "q" or "9"
# (its tail lost or closed). Across every unit of every analyte they would reach too much.
_GLYPH_MISREADS = (("y", "µ"), ("H", "µ"), ("o", "g"), ("q", "g"), ("9", "g"))


def unit_of_garble(analyte: Analyte, text: str) -> str | None:
    """The unit of this analyte an unreadable OCR word in the unit's place was printed as ("yo/L" or
    "Hg/L" beside ferritin is µg/L), when undoing OCR's confusions (`_UNIT_MISREADS` and the look-alikes
    above) reaches the analyte's units in one factor only (µg/L and ng/mL are one): letters OCR confuses
    by shape are evidence of the unit, not proof, so the caller marks the unit as inferred. Only words
    with a "/" and letters are read so: a speck or a Cyrillic garble could be any unit.
    When the whole word reaches no unit, what follows its "/" may still be read (or reached) whole: if the
    analyte's units per that volume share one factor, it decides ("не/мл" beside ferritin is per mL, so
    ng/mL, where µg/L and pmol/L are per litre)."""
    if "/" not in text or not any(char.isalpha() for char in text):
        return None
    misreads = _UNIT_MISREADS + _GLYPH_MISREADS
    found: dict[float, str] = {}
    for repaired in _undone(text, misreads, lambda unit: normalize_unit(unit) in analyte.units):
        found.setdefault(round(analyte.units[normalize_unit(repaired)], 9), repaired)
    found = found or _units_per_volume(analyte, text, misreads)
    return next(iter(found.values())) if len(found) == 1 else None


def _units_per_volume(analyte: Analyte, text: str, misreads: tuple[tuple[str, str], ...]) -> dict[float, str]:
    """The analyte's units, by factor, per the volume a unit word names after its "/" as read, or once
    `misreads` are undone ("мл" and "Mn" are per mL)."""
    numerator, _, denominator = text.rpartition("/")
    if not numerator.strip(SPECKS_AFTER_UNIT) or not denominator.strip(SPECKS_AFTER_UNIT):
        return {}
    volumes = {unit: unit.rpartition("/")[2] for unit in analyte.units if "/" in unit}
    found: dict[float, str] = {}
    for read in _undone(denominator, misreads, lambda volume: normalize_unit(volume) in volumes.values()):
        for unit, volume in volumes.items():
            if volume == normalize_unit(read):
                found.setdefault(round(analyte.units[unit], 9), unit)
    return found


# The digits a unit's first letter glued onto a value reads as (`unit_glued_as_decimals`): "g" as 9, the
# "f" of fL as 1 (its hook lost) or as 9 (its hook curled shut into a bowl: "85,3 fL" read "85,39."), the
# "G" of G/L as 6 (units are compared lower-cased)
_DIGITS_FOR_UNIT_LETTERS = (("9", "g"), ("9", "f"), ("1", "f"), ("6", "g"))
# A decimal value with digits past its range's decimals and a stop or colon after them: "13,6 g/dL" in
# small type with its word space lost, read "13,594." (the g as 9, the L as a stop)
_STOPPED_DECIMALS = re.compile(r"\d+[.,]\d+[.:]")


def unit_glued_as_decimals(analyte: Analyte, row: Row) -> Row:
    """The row with its value cut back to its range's decimals when the digits past them are the unit's
    first letters OCR glued on, read as digits: the row read no unit, the value word ends in a stop or
    colon where the unit's last letter stood, and its first surplus digit is a look-alike
    (`_DIGITS_FOR_UNIT_LETTERS`) of the letter one of the analyte's units starts with ("13,594." beside
    12,0-16,0 for haemoglobin is 13,5 with its g/dL glued on, "84,51." beside 80,0-100,0 for MCV 84,5 with
    its fL, "6,8761." beside 4,00-10,00 for WBC 6,87 with its G/L). Labs print a value with the decimals
    of its range or more ("5.052" against "4.6 - 6.1"), but then with its unit beside it, and the
    look-alike ties the surplus to the unit that went missing. The cut value is marked repaired and its
    unit counts as unreadable, so it must still pass every check a value with a garbled unit does."""
    if row.unit is not None or row.bounds is None or row.range_decimals == 0:
        return row
    if not _STOPPED_DECIMALS.fullmatch(row.printed):
        return row
    surplus = decimals(row.printed) - row.range_decimals
    if surplus < 1:
        return row
    kept = row.printed[: -1 - surplus]
    letters = {meant for read, meant in _DIGITS_FOR_UNIT_LETTERS if read == row.printed[len(kept)]}
    if not any(unit.startswith(letter) for unit in analyte.units for letter in letters):
        return row
    return replace(
        row, number=float(kept.replace(",", ".")), printed=kept, value_repaired=True, unit_garbled=True
    )


# Letters OCR reads digits as ("3O" is 30, "1l" 11, "5S" 55, "8g" may be 89): a tail that starts with
# one, in either case, may hold the number's own last digit, so the number is not cut before it
_DIGIT_LOOKALIKES = frozenset("OoОоDQUuIliJj|!tZzЗзAЧhSsBВbбGgqT")
# what the catalog's units start with, spelled as `normalize_unit` spells them ("x10*9/l" as "10^9/l")
_UNIT_STARTS = frozenset(unit[0] for analyte in ANALYTES for unit in analyte.units)


def _unglued(word: Word) -> tuple[Word, ...]:
    """An OCR number with an unreadable unit glued on ("<1,0mg/.", "5,2x10*9/."), as the number and the
    unit's word, so the unit counts as unreadable rather than the number being lost. Cut only where the
    tail starts as a unit does and not with a digit's look-alike, and has no digits but a count unit's
    power of ten: "3O" stays 30, "<1LOmgL" (1,0) is not cut into 1, "5,210^9/L" (its "x" lost) not into
    5.21, and "14/05" (a date) is no value."""
    parts = split_glued(word)
    if parts is None:
        return (word,)
    tail = parts[1].text
    spelled = normalize_unit(tail)
    starts_unit = spelled[:1] in _UNIT_STARTS and not {tail[0], tail[0].lower()} & _DIGIT_LOOKALIKES
    digits_fit = spelled.startswith("10^") or not any(char.isdigit() for char in tail)
    return parts if len(tail) >= 2 and starts_unit and digits_fit else (word,)


def repair_unit_words(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """An OCR line with its misread units spelled as printed (see `unit_misread`), and unreadable units
    glued to a number cut off it (see `_unglued`)."""
    repaired = []
    for word in (part for printed in words for part in _unglued(printed)):
        unit = unit_misread(clean(word.text))
        repaired.append(word if unit is None else replace(word, text=unit, confidence=0.8 * word.confidence))
    return tuple(repaired)


_LOW_FLAGS = frozenset(
    {"L", "LL", "↓", "↓↓", "LOW", "BELOW RANGE", "BAJO", "BAS", "NIEDRIG", "BASSO", "DÜŞÜK"}
)
_HIGH_FLAGS = frozenset(
    {"H", "HH", "↑", "↑↑", "HIGH", "ABOVE RANGE", "ALTO", "HAUT", "ÉLEVÉ", "HOCH", "YÜKSEK"}
)


def contradicts_range(row: Row) -> bool:
    """An OCR value that its own row disowns: a low flag on a value above the range (or the reverse) or
    either flag on a value inside a two-sided range ("109 L" read as "169 L" against 130-180), or an
    out-of-range value with no flag and fewer decimals than the range prints (a lost decimal comma)."""
    if row.bounds is None:
        return False
    low, high = row.bounds
    flag = (row.flag or "").upper()
    if (flag in _LOW_FLAGS and row.number > high) or (flag in _HIGH_FLAGS and row.number < low):
        return True
    two_sided = low > 0 and high < math.inf
    if two_sided and low < row.number < high and (flag in _LOW_FLAGS or flag in _HIGH_FLAGS):
        return True
    outside = row.number < low or row.number > high
    if outside and row.flag is None and decimals(row.printed) < row.range_decimals:
        return True
    if row.range_decimals >= 1 and decimals(row.printed) >= row.range_decimals + 3:
        # "2,24 g/L" read as "2.24091": digits glued on from the unit beside it (labs do print two
        # decimals more than their range, "5.052" against "4.6 - 6.1", but not three)
        return True
    # "2,19 г/л" read as "2,1997": two decimals more than the range and five significant digits, which
    # no analyser prints for these tests ("5.052", "44.77", "308.00" are four at most)
    return decimals(row.printed) >= row.range_decimals + 2 and significant_digits(row.printed) >= 5


def comparator_misread(row: Row) -> bool:
    """Whether an OCR value's comparator ("<16.2", "> 7.9") is no limit of the assay but a speck OCR read
    as one: a "<" result is under the least an assay reports, which lies below a two-sided reference range
    (ferritin "<5" against 15-150) or inside a range from zero ("<0.2" against 0-3.0, "<1,0" against
    "<5,0"); a ">" result is over the most it reports, above the range. A "<" on a value above the lower
    limit of a two-sided range, or a ">" on one under its upper limit, says nothing a lab would print
    ("<16.2" for an RDW against 11.5-15.0 tells neither a result nor a limit). The value is refused, not
    read without its comparator: OCR that saw a mark there may have misread the digits beside it too."""
    if row.qualifier is None or row.bounds is None:
        return False
    low, high = row.bounds
    if row.qualifier == "<":
        return row.number > (low if low > 0 else high)
    return row.number < (high if high < math.inf else low)


def decimals_read_as_mark(row: Row) -> bool:
    """Whether a whole number with an unreadable mark beside it ("82 А" for 82,4: a comma and a digit in
    small bold type read as one letter) lost its decimals to that mark: the previous result on its row
    prints decimals (`Row.others`), and a lab prints one analyte's results with the same decimals, so the
    value was printed with decimals too, and the mark is where they stood. Refused, never completed."""
    if not (row.printed.isdigit() and row.mark_beside_value):
        return False
    return any(places > 0 for _, places in row.others)


def far_outside(row: Row) -> bool:
    """An unflagged OCR value more than twice the upper limit or under half the lower one of a two-sided
    range: more often a misread digit (233 read as 983) than a result no lab would flag, until a second
    reading of its box alone says otherwise (`labs.confirm`)."""
    if row.bounds is None or row.flag:
        return False
    low, high = row.bounds
    far = row.number > 2 * high or row.number < low / 2
    return far and low > 0 and high < math.inf


def speck_read_as_separator(row: Row) -> bool:
    """Whether an OCR value far under its range (`far_outside`) holds a scan speck read as its decimal
    separator ("6700" read "67.00" against 4000 - 11000): the mirror of `lost_decimal_separator`. The range
    is printed in whole numbers, as is every other number on the row, so the analyser prints whole numbers,
    and the value's digits with the separator left out lie inside the range. A speck is read the same way
    each time its pixels are, so a second reading that agrees (`labs.confirm`) says nothing about it; the
    value is refused, never rewritten. A true extreme value keeps its separator where the range prints
    decimals (1,2 against 4,0 - 11,0), has none to remove when it is whole (ferritin 3 against 15 - 150),
    and is an ordinary result in its unit (`units.fits_unit`): a ferritin of 6,8 beside 15 - 150 is read,
    while 67.00 white cells per µL is no count a living person shows. A whole previous result within a
    quarter of the digits (ferritin "1.94" beside 15 - 150 and a previous 184) witnesses the speck for
    any value: the lab prints this analyte whole, and the patient's result lies where the digits say."""
    if row.bounds is None or row.range_decimals or not decimals(row.printed) or not far_outside(row):
        return False
    if any(places > 0 for _, places in row.others):
        return False
    digits = float(re.sub(r"\D", "", row.printed))
    if any(_within_a_quarter(digits, number) for number, _ in row.others):
        return True
    if _ordinary(row.analyte, row.number, _unit_factors(row.analyte, row)):
        return False
    low, high = row.bounds
    return low <= digits <= high


# How far apart a far-outside value and the previous result that vouches for it may be: a quarter.
VOUCHING_RATIO = 1.25


def _within_a_quarter(first: float, second: float) -> bool:
    """Whether two positive numbers lie within `VOUCHING_RATIO` of each other (a patient's result beside
    their previous one)."""
    return first > 0 and second > 0 and max(first, second) <= VOUCHING_RATIO * min(first, second)


def previous_vouches(row: Row) -> bool:
    """Whether another number on a far-outside value's row (`far_outside`) says the value is a result, not a
    misread: a previous result printed with the same decimals within a quarter of the value ("Ferritin 3,2
    12,0 - 150,0  3,4"). A misread digit lands anywhere; that it lands, unflagged, beyond twice the range
    and beside the patient's earlier result of the same size is improbable, while a patient far out of
    range is most often far out on the previous test too. The previous need not lie beyond twice the range
    itself: within a quarter of the value it lies outside the range on the value's side, and a previous
    7,9 beside 7,4 (15,0 - 50,0) witnesses the value as well as a 7,2 would. A number off tenfold (a
    separator lost in either) vouches for nothing, nor can a range limit (never within a quarter of a
    value beyond twice the range)."""
    if row.bounds is None:
        return False
    for number, places in row.others:
        if places == decimals(row.printed) and _within_a_quarter(row.number, number):
            return True
    return False


def previous_shows_separator_lost(row: Row) -> bool:
    """Whether a value read as a whole number lost its decimal separator, by the previous result beside it
    (`Row.others`): a lab prints one analyte's results with the same decimals, so a whole "35" beside a
    previous "3,7" that, with a separator put back before its last digits as the previous has them
    (3,5), lies within a quarter of it (`VOUCHING_RATIO`) was printed "3,5". A patient whose result moved
    tenfold lands exactly there only by chance, and then the page still prints it with decimals."""
    if not row.printed.isdigit():
        return False
    for number, places in row.others:
        restored = row.number / 10**places
        if places > 0 and _within_a_quarter(restored, number):
            return True
    return False


def previous_shows_flag_glued(row: Row) -> bool:
    """Whether a whole number read with a last digit 1 is a low value with its flag glued on ("4 L" or
    "12 ↓" read "41", "121": OCR reads an L or an arrow right after the digits as a 1): without the 1 it
    lies below its range, where such a flag stands, and within a quarter (`VOUCHING_RATIO`) of the previous
    result beside it (`Row.others`, or one read with a stop after its digits), while as read it is ten
    times that. A patient's result grows tenfold into a number ending in 1 only by chance; the value is
    then refused (missed), never cut back."""
    if row.bounds is None or row.flag is not None or len(row.printed) < 2:
        return False
    if not (row.printed.isdigit() and row.printed.endswith("1")):
        return False
    shorter = float(row.printed[:-1])
    if not 0 < shorter < row.bounds[0]:
        return False
    # a previous result read with a stop after its digits ("4.") is 4 with a speck or 4,x with its
    # decimals lost: its whole part stands for it
    stopped = (float(text[:-1]) for text in row.loose if SEPARATED_WHOLE.fullmatch(text))
    return any(
        _within_a_quarter(shorter, number) for number in (*(number for number, _ in row.others), *stopped)
    )

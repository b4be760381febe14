"""Lab values read from the lines of a report, each with its provenance, the unit decided honestly.

Works the same on a PDF text layer and on OCR output: both arrive as positioned words grouped into
lines (`labs.layout`). Each analyte's name finds its value by geometry, not by one table shape: beside
it (`labs.rows`), under it on a card, after a name wrapped over two lines, or in the other half of a
two-column page. The person and the dates are read by `labs.person`, OCR repairs live in `labs.repairs`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from verae.labs.catalog import BY_CODE, Analyte
from verae.labs.confirm import SURE
from verae.labs.layout import Line, Word
from verae.labs.repairs import (
    comparator_misread,
    contradicts_range,
    decimals,
    decimals_read_as_mark,
    far_outside,
    judge_range,
    lost_decimal_separator,
    previous_shows_flag_glued,
    previous_shows_separator_lost,
    previous_vouches,
    repair_unit,
    repair_unit_words,
    restore_decimal_point,
    restore_leading_zero,
    separator_lost_after_zero,
    speck_read_as_separator,
    unit_glued_as_decimals,
    unit_of_garble,
    unit_undecided_by_lost_separators,
    value_is_joined_range,
)
from verae.labs.rows import (
    Column,
    Row,
    analyte_for_label,
    header_columns,
    label_unit,
    parse_row,
    shape_of_label,
    split_label,
    stopped_value,
)
from verae.labs.schemas import LabValue, ReportWarning, WarningCode
from verae.labs.tokens import tidy_words, tokenize
from verae.labs.units import UnitError, convert, fits_unit, infer_unit, is_plausible, normalize_unit

# Below this confidence (OCR word confidence x unit factor x label factor) a value is marked doubtful: a
# person checks it on the page before it is used. Tesseract's word confidence alone falls under it when
# it is below one half, as does a value with an unreadable unit that OCR was not sure of either.
DOUBTFUL_BELOW = 0.5
# Words a row may print after a name whose value could not be read ("Ferritin  test not performed")
# before the line counts as a sentence that mentions the name.
_CELLS_AFTER_A_NAME = 3
# A word after a name that makes it the heading of a group of tests ("IRON STUDIES", "Iron panel", "Demir
# paneli"), not a row whose value was lost: such a heading gives no `value_not_read` when the group's own
# rows follow without that analyte.
_GROUP_OF_TESTS = re.compile(
    r"panel[a-z]*|profil[a-z]*|stud(y|ies)|tests|status|indices|markers|"
    r"панел\w*|профил\w*|показател\w*",
    re.IGNORECASE,
)

_NON_BLOOD_SECTION = re.compile(r"\bмоч[аи]\b|\burin|\burine\b|осадок|кал\b|stool|\bfaeces", re.IGNORECASE)
_BLOOD_SECTION = re.compile(
    r"кров|blood|железа|\biron\b|ферритин|биохим|chemistry|haematology|hematology|full blood count|\bcbc\b|"
    r"inflammat|гематолог",
    re.IGNORECASE,
)


@dataclass
class Reading:
    """Values found so far with their provenance, before duplicates are settled."""

    values: list[LabValue] = field(default_factory=list)
    warnings: list[ReportWarning] = field(default_factory=list)
    labels_seen: int = 0
    # each analyte whose name is printed outside a non-blood section, with the first page naming it
    named: dict[str, int] = field(default_factory=dict)
    # the value words of OCR rows refused only for lying far outside their printed range, or whose value
    # ends in a full stop ("315."): a second reading of their boxes (`labs.confirm`) tells a true extreme
    # value from a misread one, a speck from lost digits
    unconfirmed: list[tuple[Word, ...]] = field(default_factory=list)
    # the value words of OCR rows where nothing vouches for a value read unsure (`_unsure_digits`), or
    # that a second reading of their line gave as another number (`reread.merge`): believed only when a
    # second reading of their boxes is sure of the same text (`labs.confirm`)
    unsure: list[tuple[Word, ...]] = field(default_factory=list)
    # the value words of OCR rows printed without a reference range: nothing on the row checks their
    # digits, so a second reading of their boxes (`labs.confirm`) that gives another number refutes them
    unranged: list[tuple[Word, ...]] = field(default_factory=list)
    # the value words of every other OCR value read with less than `confirm.SURE`: a second reading of
    # their boxes (`labs.confirm`) sure of other digits, which the pixels do not disown, refutes them
    read_unsure: list[tuple[Word, ...]] = field(default_factory=list)
    # the unreadable unit words of OCR rows whose value was read but whose value and range fit several of
    # the analyte's units (ferritin 30 with 15-150: µg/L or pmol/L), with the analyte: a second reading of
    # the unit's box alone in English (`confirm.read_units`) may give the unit
    unit_unread: list[tuple[Analyte, tuple[Word, ...]]] = field(default_factory=list)


def _outside(row: Row) -> bool:
    return row.bounds is not None and not row.bounds[0] <= row.number <= row.bounds[1]


def _unsure_digits(row: Row) -> bool:
    """An OCR value read with less than `confirm.SURE` on a row where nothing vouches for its digits: its
    printed range was misread (`Row.range_garbled`: lower limit above the upper), or its unit was
    unreadable and the value lies unflagged outside its range. The unit is then inferred from the value itself, which a misread digit
    (4.95 read as 1.95) still fits, and OCR's trouble with the row's unit or range shows it read the row
    poorly. A ratio printed without its unit (`Row.unit_unprinted`: a haematocrit as a fraction beside a
    range in parts of one) shows no such trouble."""
    if min((word.confidence for word in row.value_words), default=1.0) >= SURE:
        return False
    return row.range_garbled or (
        row.unit is None and not row.unit_unprinted and row.flag is None and _outside(row)
    )


def _range_fits(analyte: Analyte, row: Row) -> bool:
    """Whether the row's printed range, in its printed unit, lies where this analyte's ranges lie."""
    if row.bounds is None or row.unit is None:
        return False
    factor = analyte.units.get(normalize_unit(row.unit))
    if factor is None:
        return False
    band_low, band_high = analyte.reference_band
    limits = [limit * factor for limit in row.bounds if 0 < limit < math.inf]
    return bool(limits) and all(band_low <= limit <= band_high for limit in limits)


def _label_agrees(analyte: Analyte, row: Row) -> bool:
    """Whether a row whose label was garbled is this analyte's. A name guessed from the row's unit must
    agree with its printed range ("JOKCC" with 20-62 is UIBC's range, not TIBC's). A name read by its
    shape must agree with the row's unit, range and value, and no analyte whose name is near it may
    ("Mean cett votume" beside pg and 27-33 is not MCV, and not MCH either)."""
    if row.label_shape is None:
        return _range_fits(analyte, row)
    return _evidence_fits(analyte, row) and not any(
        _evidence_fits(rival, row) for rival in row.label_shape.rivals
    )


def _evidence_fits(analyte: Analyte, row: Row) -> bool:
    """Whether the row's printed unit is one of the analyte's, its value ordinary in it and its printed
    range (if any) where the analyte's ranges lie; without a unit, whether value and range fit exactly one
    of the analyte's units (`units.infer_unit`)."""
    if row.unit is None:
        return row.bounds is not None and infer_unit(analyte, row.number, row.bounds) is not None
    if not _ordinary_in(analyte, row, row.unit):
        return False
    return (row.bounds is None and not row.range_garbled) or _range_fits(analyte, row)


def _range_in_another_unit(analyte: Analyte, row: Row) -> bool:
    """Whether the printed range is on another scale than the value's own printed unit: "4 490 000 /mm3"
    beside "4.5 - 5.5 mill" (a range no lab prints in cells per µL). Comparing the two then says
    nothing about a misread."""
    if row.bounds is None or row.unit is None:
        return False
    factor = analyte.units.get(normalize_unit(row.unit))
    if factor is None or not fits_unit(analyte, row.number * factor):
        return False
    band_low, band_high = analyte.reference_band
    limits = [limit * factor for limit in row.bounds if 0 < limit < math.inf]
    return bool(limits) and all(not band_low / 1000 <= limit <= band_high * 1000 for limit in limits)


def _ordinary_in(analyte: Analyte, row: Row, unit: str) -> bool:
    """Whether the row's value is an ordinary result (`units.fits_unit`) in `unit`, one of the analyte's."""
    factor = analyte.units.get(normalize_unit(unit))
    return factor is not None and fits_unit(analyte, row.number * factor)


def _unit_disowned_by_range(analyte: Analyte, row: Row, unit: str) -> bool:
    """Whether the row's printed range says the OCR unit is wrong: value and range fit exactly one other of
    the analyte's units ("9,67 x10*3/µl" with 4,00-10,00 whose unit OCR made "/µl": 9.67 cells per µL
    is 1000 times too few for that range). The value is then in a unit nobody can tell, so it is not used."""
    if row.bounds is None:
        return False
    fitting = infer_unit(analyte, row.number, row.bounds)
    return fitting is not None and analyte.units[fitting] != analyte.units[normalize_unit(unit)]


def _factors_the_row_fits(analyte: Analyte, row: Row) -> set[float]:
    """The factors of the analyte's units the row's value is ordinary in and, with a printed range, whose
    ranges lie where that range does: more than one, and only the unit's word can tell them apart."""
    return {
        round(factor, 9)
        for unit, factor in analyte.units.items()
        if _ordinary_in(analyte, row, unit)
        and (row.bounds is None or _range_fits(analyte, replace(row, unit=unit)))
    }


def _infer_unit(analyte: Analyte, row: Row, *, ocr: bool) -> tuple[str, float] | None:
    """The unit key and canonical value of a number printed without a readable unit. With a printed
    reference range, the one unit both the value and the range fit (`units.infer_unit`); without one, and
    only when nothing stood where the unit goes, the one unit among those labs leave unprinted that makes
    the value plausible (128 is g/L, 12.8 g/dL).
    On an OCR page, an unreadable word in the unit's place that undoing OCR's confusions makes one of the
    analyte's units ("yo/L" is µg/L, `repairs.unit_of_garble`) decides where value and range fit several
    (ferritin 30 with 15-150: µg/L or pmol/L), if the value is ordinary in it and the printed range lies
    where that unit's ranges do and does not fit another unit alone; otherwise the value is not used.
    A range that fits no unit, or several, decides nothing: the value is then not used; nor, on an OCR
    page, does one that fits another unit once separators OCR may have lost are put back."""
    garbled = unit_of_garble(analyte, row.garbled_unit) if ocr and row.garbled_unit else None
    if garbled is not None:
        unranged = row.bounds is None and not row.range_garbled
        fits = (
            _ordinary_in(analyte, row, garbled)
            and (unranged or _range_fits(analyte, replace(row, unit=garbled)))
            and not _unit_disowned_by_range(analyte, row, garbled)
        )
        unit_key = normalize_unit(garbled)
        return (unit_key, row.number * analyte.units[unit_key]) if fits else None
    if row.bounds is not None:
        unit = infer_unit(analyte, row.number, row.bounds)
        if unit is None or (ocr and unit_undecided_by_lost_separators(analyte, row, unit)):
            return None
        return unit, row.number * analyte.units[unit]
    if row.unit_garbled or row.range_garbled:
        # something unreadable was printed where the unit goes: it may be any unit, so the value alone
        # ("71" fits µmol/L, but "71 µg/dL" was printed) decides nothing; nor does it beside a range
        # misread past use, which would have had its say
        return None
    plausible = {
        unit: row.number * analyte.units[unit]
        for unit in analyte.unitless_candidates
        if fits_unit(analyte, row.number * analyte.units[unit])
    }
    if len({round(value, 6) for value in plausible.values()}) != 1:
        return None
    return next(iter(plausible.items()))


def to_lab_value(
    row: Row, line: Line, *, ocr: bool, reading: Reading, page_flags: bool = False
) -> LabValue | None:
    """The value a row gives, or None with a warning saying why it is not used. `page_flags`: the page
    flags out-of-range results elsewhere, so an unflagged OCR value outside its range is a misread."""
    analyte = row.analyte
    unit_key = normalize_unit(row.unit) if row.unit else None
    if analyte.code in ("rdw_cv", "rdw_sd") and unit_key is not None and unit_key not in analyte.units:
        # A bare "RDW" is named by its unit: fL is the SD, % the CV. Never a conversion between them.
        analyte = BY_CODE["rdw_sd" if unit_key == "fl" else "rdw_cv"]

    def not_used(code: WarningCode, unit: str | None = None) -> None:
        reading.warnings.append(ReportWarning.of(code, analyte=analyte.code, page=line.page, unit=unit))

    if row.label_guessed and not _label_agrees(analyte, row):
        return None
    if ocr and value_is_joined_range(analyte, row):
        not_used("value_misread")
        return None
    if ocr:
        row = unit_glued_as_decimals(analyte, judge_range(analyte, row))
    restored = restore_decimal_point(row) if ocr and contradicts_range(row) else None
    zero_restored = False
    if ocr and restored is None:
        restored = restore_leading_zero(row)
        zero_restored = restored is not None
    if restored is not None:
        row = replace(row, number=restored, printed=f"{restored:g}", value_repaired=True)
    judged = ocr and not _range_in_another_unit(analyte, row)
    if judged and (
        lost_decimal_separator(row.number, row.bounds)
        or separator_lost_after_zero(row)
        or previous_shows_separator_lost(row)
        or previous_shows_flag_glued(row)
        or decimals_read_as_mark(row)
        or comparator_misread(row)
        or speck_read_as_separator(row)
        or contradicts_range(row)
        or (page_flags and row.flag is None and not row.mark_beside_value and _outside(row))
    ):
        not_used("value_misread")
        return None
    # digits the pixels disown: misshapen ones (a dotted zero read as 6 or 9 fits its holes once the zero
    # is put back), or digits glued on across a word space that no repair cut off
    if ocr and (
        row.value_glued
        or any(word.misshapen and not (zero_restored and word.zero_shaped_lead) for word in row.value_words)
    ):
        not_used("value_misread")
        return None
    # a separator only the box's second reading placed (`confirm._separator_restored`) must leave the
    # value with its range's decimals, as the analyser prints them
    restored = ocr and any(word.separator_restored for word in row.value_words)
    if restored and (row.bounds is None or decimals(row.printed) != row.range_decimals):
        not_used("value_misread")
        return None
    confirmed = bool(row.value_words) and all(word.confirmed for word in row.value_words)
    # a previous result beside it vouches as a second reading does (the value is used, marked for review),
    # for a value ordinary in its printed unit: "16,1 g/L" haemoglobin beside "15,3" is a unit misread
    # (without a readable unit, the unit inferred later must make it so)
    extreme = judged and far_outside(row) and not confirmed
    vouched = (
        extreme
        and previous_vouches(row)
        and (row.unit is None or _ordinary_in(analyte, row, repair_unit(analyte, row.unit)))
    )
    if extreme and not vouched:
        reading.unconfirmed.append(row.value_words)
        not_used("value_misread")
        return None
    disputed = ocr and any(word.disputed for word in row.value_words)
    if (disputed or (judged and _unsure_digits(row))) and not confirmed:
        reading.unsure.append(row.value_words)
        not_used("value_misread")
        return None
    if ocr and any(word.refuted for word in row.value_words):
        not_used("value_misread")
        return None
    # a range misread upside down has its own witness (`_unsure_digits`, the reference band), and its
    # value may be a repaired one (`restore_leading_zero`) that the box, read alone, gives unrepaired
    if ocr and row.bounds is None and not row.range_garbled and row.value_words and not confirmed:
        reading.unranged.append(row.value_words)
    elif (
        ocr and row.value_words and not confirmed and min(word.confidence for word in row.value_words) < SURE
    ):
        reading.read_unsure.append(row.value_words)
    unit_confidence = 1.0
    if row.unit is not None:
        unit = repair_unit(analyte, row.unit) if ocr else row.unit
        try:
            canonical = convert(analyte, row.number, unit).value
        except UnitError:
            not_used("unit_not_accepted", unit=row.unit)
            return None
        if ocr and _unit_disowned_by_range(analyte, row, unit):
            not_used("value_misread")
            return None
        band_low, band_high = analyte.reference_band
        if ocr and row.range_garbled and not band_low <= canonical <= band_high:
            # OCR garbled the row's range, and no range can judge its value: a value misread with it
            # ("4.64" as "1.64" beside "9.0 - 5,30") is believed only where values are ordinary
            not_used("value_misread")
            return None
        unit_confidence = 1.0 if unit == row.unit else 0.8
    else:
        inferred = _infer_unit(analyte, row, ocr=ocr)
        if inferred is None:
            if ocr and row.unit_garble_words and len(_factors_the_row_fits(analyte, row)) > 1:
                reading.unit_unread.append((analyte, row.unit_garble_words))
            not_used("unit_missing")
            return None
        unit_key, canonical = inferred
        reading.warnings.append(
            ReportWarning.of("unit_inferred", analyte=analyte.code, page=line.page, unit=unit_key)
        )
        # A value whose unit is left blank (or unreadable) is right less often than one with its unit.
        unit_confidence = 0.6 if row.unit_garbled else 0.8
    if not is_plausible(analyte, canonical):
        not_used("value_implausible")
        return None
    text_confidence = min(word.confidence for word in row.words) if ocr else 1.0
    label_confidence = 0.7 if row.label_guessed else 1.0
    label_confidence *= 0.8 if row.value_repaired else 1.0
    label_confidence *= 0.8 if row.range_repaired else 1.0
    confidence = round(min(0.95 if ocr else 1.0, text_confidence) * unit_confidence * label_confidence, 3)
    return LabValue(
        analyte=analyte.code,
        value=row.number,
        unit=row.unit,
        normalized_value=round(canonical, 6),
        normalized_unit=analyte.canonical_unit,
        qualifier=row.qualifier,
        reference_range=row.reference,
        flag=row.flag,
        confidence=confidence,
        ocr_confidence=round(min(word.confidence for word in row.value_words), 3)
        if ocr and row.value_words
        else None,
        # a value the first reading alone would have refused stays for the person to check
        doubtful=confidence < DOUBTFUL_BELOW or (ocr and confirmed) or vouched or restored,
        page=line.page,
        source_line=line.text,
        source_text=" ".join(word.text for word in row.value_words) or None,
        bbox=_bbox(row.value_words, line.page_size),
    )


def _bbox(words: tuple[Word, ...], page_size: tuple[float, float] | None) -> list[float] | None:
    if not words or page_size is None or min(page_size) <= 0:
        return None
    width, height = page_size
    return [
        round(min(word.x0 for word in words) / width, 4),
        round(min(word.top for word in words) / height, 4),
        round(max(word.x1 for word in words) / width, 4),
        round(max(word.bottom for word in words) / height, 4),
    ]


def segments(line: Line, *, ocr: bool) -> list[tuple[Word, ...]]:
    """The rows a line holds: one, or several side by side on a two-column page or a card grid. A new row
    starts after a wide gap (over three text heights) at words that name an analyte; anything else after
    a gap (a value, unit or range column) belongs to the row on its left."""
    words = tidy_words(line.words)
    if ocr:
        words = repair_unit_words(words)
    if not words:
        return []
    rows: list[list[Word]] = [[words[0]]]
    # a speck standing in a gap (a scan's dash or dot) prints nothing: the gap runs from the last word
    # with a letter or digit, so a speck before a column's name does not join that name to the row on its left
    written_end = words[0].x1
    for index, word in enumerate(words[1:], start=1):
        wide_gap = word.x0 - written_end > 3 * line.height
        if any(character.isalnum() for character in word.text):
            written_end = word.x1
        # a two-letter name ("Fe", "Hb") after a gap is as likely a stray OCR fragment: not a new row; a
        # garbled name whose shape names an analyte ("Ferntine") is one, its row's evidence judged later
        if wide_gap and len(word.text.strip("(.:")) > 2 and _names_card(words[index:], ocr=ocr):
            rows.append([word])
        elif (
            wide_gap
            and not _has_digit((*rows[-1], *words[index:]))
            and _names_analyte(tuple(rows[-1]), ocr=ocr)
        ):
            # a card grid's line of names, the next one garbled ("Hemoglobin   гоп Saturation"): words
            # without a number are not the named analyte's value, which then stands below its name
            rows.append([word])
        else:
            rows[-1].append(word)
    return [tuple(row) for row in rows]


def _names_analyte(words: tuple[Word, ...], *, ocr: bool) -> bool:
    label_words, _ = label_unit(split_label(words)[0])
    label = " ".join(word.text for word in label_words)
    return bool(label) and not label[:1].isdigit() and analyte_for_label(label, fuzzy=ocr) is not None


def _row_without_value(words: tuple[Word, ...], *, ocr: bool) -> Analyte | None:
    """The analyte a row names when the row gave no value: its name opens the words (before any comma) and
    at most a few words follow — a cell such as "pending", or OCR noise where the value stood. A sentence
    that mentions the name ("Ferritin is the best measure…", "…, such as TIBC, ferritin, transferrin.")
    runs on, or does not open with it."""
    label_words, _ = label_unit(split_label(words)[0])
    if any(_GROUP_OF_TESTS.fullmatch(word.text.strip(",.:")) for word in label_words[1:]):
        return None
    head = next((index + 1 for index, word in enumerate(label_words) if "," in word.text), len(label_words))
    for end in range(head, 0, -1):
        if len(label_words) - end > _CELLS_AFTER_A_NAME:
            break
        label = " ".join(word.text for word in label_words[:end]).rstrip(",")
        analyte = analyte_for_label(label, fuzzy=ocr) if not label[:1].isdigit() else None
        if analyte is not None:
            return analyte
    return None


def _word_in_capitals_alone(words: tuple[Word, ...]) -> bool:
    """One word of four or more capitals with a vowel: a word set in capitals ("IRON", "ЖЕЛЕЗО"), not an
    abbreviation, which rows print in capitals too ("MCHC", "TIBC")."""
    return (
        len(words) == 1
        and len(words[0].text) >= 4
        and words[0].text.isalpha()
        and words[0].text.isupper()
        and any(letter in "AEIOUYАЕЁИОУЫЭЮЯ" for letter in words[0].text)
    )


def _names_card(words: tuple[Word, ...], *, ocr: bool) -> bool:
    """Whether words with nothing beside them may be a card's name: one that names an analyte, or on an
    OCR page one whose shape does ("ВОМ/." — the row's unit and range must then agree, `to_lab_value`)."""
    if _names_analyte(words, ocr=ocr):
        return True
    label = " ".join(word.text for word in label_unit(split_label(words)[0])[0])
    return ocr and shape_of_label(label) is not None


def _has_digit(words: tuple[Word, ...]) -> bool:
    return any(char.isdigit() for word in words for char in word.text)


def _has_number(words: tuple[Word, ...]) -> bool:
    return any(token.kind in ("number", "range", "bound") for token in tokenize(split_label(words)[1]))


def _opens_with_value(words: tuple[Word, ...], *, name_open: bool) -> bool:
    """Whether a line opens with a value (after a status), or — when the name above left a bracket open,
    "MCH (Среднее содержание гемоглобина в" — with the rest of the name up to ")" and then a value."""
    tokens = tokenize(words)
    if name_open:
        rest_of_name = 0
        while rest_of_name < len(tokens) and tokens[rest_of_name].kind == "other":
            rest_of_name += 1
            if ")" in tokens[rest_of_name - 1].text:
                break
        else:
            return False
        tokens = tokens[rest_of_name:]
    for token in tokens:
        if token.kind == "flag":
            continue
        return token.kind == "number" or (token.kind == "bound" and token.comparator in ("<", ">"))
    return False


def _words_below(lines: list[Line], index: int, row: tuple[Word, ...], *, ocr: bool) -> tuple[Word, ...]:
    """On a card layout the value stands under its name: the words of the next line (or the one after, if
    the next has nothing there) that start within the name's column, up to the next name on the name's
    line. Nothing when those words name an analyte themselves (the next row of a table)."""
    line = lines[index]
    left = row[0].x0 - 2 * line.height
    following = [word for word in line.words if word.x0 > row[-1].x1]
    # the next card's lines may start a little left of its name (a photo's perspective, OCR's boxes)
    right = following[0].x0 - line.height if following else float("inf")
    # a line OCR made of specks alone ("—", "|" between a name and its value) is no line of the card: the
    # two lines looked at are the next two holding a letter or a digit
    written = (
        (offset, below)
        for offset, below in enumerate(lines[index + 1 :], start=index + 1)
        if any(char.isalnum() for word in below.words for char in word.text)
    )
    for offset, below in itertools.islice(written, 2):
        if below.page != line.page or below.words[0].top - line.words[0].bottom > 3 * line.height:
            break
        band = _band(below, left, right, ocr=ocr)
        # specks OCR read as marks ("|") between a card's name and its value stand for nothing
        if not any(char.isalnum() for word in band for char in word.text):
            continue
        # the card's second line opens with its status or its value; anything else is another row
        name_open = "(" in " ".join(word.text for word in row).rsplit(")", 1)[-1]
        if not _opens_with_value(band, name_open=name_open) and not (ocr and _garbled_status(band, below)):
            return ()
        return band + _range_below(lines, offset, left, right, ocr=ocr)
    return ()


def _garbled_status(band: tuple[Word, ...], line: Line) -> bool:
    """Whether a card's value line opens with a status OCR garbled ("Чи Вапде 44.9%" for "In Range
    44.9%"): one or two words without digits, then a number, on a line where another card's value opens
    with a status that was read. A table's next row has no status beside it, so it is never borrowed."""
    tokens = tokenize(band)
    lead = next((index for index, token in enumerate(tokens) if token.kind != "other"), len(tokens))
    status = tuple(word for token in tokens[:lead] for word in token.words)
    if not 0 < len(status) <= 2 or _has_digit(status):
        return False
    if lead == len(tokens) or tokens[lead].kind != "number":
        return False
    others = tokenize(tuple(word for word in line.words if word not in band))
    return any(token.kind == "flag" and len(token.text) > 2 for token in others)


def _band(line: Line, left: float, right: float, *, ocr: bool) -> tuple[Word, ...]:
    words = tidy_words(line.words)
    return tuple(word for word in (repair_unit_words(words) if ocr else words) if left <= word.x0 < right)


def _range_below(lines: list[Line], index: int, left: float, right: float, *, ocr: bool) -> tuple[Word, ...]:
    """A card's reference range, printed on the line under its value ("Range 80-100"): the words in the
    card's column of the next line, when they are a caption without digits and then one range."""
    # a line of specks OCR read as marks ("|") between value and range stands for nothing
    following = [
        line
        for line in lines[index + 1 : index + 3]
        if any(char.isalnum() for word in _band(line, left, right, ocr=ocr) for char in word.text)
    ]
    if not following or following[0].page != lines[index].page:
        return ()
    below = following[0]
    if below.words[0].top - lines[index].words[0].bottom > 3 * lines[index].height:
        return ()
    band = _band(below, left, right, ocr=ocr)
    tokens = tokenize(band)
    if not tokens or tokens[-1].kind not in ("range", "bound"):
        return ()
    caption = tokens[:-1]
    return band if all(token.kind == "other" and not _has_digit(token.words) for token in caption) else ()


def read_values(lines: list[Line], *, ocr_pages: frozenset[int]) -> Reading:
    """Each analyte named on a line, with its value beside it (a table row, a key: value list, a dotted
    leader) or under it (a card); the table header, when there is one, says which column is the result."""
    reading = Reading()
    columns: list[Column] | None = None
    skipping = False
    page = 0
    unnamed: tuple[Word, ...] = ()  # a name wrapped over two lines: its first line, waiting for the rest
    rows: list[tuple[Row, Line, bool]] = []
    capitals_alone: list[tuple[str, int]] = []
    for index, line in enumerate(lines):
        if line.page != page:
            page, columns, unnamed = line.page, None, ()
        header = header_columns(line)
        if header is not None:
            columns, unnamed = header, ()
            continue
        ocr = line.page in ocr_pages
        found = False
        for words in segments(line, ocr=ocr):
            row = _row_with_wrapped_name(unnamed, words, columns, ocr=ocr, height=line.height)
            if row is None and _names_card(words, ocr=ocr) and not _has_number(words):
                below = _words_below(lines, index, words, ocr=ocr)
                if below:
                    row = parse_row(words, columns, ocr=ocr, height=line.height, value_words=below)
            if row is None:
                unread = None if skipping else _row_without_value(words, ocr=ocr)
                if unread is not None and _word_in_capitals_alone(words):
                    capitals_alone.append((unread.code, line.page))
                elif unread is not None:
                    reading.named.setdefault(unread.code, line.page)
                stopped = stopped_value(words) if ocr and _names_analyte(words, ocr=ocr) else None
                if stopped is not None:
                    reading.unconfirmed.append((stopped,))
                continue
            found = True
            reading.labels_seen += 1
            if not skipping:
                rows.append((row, line, ocr))
                reading.named.setdefault(row.analyte.code, line.page)
        if not found:
            if _NON_BLOOD_SECTION.search(line.text):
                skipping = True
            elif _BLOOD_SECTION.search(line.text):
                skipping = False
        unnamed = line.words if _may_start_a_name(line, ocr=line.page in ocr_pages) else ()
    # A name alone in capitals on a page whose rows do not print their names so is styled as a heading
    # ("IRON" above an iron panel): its analyte is not reported as unread when no row of it follows.
    capital_rows: Counter[int] = Counter()
    for _, line, _ in rows:
        capital_rows[line.page] += 1 if _word_in_capitals_alone(line.words[:1]) else -1
    for code, heading_page in capitals_alone:
        if capital_rows[heading_page] >= 0:
            reading.named.setdefault(code, heading_page)
    # a page that flags its out-of-range results: an unflagged OCR value outside its range is doubted there.
    # A page flags them when at least as many of its out-of-range rows carry a flag as do not: one unit
    # OCR read as a flag ("fL" as "L") among six unflagged results does not make a flagging page.
    outside_flagged: dict[int, int] = {}
    for row, line, _ in rows:
        if _outside(row):
            outside_flagged[line.page] = outside_flagged.get(line.page, 0) + (1 if row.flag else -1)
    flagging_pages = {
        line.page for row, line, _ in rows if row.flag and outside_flagged.get(line.page, 0) >= 0
    }
    # A table prints its columns in one order on every row. On a page whose rows print the unit after the
    # value, an OCR row whose unit comes first (read into its name, or before its number) lost what stood
    # in its value's place (a garbled value read as marks), and the number after its unit is the range's
    # or a previous result's ("L 11 ng/mL 15 - 150" read `t ll ng/mL 15. 150`: 150 taken for the value).
    sides: dict[int, Counter[str | None]] = {}
    for row, line, _ in rows:
        sides.setdefault(line.page, Counter())[row.unit_side] += 1
    units_after = {
        page
        for page, counted in sides.items()
        if counted["after"] >= 3 and counted["after"] > 2 * counted["before"]
    }
    for row, line, ocr in rows:
        if ocr and row.unit_side == "before" and line.page in units_after:
            reading.warnings.append(
                ReportWarning.of("value_misread", analyte=row.analyte.code, page=line.page)
            )
            continue
        value = to_lab_value(row, line, ocr=ocr, reading=reading, page_flags=line.page in flagging_pages)
        if value is not None:
            reading.values.append(value)
    _report_unread(reading)
    return reading


def _report_unread(reading: Reading) -> None:
    """A warning for each analyte whose name is printed but which gave no value and no other warning: the
    person learns what to type in rather than finding it silently missing."""
    accounted = {value.analyte for value in reading.values} | {
        warning.analyte for warning in reading.warnings
    }
    reading.warnings.extend(
        ReportWarning.of("value_not_read", analyte=code, page=page)
        for code, page in reading.named.items()
        if code not in accounted
    )


def _may_start_a_name(line: Line, *, ocr: bool) -> bool:
    """A short line of words only, naming nothing by itself: perhaps the first half of a wrapped name."""
    text = line.text
    return (
        len(line.words) <= 4
        and not any(char.isdigit() for char in text)
        and not _names_analyte(line.words, ocr=ocr)
    )


def _row_with_wrapped_name(
    unnamed: tuple[Word, ...],
    words: tuple[Word, ...],
    columns: list[Column] | None,
    *,
    ocr: bool,
    height: float,
) -> Row | None:
    """The row, with its name completed by the line above when the two lines together name an analyte
    ("Mean corpuscular" over "hemoglobin 30.2 pg" is MCH, not hemoglobin)."""
    if unnamed and abs(unnamed[0].x0 - words[0].x0) < 2 * height:
        joined = tuple(replace(word, top=words[0].top, bottom=words[0].bottom) for word in unnamed)
        whole = parse_row(joined + words, columns, ocr=ocr, height=height)
        if whole is not None:
            alone = parse_row(words, columns, ocr=ocr, height=height)
            label = " ".join(word.text for word in split_label(joined + words)[0])
            if alone is None or (
                alone.analyte is not whole.analyte and analyte_for_label(label, fuzzy=False)
            ):
                return whole
    return parse_row(words, columns, ocr=ocr, height=height)


def settle_duplicates(values: list[LabValue], warnings: list[ReportWarning]) -> list[LabValue]:
    """One value per analyte. A repeat with the same value adds nothing (a summary block, a repeated
    page header); a repeat with a different value is reported and the more confident reading is kept."""
    kept: dict[str, LabValue] = {}
    for value in values:
        earlier = kept.get(value.analyte)
        if earlier is None:
            kept[value.analyte] = value
            continue
        same = math.isclose(earlier.normalized_value, value.normalized_value, rel_tol=1e-6)
        if not same:
            warnings.append(ReportWarning.of("conflicting_values", analyte=value.analyte))
        richer = (value.confidence, value.reference_range is not None) > (
            earlier.confidence,
            earlier.reference_range is not None,
        )
        if richer:
            kept[value.analyte] = value
    return list(kept.values())


def names_on_line(line: Line) -> int:
    """How many analytes an OCR line names (rows side by side count apart), a name followed by OCR noise
    ("Red cell count eee Sede.") included."""
    count = 0
    for words in segments(line, ocr=True):
        label_words, _ = label_unit(split_label(words)[0])
        count += any(_names_analyte(label_words[:end], ocr=True) for end in range(len(label_words), 0, -1))
    return count


def count_labels(lines: list[Line]) -> int:
    """How many lines start with an analyte's name: tells a page read upside down from one read upright."""
    return sum(
        1
        for line in lines
        if analyte_for_label(" ".join(word.text for word in split_label(line.words)[0]), fuzzy=True)
        is not None
    )

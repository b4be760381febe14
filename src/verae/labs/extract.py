"""Lab values, the collection date and the person's sex and age, read from the lines of a report.

Works the same on a PDF text layer and on OCR output: both arrive as positioned words grouped into
lines (`labs.layout`). A row is "label, value [flag], unit, reference range" in any of the orders labs
print; a table header, when there is one, tells the current-result column from a previous-result one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from verae.labs.catalog import ANALYTES, BY_CODE, Analyte, guess_label, match_label
from verae.labs.layout import Line, Word
from verae.labs.schemas import LabReport, LabValue, ReportWarning, WarningCode
from verae.labs.units import UnitError, convert, is_plausible, normalize_unit

_NUMBER = r"\d+(?:[.,]\d+)?"
_DASH = r"(?:-|–|—|\.\.\.?|…|÷)"
_RANGE = re.compile(rf"^\(?({_NUMBER})\s*{_DASH}\s*({_NUMBER})\)?[,;]?$")
_BOUND = re.compile(
    rf"^\(?(<=|>=|<|>|≤|≥|до|менее|более|не более|up to)\s*({_NUMBER})\)?[,;]?$", re.IGNORECASE
)
_VALUE = re.compile(rf"^([<>])?({_NUMBER})([*↑↓]{{1,2}}|[{{}}+])?$")
# Tesseract's rus/eng models have no arrow glyphs: a printed ↑ or ↓ beside a value comes out as one of these.
_ARROW_MISREADS = frozenset({"+", "}", "{", "1", "4", "T", "t", "f", "fT", "J", "|", "l", "I"})
_FLAGS = frozenset({"H", "L", "HH", "LL", "↑", "↓", "↑↑", "↓↓", "*", "**", "High", "Low", "Н"})
_KNOWN_UNITS = frozenset(unit for analyte in ANALYTES for unit in analyte.units)
# Report sections whose counts are not blood: a urinalysis also lists "erythrocytes" and "leukocytes".
_NON_BLOOD_SECTION = re.compile(r"\bмоч[аи]\b|\burin|\burine\b|осадок|кал\b|stool|\bfaeces", re.IGNORECASE)
_BLOOD_SECTION = re.compile(
    r"кров|blood|железа|\biron\b|ферритин|биохим|chemistry|haematology|hematology|full blood count|\bcbc\b|"
    r"inflammat|гематолог",
    re.IGNORECASE,
)

Role = Literal["name", "result", "previous", "unit", "reference", "flag"]
_HEADER_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    ("previous", ("пред", "previous", "prior", "прошл")),
    ("result", ("результат", "result", "current", "значение", "value")),
    ("unit", ("ед", "unit", "единиц")),
    ("reference", ("норм", "референ", "reference", "range", "interval")),
    ("flag", ("flag", "флаг")),
    ("name", ("исследование", "показатель", "тест", "test", "analyte", "наименование", "анализ")),
)


@dataclass(frozen=True)
class Column:
    role: Role
    x0: float


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


@dataclass
class Reading:
    """Values found so far with their provenance, before duplicates are settled."""

    values: list[LabValue] = field(default_factory=list)
    warnings: list[ReportWarning] = field(default_factory=list)
    labels_seen: int = 0


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _clean(text: str) -> str:
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
        joined = _clean(" ".join(word.text for word in chunk))
        is_flag = _clean(chunk[0].text) in _FLAGS  # "* 10*12/л" is a flag, then a unit
        if not is_flag and _is_unit(joined.replace(" ", "")) and not _VALUE.match(joined):
            return Token("unit", chunk)
        if match := _RANGE.match(joined):
            low, high = _number(match.group(1)), _number(match.group(2))
            return Token("range", chunk, bounds=(low, high))
        if match := _BOUND.match(joined):
            comparator = match.group(1).lower()
            number = _number(match.group(2))
            upper = comparator in ("<", "<=", "≤", "до", "менее", "не более", "up to")
            bounds = (0.0, number) if upper else (number, math.inf)
            return Token("bound", chunk, number=number, comparator=comparator, bounds=bounds)
    text = _clean(words[index].text)
    if match := _VALUE.match(text):
        return Token(
            "number",
            words[index : index + 1],
            number=_number(match.group(2)),
            comparator=match.group(1),
            flag=match.group(3),
        )
    if text in _FLAGS:
        return Token("flag", words[index : index + 1], flag="H" if text == "Н" else text)
    return Token("other", words[index : index + 1])


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
        text = _clean(word.text).lstrip("(")
        if index and (text[:1].isdigit() or (text[:1] in "<>" and (len(text) > 1 or index + 1 < len(words)))):
            return words[:index], words[index:]
    return words, ()


def analyte_for_label(label: str, *, fuzzy: bool) -> Analyte | None:
    """Labels print a name and an abbreviation, e.g. "Гемоглобин (HGB)" or "C-Reactive Protein, Cardiac".

    The abbreviation in brackets decides first because the full Russian name of RDW-SD and RDW-CV is the
    same; then the whole label, the part before the bracket and each comma-separated part. OCR often
    prefixes a row with specks read as one- or two-letter words, which are dropped when nothing matches.
    """
    words = label.split()
    for start in range(min(3, len(words))):
        if start and len(words[start - 1]) > 2:
            break
        analyte = _analyte_for_words(" ".join(words[start:]), fuzzy=fuzzy)
        if analyte is not None:
            return analyte
    return None


def _analyte_for_words(label: str, *, fuzzy: bool) -> Analyte | None:
    inside = re.findall(r"\(([^()]*)\)", label)
    outside = re.sub(r"\([^()]*\)?", " ", label)
    candidates = [*inside, label, outside, *outside.split(",")]
    for candidate in candidates:
        analyte = match_label(candidate)
        if analyte is not None:
            return analyte
    for candidate in (label, outside):
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
    printed: str = ""
    range_decimals: int = 0
    # named from a garbled label and the row's unit (OCR only)
    label_guessed: bool = False


def parse_row(line: Line, columns: list[Column] | None, *, ocr: bool) -> Row | None:
    label_words, rest = split_label(line.words)
    label = " ".join(word.text for word in label_words)
    analyte = analyte_for_label(label, fuzzy=ocr)
    if (analyte is None and not ocr) or not rest:
        return None
    tokens = tokenize(rest)
    tolerance = line.height
    roles = {column.role for column in columns or []}
    ordered = [column.role for column in sorted(columns or [], key=lambda column: column.x0)]
    unit_first = "unit" in roles and ordered.index("unit") < ordered.index("result")
    value_index: int | None = None
    for index, token in enumerate(tokens):
        if token.kind == "range" or (token.kind == "unit" and not unit_first):
            break
        is_value = token.kind == "number" or (token.kind == "bound" and token.comparator in ("<", ">"))
        if not is_value:
            continue
        if columns is not None and _role(columns, token.words[0], tolerance) not in ("result", None):
            continue
        value_index = index
        break
    if value_index is None:
        return None
    value = tokens[value_index]
    if value.number is None:
        return None
    after = tokens[value_index + 1 :]
    unit_token = next((token for token in after if token.kind == "unit"), None)
    if unit_token is None and unit_first:
        unit_token = next((token for token in tokens[:value_index] if token.kind == "unit"), None)
    unit_garbled = unit_token is None and _has_unit_column_text(after, columns, tolerance)
    reference = next((token for token in after if token.kind == "range"), None) or next(
        (token for token in after if token.kind == "bound"), None
    )
    flag = value.flag or next(
        (
            token.flag
            for token in after
            if token.kind == "flag" and (reference is None or token.x0 < reference.x0)
        ),
        None,
    )
    guessed = analyte is None
    if analyte is None:
        analyte = guess_label(label, normalize_unit(unit_token.text)) if unit_token else None
        if analyte is None:
            return None
    number: float = value.number
    if ocr and reference is not None and reference.bounds is not None:
        number, flag = _repair_arrow(value, number, after[:1], reference.bounds, reference.text, flag)
    qualifier: Literal["<", ">"] | None = (
        "<" if value.comparator == "<" else ">" if value.comparator == ">" else None
    )
    return Row(
        analyte=analyte,
        number=number,
        qualifier=qualifier,
        unit=_clean(unit_token.text) if unit_token else None,
        reference=_reference_text(reference) if reference else None,
        bounds=reference.bounds if reference else None,
        flag=flag,
        unit_garbled=unit_garbled,
        words=label_words + value.words,
        printed=_clean(value.text),
        range_decimals=_decimals(reference.text) if reference else 0,
        label_guessed=guessed,
    )


def _decimals(text: str) -> int:
    match = re.search(r"[.,](\d+)", text)
    return len(match.group(1)) if match else 0


def _repair_arrow(
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

    text = _clean(value.words[-1].text)
    if flag in ("}", "{", "+"):
        return number, arrow(number)
    if flag is not None:
        return number, flag
    if following and _clean(following[0].text) in _ARROW_MISREADS:
        return number, arrow(number)
    if text[-1:] in ("1", "4") and _decimals(text) == _decimals(range_text) + 1 >= 2:
        shorter = _number(text.lstrip("<>")[:-1])
        if arrow(shorter) is not None and arrow(number) is not None:
            return shorter, arrow(shorter)
    return number, None


def _has_unit_column_text(tokens: list[Token], columns: list[Column] | None, tolerance: float) -> bool:
    """Whether something stands in the unit column that is not a unit we know (likely an OCR misread)."""
    if columns is None:
        return any(token.kind == "other" for token in tokens)
    return any(
        token.kind == "other" and _role(columns, token.words[0], tolerance) == "unit" for token in tokens
    )


def _reference_text(token: Token) -> str:
    text = _clean(token.text)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text.rstrip(",;").strip()


def _unitless(analyte: Analyte, number: float) -> float | None:
    """The canonical value of a number printed without a unit, when exactly one of the units labs leave
    unprinted makes it plausible (the catalog's candidates do not overlap: 128 is g/L, 12.8 is g/dL)."""
    try:
        return convert(analyte, number, None).value
    except UnitError:
        return None


def _lost_decimal_separator(number: float, bounds: tuple[float, float] | None) -> bool:
    """An OCR value ten or more times above its own printed range most often lost its decimal comma."""
    return bounds is not None and bounds[1] > 0 and number > bounds[1] * 10


def _repair_unit(analyte: Analyte, unit: str) -> str:
    """OCR reads the micro sign as "p" (µmol/L as pmol/L) and "m" as "rn"; such a misread is undone only
    when the printed spelling is not a unit of this analyte and the repaired one is."""
    if normalize_unit(unit) in analyte.units:
        return unit
    for wrong, right in (("p", "µ"), ("rn", "m")):
        repaired = unit.replace(wrong, right, 1)
        if normalize_unit(repaired) in analyte.units:
            return repaired
    return unit


def _contradicts_range(row: Row) -> bool:
    """An OCR value that its own row disowns: a low flag on a value above the range (or the reverse), or
    an out-of-range value with no flag and fewer decimals than the range prints (a lost decimal comma)."""
    if row.bounds is None:
        return False
    low, high = row.bounds
    flag = (row.flag or "").upper()
    if (flag in ("L", "LL", "↓", "↓↓", "LOW") and row.number > high) or (
        flag in ("H", "HH", "↑", "↑↑", "HIGH") and row.number < low
    ):
        return True
    outside = row.number < low or row.number > high
    return outside and row.flag is None and _decimals(row.printed) < row.range_decimals


def to_lab_value(row: Row, line: Line, *, ocr: bool, reading: Reading) -> LabValue | None:
    analyte = row.analyte
    unit_key = normalize_unit(row.unit) if row.unit else None
    if analyte.code in ("rdw_cv", "rdw_sd") and unit_key is not None and unit_key not in analyte.units:
        # A bare "RDW" is named by its unit: fL is the SD, % the CV. Never a conversion between them.
        analyte = BY_CODE["rdw_sd" if unit_key == "fl" else "rdw_cv"]

    def not_used(code: WarningCode, unit: str | None = None) -> None:
        reading.warnings.append(ReportWarning.of(code, analyte=analyte.code, page=line.page, unit=unit))

    if ocr and (_lost_decimal_separator(row.number, row.bounds) or _contradicts_range(row)):
        not_used("value_misread")
        return None
    unit_confidence = 1.0
    if row.unit is not None:
        unit = _repair_unit(analyte, row.unit) if ocr else row.unit
        try:
            canonical = convert(analyte, row.number, unit).value
        except UnitError:
            not_used("unit_not_accepted", unit=row.unit)
            return None
        unit_confidence = 1.0 if unit == row.unit else 0.8
    else:
        resolved = _unitless(analyte, row.number)
        if resolved is None:
            not_used("unit_missing")
            return None
        canonical = resolved
        # A value whose unit is left blank (or unreadable) is right less often than one with its unit.
        unit_confidence = 0.6 if row.unit_garbled else 0.8
    if not is_plausible(analyte, canonical):
        not_used("value_implausible")
        return None
    text_confidence = min(word.confidence for word in row.words) if ocr else 1.0
    label_confidence = 0.7 if row.label_guessed else 1.0
    return LabValue(
        analyte=analyte.code,
        value=row.number,
        unit=row.unit,
        normalized_value=round(canonical, 6),
        normalized_unit=analyte.canonical_unit,
        qualifier=row.qualifier,
        reference_range=row.reference,
        flag=row.flag,
        confidence=round(min(0.95 if ocr else 1.0, text_confidence) * unit_confidence * label_confidence, 3),
        page=line.page,
        source_line=line.text,
    )


def read_values(lines: list[Line], *, ocr_pages: frozenset[int]) -> Reading:
    reading = Reading()
    columns: list[Column] | None = None
    skipping = False
    page = 0
    for line in lines:
        if line.page != page:
            page, columns = line.page, None
        header = header_columns(line)
        if header is not None:
            columns = header
            continue
        ocr = line.page in ocr_pages
        row = parse_row(line, columns, ocr=ocr)
        if row is None:
            if _NON_BLOOD_SECTION.search(line.text):
                skipping = True
            elif _BLOOD_SECTION.search(line.text):
                skipping = False
            continue
        reading.labels_seen += 1
        if skipping:
            continue
        value = to_lab_value(row, line, ocr=ocr, reading=reading)
        if value is not None:
            reading.values.append(value)
    return reading


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


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "янв"),
            ("feb", "фев"),
            ("mar", "мар"),
            ("apr", "апр"),
            ("may", "мая", "май"),
            ("jun", "июн"),
            ("jul", "июл"),
            ("aug", "авг"),
            ("sep", "сен"),
            ("oct", "окт"),
            ("nov", "ноя"),
            ("dec", "дек"),
        ),
        start=1,
    )
    for name in names
}
_DATE = re.compile(
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<num>(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}))(?!\d)"
    r"|(?P<text>(?P<td>\d{1,2})[\s-](?P<tm>[a-zа-я]{3,9})\.?[\s-](?P<ty>\d{4}))",
    re.IGNORECASE,
)
_COLLECTED = re.compile(
    r"дата\s+(?:взятия|забора|сбора)|взяти[ея]\s+(?:биоматериала|крови|образца)|забор\s+(?:крови|биоматериала)"
    r"|collected|collection\s+date|date\s+of\s+collection|specimen\s+date|sample\s+date|sampled",
    re.IGNORECASE,
)
_BIRTH = re.compile(r"дата\s+рождения|д\.\s?р\.|\bdob\b|date\s+of\s+birth|\bborn\b", re.IGNORECASE)
_SEX = re.compile(
    r"(?:\bпол|\bsex|\bgender)\s*[:.]?\s*(женский|жен|ж|мужской|муж|м|female|male|f|m)(?![а-яa-z])",
    re.IGNORECASE,
)
_AGE = re.compile(r"(?:возраст|\bage)\s*[:.]?\s*(\d{1,3})(?!\d)", re.IGNORECASE)


def parse_date(match: re.Match[str], *, month_first: bool) -> date | None:
    try:
        if match.group("iso"):
            return date(int(match.group("iy")), int(match.group("im")), int(match.group("id")))
        if match.group("text"):
            month = _MONTHS.get(match.group("tm").lower()[:3])
            return date(int(match.group("ty")), month, int(match.group("td"))) if month else None
        first, second, year = int(match.group("a")), int(match.group("b")), int(match.group("y"))
        if year < 100:
            year += 2000
        if match.group("sep") == "/" and (first <= 12 < second or (month_first and second <= 12)):
            first, second = second, first
        return date(year, second, first)
    except ValueError:
        return None


def _date_after(pattern: re.Pattern[str], text: str, *, month_first: bool) -> date | None:
    keyword = pattern.search(text)
    if keyword is None:
        return None
    match = _DATE.search(text, keyword.end())
    return parse_date(match, month_first=month_first) if match else None


def read_person(lines: list[Line], report: LabReport) -> None:
    """Collection date, sex and age. Dates with slashes are month-first only in US-style reports."""
    texts = [_clean(line.text) for line in lines]
    month_first = any(re.search(r"/dL\b|x10E\d", text) for text in texts)
    collected: list[date] = []
    birth: date | None = None
    for text in texts:
        for piece in re.split(
            r"(?=(?:\bDate\s|\bDOB\b|Collected|Received|Reported|Дата|Возраст|Пол\b))", text
        ):
            when = _date_after(_COLLECTED, piece, month_first=month_first)
            if when is not None and when not in collected:
                collected.append(when)
            birth = birth or _date_after(_BIRTH, piece, month_first=month_first)
        if report.sex is None and (sex := _SEX.search(text)):
            report.sex = "female" if sex.group(1).lower()[0] in "жf" else "male"
        if report.age is None and (age := _AGE.search(text)) and 0 < int(age.group(1)) <= 120:
            report.age = float(age.group(1))
    if collected:
        report.collection_date = max(collected)
        if len(collected) > 1:
            printed = sorted(day.isoformat() for day in collected)
            report.warnings.append(ReportWarning.of("several_collection_dates", items=printed))
    if report.age is None and birth is not None and report.collection_date is not None:
        day = report.collection_date
        report.age = float(day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day)))


def count_labels(lines: list[Line]) -> int:
    """How many lines start with an analyte's name: tells a page read upside down from one read upright."""
    return sum(
        1
        for line in lines
        if analyte_for_label(" ".join(word.text for word in split_label(line.words)[0]), fuzzy=True)
        is not None
    )

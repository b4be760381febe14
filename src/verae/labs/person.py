"""The person and the date on a report: collection date (never the birth, receipt or report date), sex
and age (or the age computed from a date of birth)."""

from __future__ import annotations

import re
from datetime import date

from rapidfuzz.distance import Levenshtein

from verae.labs.languages import fold, page_language
from verae.labs.layout import Line
from verae.labs.schemas import LabReport, ReportWarning, Sex
from verae.labs.tokens import clean

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "янв", "січ"),
            ("feb", "фев", "лют"),
            ("mar", "мар", "бер"),
            ("apr", "апр", "кві"),
            ("may", "мая", "май", "тра"),
            ("jun", "июн", "чер"),
            ("jul", "июл", "лип"),
            ("aug", "авг", "сер"),
            ("sep", "сен", "вер"),
            ("oct", "окт", "жов"),
            ("nov", "ноя", "лис"),
            ("dec", "дек", "гру"),
        ),
        start=1,
    )
    for name in names
}
_DATE = re.compile(
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<num>(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}))(?!\d)"
    r"|(?P<text>(?P<td>\d{1,2})[\s-](?P<tm>[a-zа-яіїє]{3,9})\.?[\s-](?P<ty>\d{4}))",
    re.IGNORECASE,
)


def _strokes_for_l(pattern: str) -> str:
    """A keyword's pattern that also takes OCR's readings of its letter l: an upright stroke, read as i,
    1, I or | as often as l (`Coliected`, `Geschiecht`, `Numune Aima`). Only the keyword's own letters
    widen, so it still has to be printed whole, in its place."""
    return pattern.replace("l", "[l1i|]")


# A dotted date with a comma for one of its dots ("20,10.2024"): OCR reads a low dot as a comma, and no
# lab separates a date's parts with commas.
_DOTTED_DATE = re.compile(r"\b\d{1,2}[.,]\d{1,2}[.,](?:\d{4}|\d{2})(?!\d)")
# "Дата взятия" read "Дата взятии": OCR reads a blurred я as и, and after "Дата" no lab prints that case
_COLLECTED = re.compile(
    _strokes_for_l(
        r"дата\s+(?:взяти[яи]|забора|сбора)|взяти[ея]\s+(?:биоматериала|крови|образца)"
        r"|забор\s+(?:крови|биоматериала)"
        r"|дата\s+(?:взяття|забору|відбору)|взяття\s+(?:біоматеріалу|крові|зразка)"
        r"|collected|collection\s+dat[eé]|dat[eé]\s+of\s+collection|specimen\s+dat[eé]|sample\s+dat[eé]|sampled"
        r"|pr.lev.|pr.l.vement|fecha\s+de\s+(?:extracci.n|toma|obtenci.n)|data\s+d[ae]\s+coleta|coletado"
        r"|entnahme|abnahme|data\s+(?:del\s+)?prelievo|numune\s+alma|örnek\s+alma"
    ),
    re.IGNORECASE,
)
_BIRTH = re.compile(
    r"дата\s+рождения|дата\s+народження|д\.\s?р\.|\bdob\b|date\s+of\s+birth|\bborn\b"
    r"|date\s+de\s+naissance|née?\s+le|fecha\s+de\s+nacimiento|data\s+de\s+nascimento|geburtsdatum"
    r"|data\s+di\s+nascita|doğum\s+tarihi",
    re.IGNORECASE,
)
# a speck beside a keyword's colon, or before the word or number after it, that OCR reads as a quote
_SPECKS = "’'‘`"
# the word for sex in nine languages, then the printed sex (the colon OCR may read as ";", a speck before
# it as a quote: "Sexe’: Masculin"). Russian "пол" takes its л read as д or п too ("Под:", "Поп:"; the
# three share л's two legs) where its colon follows, as "под" and "поп" are words of their own.
_AFTER_SEX_WORD = rf"\b\s*[{_SPECKS}]?\s*[:.;]?"
_RUSSIAN_SEX = rf"\bпо(?:л|[дп](?=\s*[{_SPECKS}]?\s*[:;]))"
_SEX_WORD = (
    _strokes_for_l(
        rf"(?:{_RUSSIAN_SEX}|\bстать|\bsex|\bgender|\bsexe|\bsexo|\bgeschlecht|\bsesso|\bcinsiyet(?:i)?)"
    )
    + _AFTER_SEX_WORD
)
_SEX = re.compile(rf"{_SEX_WORD}[\s|]*([^\W\d_]+)", re.IGNORECASE)
# Russian forms print the sex as м or ж; OCR reads a blurred ж, its middle stroke lost, as x or х, which
# no language prints for a sex after "Пол"
_RUSSIAN_FEMALE_AS_X = re.compile(rf"{_RUSSIAN_SEX}{_AFTER_SEX_WORD}[\s|]*[xх]\b", re.IGNORECASE)
# the word for sex followed by anything: a word, or a letter read as a digit ("Sex: 4" for "Sex: M")
_SEX_FOLLOWED = re.compile(rf"{_SEX_WORD}\s*[^\W_]", re.IGNORECASE)
# the word for sex closing its line, nothing but specks after it ("Пол: |")
_SEX_WORD_ALONE = re.compile(rf"{_SEX_WORD}[^\w]*$", re.IGNORECASE)
_FEMALE_WORDS = frozenset(
    fold(word)
    for word in (
        "женский",
        "жен",
        "ж",
        "жіноча",
        "жін",
        "female",
        "féminin",
        "femenino",
        "mujer",
        "feminino",
        "weiblich",
        "femmina",
        "kadin",  # "kadın" with its dotless ı folded, as OCR reads it ("Kadin")
        "f",
        "w",
    )
)
_MALE_WORDS = frozenset(
    fold(word)
    for word in (
        "мужской",
        "муж",
        "м",
        "чоловіча",
        "чол",
        "ч",
        "male",
        "masculin",
        "masculino",
        "hombre",
        "männlich",
        "maschio",
        "erkek",
        "m",
    )
)
# A printed sex word OCR garbled by one letter ("Maile", "Femaie") is still read when it is at least this
# long and one edit from the words of one sex only ("female" and "male" are two apart).
FUZZY_SEX_LETTERS = 4
# Russian OCR reads Ukrainian "Вік" in Latin look-alikes ("Bik"), as it has no "і".
# OCR drops the accent of Italian "Età" ("Eta:61"), as it does Turkish "Yaş"'s cedilla, and reads its E as
# the euro sign ("€ta: 60", the same letter with a second bar). A letter OCR reads for a 1 glued after the
# digits ("41y" read "4ly") may be a digit lost: no age is read from it. Nor from digits a separator cuts
# ("2.1" for 21): an age is printed in whole years, so a speck or a fraction stands there, and its first
# digits alone are no age.
_AGE = re.compile(
    _strokes_for_l(r"(?:возраст|\b[вb][іi][кk]|\bage|âge|\bedad|\bidade|\balter|(?<!\w)[e€]t[àa]|\bya[şs])")
    + rf"[\s:.;{_SPECKS}]*(\d{{1,3}})(?![\dlI|]|[.,]\d)",
    re.IGNORECASE,
)
# On the line that names the sex, an age whose keyword OCR garbled ("Вік: 62 р." read "Ви: 62 р.", Russian OCR
# having no "і"): one to three digits and a word for years, not the end of a date ("28.04.2024 р.")
_AGE_IN_YEARS = re.compile(
    r"(?<![\d.,/:-])(\d{1,3})\s*"
    r"(?:years?|yrs?|лет|года?|роки|років|рік|р\.|ans|años|anos|jahre|anni|yaş)(?!\w)",
    re.IGNORECASE,
)
# "Age / Sex: 34 Years / Female", common on Indian reports; OCR reads the first slash as a stroke, 1 or l
# ("Age 1 Sex: 64 Years / Male"), which no age between the two labels prints
_AGE_SEX = re.compile(
    rf"\bage\s*[/|1lI]\s*(?:sex|gender)\s*[:.;{_SPECKS}]*\s*(\d{{1,3}})"
    r"[\s.,]*(?:years?|yrs?|y)?\.?\s*/\s*([^\W\d_]+)",
    re.IGNORECASE,
)


def _sex(printed: str) -> Sex | None:
    """The sex a word printed after "Sex:" names, or None when it names none. Accents are compared
    folded: OCR drops them ("manniich" is one letter from "männlich", not two)."""
    word = fold(printed)
    if word in _FEMALE_WORDS:
        return "female"
    if word in _MALE_WORDS:
        return "male"
    if len(word) < FUZZY_SEX_LETTERS:
        return None
    sexes: tuple[tuple[Sex, frozenset[str]], ...] = (("female", _FEMALE_WORDS), ("male", _MALE_WORDS))
    near = {
        sex
        for sex, words in sexes
        if any(Levenshtein.distance(word, known, score_cutoff=1) <= 1 for known in words)
    }
    return near.pop() if len(near) == 1 else None


def sex_named(text: str) -> Sex | None:
    """The sex a line names after the word for sex (or after the age on an "Age / Sex" line), or None."""
    if (both := _AGE_SEX.search(text)) and (found := _sex(both.group(2))):
        return found
    named = next((found for match in _SEX.finditer(text) if (found := _sex(match.group(1)))), None)
    return "female" if named is None and _RUSSIAN_FEMALE_AS_X.search(text) else named


def sex_unread(text: str) -> bool:
    """Whether a line prints the word for sex followed by a word or digit that names none ("Sex: 4" for
    "Sex: M", "Sex: Е" for F), and names no sex."""
    return _SEX_FOLLOWED.search(text) is not None and sex_named(text) is None


def person_named(text: str) -> int:
    """How many of the person's fields (sex, age) a line names: a second reading of a person line is kept
    when it names more of them than the first."""
    aged = _AGE_SEX.search(text) is not None or _AGE.search(text) is not None
    return (sex_named(text) is not None) + aged


def _sex_beside(line: Line, lines: list[Line]) -> Sex | None:
    """The sex printed after a word for sex that OCR put on a line of its own ("Пол:" above "м Возраст: 72":
    a speck beside the label made its box taller than the line): the first word of another line that
    starts right after the label, its middle within the label's height. A form prints the sex right after
    its label, so the word standing there is the sex or names none."""
    label = next((word for word in reversed(line.words) if any(char.isalnum() for char in word.text)), None)
    if label is None:
        return None
    for other in lines:
        if other is line or other.page != line.page or not other.words:
            continue
        first = other.words[0]
        beside = 0 <= first.x0 - label.x1 <= 2 * first.height
        if beside and label.top <= (first.top + first.bottom) / 2 <= label.bottom:
            return _sex(clean(first.text).strip(".,:;"))
    return None


def parse_date(match: re.Match[str], *, month_first: bool) -> date | None:
    """The date a match names, or None when it names none, or one no report can bear (an OCR misread
    such as 2624, or a year before 1900)."""
    day = _calendar_date(match, month_first=month_first)
    if day is None or not 1900 <= day.year <= date.today().year + 1:
        return None
    return day


def _calendar_date(match: re.Match[str], *, month_first: bool) -> date | None:
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
    after = _DOTTED_DATE.sub(lambda date_read: date_read.group().replace(",", "."), text[keyword.end() :])
    match = _DATE.search(after)
    return parse_date(match, month_first=month_first) if match else None


def _misshapen_at(line: Line, position: int) -> bool:
    """Whether the word at `position` of the line's text holds digits its pixels disown
    (`ocr.misshapen_digits`): a monospace font's dotted zero read as 6 or 9 (`80` read `86`), which no
    range checks in an age."""
    start = 0
    for word in line.words:
        if start <= position < start + len(word.text):
            return word.misshapen
        start += len(word.text) + 1
    return False


def read_person(lines: list[Line], report: LabReport) -> None:
    """Collection date, sex and age. Dates with slashes are month-first only in US-style reports."""
    texts = [clean(line.text) for line in lines]
    # "/dL" is printed in France, Spain and Italy too, whose dates are day-first
    month_first = any(re.search(r"/dL\b|x10E\d", text) for text in texts) and (
        page_language(word for text in texts for word in text.split()) is None
    )
    collected: list[date] = []
    birth: date | None = None
    for line, text in zip(lines, texts, strict=True):
        for piece in re.split(
            r"(?=(?:\bDate\s|\bDOB\b|Collected|Received|Reported|Дата|Возраст|Пол\b|Prélev|Fecha|Data\s|Entnahme"
            r"|Numune|Örnek|Geburt|Doğum))",
            text,
        ):
            when = _date_after(_COLLECTED, piece, month_first=month_first)
            if when is not None and when not in collected:
                collected.append(when)
            birth = birth or _date_after(_BIRTH, piece, month_first=month_first)
        if (both := _AGE_SEX.search(text)) and report.age is None and 0 < int(both.group(1)) <= 120:
            report.age = float(both.group(1))
        named = sex_named(text)
        if report.sex is None:
            report.sex = named
        if report.sex is None and _SEX_WORD_ALONE.search(text):
            report.sex = _sex_beside(line, lines)
        if (
            report.age is None
            and (age := _AGE.search(text))
            and 0 < int(age.group(1)) <= 120
            and not _misshapen_at(line, age.start(1))
        ):
            report.age = float(age.group(1))
        if (
            report.age is None
            and named is not None
            and (years := _AGE_IN_YEARS.search(text))
            and 0 < int(years.group(1)) <= 120
            and not _misshapen_at(line, years.start(1))
        ):
            report.age = float(years.group(1))
    if collected:
        report.collection_date = max(collected)
        if len(collected) > 1:
            printed = sorted(day.isoformat() for day in collected)
            report.warnings.append(ReportWarning.of("several_collection_dates", items=printed))
    if report.age is None and birth is not None and report.collection_date is not None:
        day = report.collection_date
        report.age = float(day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day)))

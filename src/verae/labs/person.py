"""The person and the date on a report: collection date (never the birth, receipt or report date), sex
and age (or the age computed from a date of birth)."""

from __future__ import annotations

import re
from datetime import date

from verae.labs.layout import Line
from verae.labs.schemas import LabReport, ReportWarning
from verae.labs.tokens import clean

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
    texts = [clean(line.text) for line in lines]
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

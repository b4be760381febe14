"""A printable report of results in English or Russian: values, risk, an explanation chart, the disclaimer.

Drawn in DejaVu Sans (Debian `fonts-dejavu-core`, installed by `scripts/install-system-deps.sh` and the
Dockerfile): reportlab's built-in fonts have no Cyrillic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.models import Result
from verae.risk.features import BY_NAME as FEATURES_BY_NAME
from verae.risk.schemas import Explanation, Language, RiskResult

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
pdfmetrics.registerFont(TTFont("DejaVu", f"{FONT_DIR}/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", f"{FONT_DIR}/DejaVuSans-Bold.ttf"))
pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold")


def _style(name: str, *, bold: bool = False, size: float | None = None) -> ParagraphStyle:
    base = getSampleStyleSheet()[name]
    return ParagraphStyle(
        f"verae-{name}",
        parent=base,
        fontName="DejaVu-Bold" if bold else "DejaVu",
        fontSize=size or base.fontSize,
        leading=(size or base.fontSize) * 1.25,
    )


_TITLE, _HEADING, _BODY = _style("Title", bold=True), _style("Heading2", bold=True), _style("Normal")
_SMALL = _style("Normal", size=8)
_TABLE_HEADER, _TABLE_CELL = _style("Normal", bold=True, size=9), _style("Normal", size=9)

# The report's own words (the web app's, for tiers and confidence); the estimate's texts come in both
# languages with the result.
_WORDS: dict[str, dict[Language, str]] = {
    "title": {"en": "Verae blood-test report", "ru": "Отчёт Verae по анализу крови"},
    "no_results": {"en": "No results.", "ru": "Нет результатов."},
    "collected": {"en": "Collected", "ru": "Дата взятия"},
    "not_printed": {"en": "not printed", "ru": "не указана"},
    "analysed": {"en": "Analysed", "ru": "Проанализировано"},
    "female": {"en": "female", "ru": "женщина"},
    "male": {"en": "male", "ru": "мужчина"},
    "age": {"en": "age", "ru": "возраст"},
    "risk": {"en": "Iron-deficiency risk", "ru": "Риск дефицита железа"},
    "confidence": {"en": "confidence", "ru": "уверенность"},
    "model": {"en": "model", "ru": "модель"},
    "values": {"en": "Values", "ru": "Показатели"},
    "analyte": {"en": "Analyte", "ru": "Показатель"},
    "value": {"en": "Value", "ru": "Значение"},
    "as_printed": {"en": "As printed", "ru": "Как в бланке"},
    "range": {"en": "Reference range", "ru": "Референсный интервал"},
    "flag": {"en": "Flag", "ru": "Отметка"},
    "moved": {"en": "What moved the estimate", "ru": "Что повлияло на оценку"},
    "legend": {
        "en": "Bars to the right (red) raised the risk, bars to the left (green) lowered it.",
        "ru": "Полосы вправо (красные) повышают риск, влево (зелёные) — понижают.",
    },
    "tier.HIGH": {"en": "High", "ru": "Высокий"},
    "tier.WARNING": {"en": "Elevated", "ru": "Повышенный"},
    "tier.GRAY": {"en": "Borderline", "ru": "Пограничный"},
    "tier.LOW": {"en": "Low", "ru": "Низкий"},
    "confidence.high": {"en": "high", "ru": "высокая"},
    "confidence.medium": {"en": "medium", "ru": "средняя"},
    "confidence.low": {"en": "low", "ru": "низкая"},
}
_RAISES, _LOWERS = colors.HexColor("#c0392b"), colors.HexColor("#2e7d32")
CHART_WIDTH, BAR_HEIGHT = 170 * mm, 14


def render_results_pdf(results: Sequence[Result], language: Language = "en") -> bytes:
    words = {key: text[language] for key, text in _WORDS.items()}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=words["title"],
        author="Verae",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    )
    story: list[Flowable] = []
    for index, result in enumerate(results):
        if index:
            story.append(PageBreak())
        story.extend(_result_story(result, language, words))
    if not results:
        story.append(_text(words["no_results"]))
    document.build(story)
    return buffer.getvalue()


def _text(value: str) -> Paragraph:
    return Paragraph(escape(value), _BODY)


def _result_story(result: Result, language: Language, words: dict[str, str]) -> list[Flowable]:
    risk = RiskResult.model_validate(result.risk)
    report = LabReport.model_validate(result.report)
    collected = result.collection_date.isoformat() if result.collection_date else words["not_printed"]
    person = ", ".join(
        part
        for part in (
            words[report.sex] if report.sex else None,
            f"{words['age']} {report.age:g}" if report.age is not None else None,
        )
        if part
    )
    tier, confidence = words[f"tier.{risk.risk_tier}"], words[f"confidence.{risk.confidence}"]
    story: list[Flowable] = [
        Paragraph(escape(words["title"]), _TITLE),
        _text(
            f"{words['collected']}: {collected}. {words['analysed']}: {result.created_at:%Y-%m-%d}. {person}".strip()
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(words["risk"]), _HEADING),
        _text(
            f"{risk.risk_percent:.0f}% ({tier}), {words['confidence']} {confidence},"
            f" {words['model']} {risk.model_version}."
        ),
        _text(risk.clinical_action.in_language(language)),
    ]
    if risk.age_caveat is not None:
        story.append(_text(risk.age_caveat.in_language(language)))
    if risk.measured_iron_status is not None:
        story.append(_text(risk.measured_iron_status.text.in_language(language)))
    story += [Paragraph(escape(words["values"]), _HEADING), _values_table(report, language, words)]
    if risk.explanations:
        story += [
            Paragraph(escape(words["moved"]), _HEADING),
            _text(words["legend"]),
            _explanation_chart(risk.explanations, language),
        ]
    story += [Spacer(1, 6 * mm), Paragraph(escape(risk.disclaimer.in_language(language)), _SMALL)]
    return story


# Analyte, value, as printed, reference range, flag: the page's 170 mm text width.
_COLUMN_WIDTHS = [m * mm for m in (56, 26, 28, 36, 24)]


def _values_table(report: LabReport, language: Language, words: dict[str, str]) -> Table:
    header = [
        Paragraph(escape(words[key]), _TABLE_HEADER)
        for key in ("analyte", "value", "as_printed", "range", "flag")
    ]
    rows: list[list[Flowable]] = [header]
    for value in report.values:
        analyte = BY_CODE.get(value.analyte)
        printed = f"{value.qualifier or ''}{value.value:g} {value.unit or ''}".strip()
        cells = [
            (analyte.name_ru if language == "ru" else analyte.name_en) if analyte else value.analyte,
            f"{value.qualifier or ''}{value.normalized_value:g} {value.normalized_unit}",
            printed,
            value.reference_range or "",
            value.flag or "",
        ]
        rows.append([Paragraph(escape(cell), _TABLE_CELL) for cell in cells])
    table = Table(rows, colWidths=_COLUMN_WIDTHS, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
            ]
        )
    )
    return table


def _explanation_chart(explanations: Sequence[Explanation], language: Language) -> Drawing:
    """One horizontal bar per input, from a centre line: right (red) raises the estimate, left lowers it."""
    label_width = 60 * mm
    half = (CHART_WIDTH - label_width) / 2
    centre = label_width + half
    largest = max(abs(item.contribution) for item in explanations) or 1.0
    height = BAR_HEIGHT * len(explanations) + 4
    drawing = Drawing(CHART_WIDTH, height)
    for row, item in enumerate(explanations):
        y = height - BAR_HEIGHT * (row + 1)
        length = half * abs(item.contribution) / largest
        left = centre if item.contribution >= 0 else centre - length
        colour = _RAISES if item.direction == "raises" else _LOWERS
        drawing.add(Rect(left, y + 2, length, BAR_HEIGHT - 4, fillColor=colour, strokeColor=None))
        drawing.add(String(0, y + 4, _chart_label(item, language), fontName="DejaVu", fontSize=8))
    drawing.add(Line(centre, 0, centre, height, strokeColor=colors.grey, strokeWidth=0.5))
    return drawing


def _chart_label(item: Explanation, language: Language) -> str:
    """The input's name and value, e.g. "MCV 72 fL" / "MCV 72 фл"; sex is named, not numbered."""
    feature = FEATURES_BY_NAME.get(item.feature)
    if feature is None:
        return item.feature.replace("_", " ").capitalize()
    name = feature.label_ru if language == "ru" else feature.label_en
    if item.value is None:
        return name
    if item.feature == "sex":
        sex = "female" if item.value == 1 else "male"
        return f"{name}: {_WORDS[sex][language]}"
    unit = feature.unit_ru if language == "ru" else item.unit or ""
    return f"{name} {item.value:g} {unit}".rstrip()

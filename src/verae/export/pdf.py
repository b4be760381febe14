"""A printable report of results: values, risk, an explanation chart and the disclaimer (English).

Drawn with reportlab's built-in Helvetica, so it needs no font files; every text in it is ASCII or
Latin-1 (catalog names, canonical units, the English texts of the estimate).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from verae.labs.catalog import BY_CODE
from verae.labs.schemas import LabReport
from verae.models import Result
from verae.risk.schemas import Explanation, RiskResult

_STYLES = getSampleStyleSheet()
_RAISES, _LOWERS = colors.HexColor("#c0392b"), colors.HexColor("#2e7d32")
CHART_WIDTH, BAR_HEIGHT = 170 * mm, 14


def render_results_pdf(results: Sequence[Result]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Verae blood-test report",
        author="Verae",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    )
    story: list[Flowable] = []
    for index, result in enumerate(results):
        if index:
            story.append(PageBreak())
        story.extend(_result_story(result))
    if not results:
        story.append(Paragraph("No results.", _STYLES["Normal"]))
    document.build(story)
    return buffer.getvalue()


def _text(value: str) -> Paragraph:
    return Paragraph(escape(value), _STYLES["Normal"])


def _result_story(result: Result) -> list[Flowable]:
    risk = RiskResult.model_validate(result.risk)
    report = LabReport.model_validate(result.report)
    collected = result.collection_date.isoformat() if result.collection_date else "not printed"
    person = ", ".join(
        part for part in (report.sex, f"age {report.age:g}" if report.age is not None else None) if part
    )
    story: list[Flowable] = [
        Paragraph("Verae blood-test report", _STYLES["Title"]),
        _text(f"Collected: {collected}. Analysed: {result.created_at:%Y-%m-%d}. {person}".strip()),
        Spacer(1, 4 * mm),
        Paragraph("Iron-deficiency risk", _STYLES["Heading2"]),
        _text(
            f"{risk.risk_percent:.0f}% ({risk.risk_tier}), confidence {risk.confidence}, model {risk.model_version}."
        ),
        _text(risk.clinical_action.en),
    ]
    if risk.measured_iron_status is not None:
        story.append(_text(risk.measured_iron_status.text.en))
    story += [Paragraph("Values", _STYLES["Heading2"]), _values_table(report)]
    if risk.explanations:
        story += [
            Paragraph("What moved the estimate", _STYLES["Heading2"]),
            _text("Bars to the right (red) raised the risk, bars to the left (green) lowered it."),
            _explanation_chart(risk.explanations),
        ]
    story += [Spacer(1, 6 * mm), Paragraph(f"<i>{escape(risk.disclaimer.en)}</i>", _STYLES["Normal"])]
    return story


def _values_table(report: LabReport) -> Table:
    rows = [["Analyte", "Value", "As printed", "Reference range", "Flag"]]
    for value in report.values:
        analyte = BY_CODE.get(value.analyte)
        printed = f"{value.qualifier or ''}{value.value:g} {value.unit or ''}".strip()
        rows.append(
            [
                analyte.name_en if analyte else value.analyte,
                f"{value.qualifier or ''}{value.normalized_value:g} {value.normalized_unit}",
                printed,
                value.reference_range or "",
                value.flag or "",
            ]
        )
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
            ]
        )
    )
    return table


def _explanation_chart(explanations: Sequence[Explanation]) -> Drawing:
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
        analyte = BY_CODE.get(item.feature)
        name = analyte.name_en if analyte else item.feature.replace("_", " ").capitalize()
        value = f" {item.value:g} {item.unit or ''}".rstrip() if item.value is not None else ""
        drawing.add(String(0, y + 4, f"{name}{value}", fontName="Helvetica", fontSize=8))
    drawing.add(Line(centre, 0, centre, height, strokeColor=colors.grey, strokeWidth=0.5))
    return drawing

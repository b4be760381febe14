"""Write a one-page text PDF lab report for the browser tests: `uv run python web/e2e/make_report_pdf.py OUT`
(with `--no-values`: a letter with no test results, which the reader cannot use).

Plain reportlab (a dev dependency of the project) with the DejaVu font the report generator also uses, so the
PDF has a real text layer, as most laboratory portals produce.
"""

import sys

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

HEADER = [
    "City Clinical Laboratory",
    "Patient: Jane Sample    Sex: Female    Age: 34 years",
    "Date collected: 2024-03-01",
    "",
    "Complete blood count",
]
ROWS = [
    ("Test", "Result", "Units", "Reference range", "Flag"),
    ("Hemoglobin", "10.9", "g/dL", "12.0-15.5", "L"),
    ("MCV", "74", "fL", "80-100", "L"),
    ("MCH", "24.1", "pg", "27-33", "L"),
    ("RDW-CV", "16.2", "%", "11.5-14.5", "H"),
    ("Platelets", "310", "10^9/L", "150-400", ""),
]


LETTER = [
    "City Clinical Laboratory",
    "Dear patient,",
    "your appointment is confirmed for next Tuesday at 10:00.",
    "Please bring your insurance card.",
]


def main(out: str, with_values: bool) -> None:
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    page = canvas.Canvas(out, pagesize=A4)
    _, height = A4
    y = height - 72
    for line in HEADER if with_values else LETTER:
        page.setFont("DejaVu", 14 if line == HEADER[0] else 11)
        page.drawString(56, y, line)
        y -= 20
    columns = (56, 220, 300, 380, 500)
    for row in ROWS if with_values else []:
        page.setFont("DejaVu", 11)
        for x, text in zip(columns, row, strict=True):
            page.drawString(x, y, text)
        y -= 18
    page.showPage()
    page.save()


if __name__ == "__main__":
    main(sys.argv[1], with_values="--no-values" not in sys.argv[2:])

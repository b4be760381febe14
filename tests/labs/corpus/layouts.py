"""Report layouts rendered as text PDFs, each returning the values a perfect reader would extract.

The ground truth is computed here from the generator's own unit factors (written down from the issue,
not imported from verae.labs), so a wrong factor in the catalog shows up as a scoring error.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
pdfmetrics.registerFont(TTFont("DejaVu", f"{FONT_DIR}/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", f"{FONT_DIR}/DejaVuSans-Bold.ttf"))


@dataclass(frozen=True)
class ExpectedValue:
    analyte: str
    value: float
    unit: str | None
    normalized_value: float
    qualifier: str | None
    reference_range: str | None
    flag: str | None
    page: int


@dataclass(frozen=True)
class Truth:
    values: dict[str, ExpectedValue]
    collection_date: date
    sex: str | None
    age: float | None

    def on_page(self, page: int) -> Truth:
        kept = {code: value for code, value in self.values.items() if value.page == page}
        return Truth(kept, self.collection_date, self.sex, self.age)


@dataclass(frozen=True)
class Patient:
    sex: str
    age: int
    birth: date
    collected: date
    deficient: bool
    values: dict[str, float]  # canonical units


def make_patient(rng: random.Random) -> Patient:
    sex = rng.choice(["female", "male"])
    age = rng.randint(18, 80)
    collected = date(2023, 1, 1) + timedelta(days=rng.randint(0, 700))
    birth = collected - timedelta(days=age * 365 + rng.randint(10, 350))
    age = collected.year - birth.year - ((collected.month, collected.day) < (birth.month, birth.day))
    deficient = rng.random() < 0.45
    male = sex == "male"
    hb = rng.gauss(100 if deficient else 138, 11) + (12 if male else 0)
    rbc = rng.gauss(4.3 if deficient else 4.6, 0.35) + (0.4 if male else 0)
    mcv = rng.gauss(74 if deficient else 89, 4)
    tibc = rng.gauss(76 if deficient else 58, 6)
    iron = max(1.5, rng.gauss(6 if deficient else 19, 3 if deficient else 5))
    values = {
        "hemoglobin": hb,
        "rbc": rbc,
        "mcv": mcv,
        "hematocrit": rbc * mcv / 10,
        "mch": hb / rbc,
        "mchc": hb / (rbc * mcv / 10) * 100,
        "rdw_cv": rng.gauss(16.5 if deficient else 13.0, 1.0),
        "rdw_sd": rng.gauss(49 if deficient else 42, 3),
        "platelets": rng.gauss(330 if deficient else 250, 50),
        "wbc": rng.gauss(6.5, 1.4),
        "ferritin": math.exp(rng.gauss(1.9, 0.5)) if deficient else math.exp(rng.gauss(4.1, 0.6)),
        "serum_iron": iron,
        "tibc": tibc,
        "uibc": tibc - iron,
        "transferrin": tibc / 25.1,
        "transferrin_saturation": iron / tibc * 100,
        "crp": math.exp(rng.gauss(0.3, 1.0)),
    }
    return Patient(sex, age, birth, collected, deficient, values)


@dataclass(frozen=True)
class Row:
    analyte: str
    label: str
    unit: str
    # printed value x factor = canonical value, as the issue states the factors
    factor: float
    decimals: int
    low: float | None
    high: float | None
    # below this printed value the lab prints "<limit" instead of a number
    limit: float | None = None


@dataclass(frozen=True)
class Style:
    decimal_comma: bool
    low_flag: str
    high_flag: str
    range_format: str = "{low} - {high}"
    upper_format: str = "< {high}"


@dataclass
class Item:
    x: float
    y: float
    text: str
    size: float
    bold: bool


@dataclass
class Sheet:
    """A cursor over pages: lines of text at fixed columns, top to bottom."""

    pages: list[list[Item]] = field(default_factory=lambda: [[]])
    y: float = 800.0
    truth: dict[str, ExpectedValue] = field(default_factory=dict)

    @property
    def page_number(self) -> int:
        return len(self.pages)

    def line(
        self, cells: list[tuple[float, str]], size: float = 9.0, bold: bool = False, step: float = 15
    ) -> None:
        for x, text in cells:
            if text:
                self.pages[-1].append(Item(x, self.y, text, size, bold))
        self.y -= step

    def gap(self, points: float) -> None:
        self.y -= points

    def new_page(self) -> None:
        self.pages.append([])
        self.y = 800.0

    def expect(self, row: Row, printed: str, reference: str | None, flag: str | None, style: Style) -> None:
        qualifier = "<" if printed.startswith("<") else None
        number = float(printed.lstrip("<").replace(",", "."))
        self.truth.setdefault(
            row.analyte,
            ExpectedValue(
                analyte=row.analyte,
                value=number,
                unit=row.unit or None,
                normalized_value=number * row.factor,
                qualifier=qualifier,
                reference_range=reference.strip("()") if reference else None,
                flag=flag,
                page=self.page_number,
            ),
        )

    def render(self) -> bytes:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
        for page in self.pages:
            for item in page:
                pdf.setFont("DejaVu-Bold" if item.bold else "DejaVu", item.size)
                pdf.drawString(item.x, item.y, item.text)
            pdf.showPage()
        pdf.save()
        return buffer.getvalue()


def fmt(number: float, decimals: int, style: Style) -> str:
    text = f"{number:.{decimals}f}"
    return text.replace(".", ",") if style.decimal_comma else text


def printed_value(row: Row, patient: Patient, style: Style) -> tuple[str, float]:
    value = round(patient.values[row.analyte] / row.factor, row.decimals)
    if row.limit is not None and value < row.limit:
        return "<" + fmt(row.limit, row.decimals, style), row.limit
    return fmt(value, row.decimals, style), value


def reference_text(row: Row, style: Style) -> str | None:
    decimals = row.decimals
    if row.low is None and row.high is not None:
        return style.upper_format.format(high=fmt(row.high, decimals, style))
    if row.low is None or row.high is None:
        return None
    return style.range_format.format(low=fmt(row.low, decimals, style), high=fmt(row.high, decimals, style))


def flag_for(row: Row, value: float, style: Style, qualifier: bool) -> str | None:
    if qualifier:
        return None
    if row.low is not None and value < row.low:
        return style.low_flag
    if row.high is not None and value > row.high:
        return style.high_flag
    return None


def russian_years(age: int) -> str:
    if age % 10 == 1 and age % 100 != 11:
        return f"{age} год"
    if 2 <= age % 10 <= 4 and not 12 <= age % 100 <= 14:
        return f"{age} года"
    return f"{age} лет"


def table_rows(
    sheet: Sheet,
    rows: list[Row],
    patient: Patient,
    style: Style,
    columns: Callable[[Row, str, str | None, str | None], list[tuple[float, str]]],
) -> None:
    for row in rows:
        printed, number = printed_value(row, patient, style)
        reference = reference_text(row, style)
        flag = flag_for(row, number, style, printed.startswith("<"))
        sheet.line(columns(row, printed, reference, flag))
        sheet.expect(row, printed, reference, flag, style)


def noise_rows(sheet: Sheet, rows: list[tuple[str, str, str, str]], xs: tuple[float, ...]) -> None:
    """Rows a reader must not take as blood values (differential, urinalysis, other tests)."""
    for cells in rows:
        sheet.line([(x, text) for x, text in zip(xs, cells, strict=False)])


RU_STYLE = Style(decimal_comma=True, low_flag="↓", high_flag="↑")
RU_DIFF = [
    ("Нейтрофилы (NEUT%)", "58,1", "%", "47,0 - 72,0"),
    ("Лимфоциты (LYMPH%)", "31,4", "%", "19,0 - 37,0"),
    ("Моноциты (MONO%)", "7,2", "%", "3,0 - 12,0"),
    ("СОЭ (по Вестергрену)", "12", "мм/ч", "2 - 20"),
]
RU_URINE = [
    ("Цвет", "соломенно-жёлтый", "", ""),
    ("Удельный вес", "1,015", "", "1,010 - 1,025"),
    ("pH", "6,0", "", "5,0 - 7,0"),
    ("Гемоглобин", "не обнаружено", "", "не обнаружено"),
    ("Лейкоциты", "2", "в п/зр", "0 - 5"),
    ("Эритроциты", "1", "в п/зр", "0 - 2"),
]


def ru_lab(patient: Patient, rng: random.Random) -> Sheet:
    """Russian commercial lab, two pages: CBC first, iron panel, CRP and a urinalysis on page two."""
    style = RU_STYLE
    sheet = Sheet()
    female = patient.sex == "female"
    cbc = [
        Row("hemoglobin", "Гемоглобин (HGB)", "г/л", 1, 0, 120 if female else 130, 150 if female else 170),
        Row("rbc", "Эритроциты (RBC)", "10*12/л", 1, 2, 3.8 if female else 4.3, 5.1 if female else 5.7),
        Row("hematocrit", "Гематокрит (HCT)", "%", 1, 1, 35.0, 45.0),
        Row("mcv", "Средний объем эритроцита (MCV)", "фл", 1, 1, 80.0, 100.0),
        Row("mch", "Среднее содержание Hb в эритроците (MCH)", "пг", 1, 1, 27.0, 34.0),
        Row("mchc", "Средняя концентрация Hb в эритроците (MCHC)", "г/л", 1, 0, 300, 380),
        Row("rdw_cv", "Ширина распределения эритроцитов (RDW-CV)", "%", 1, 1, 11.6, 14.8),
        Row("rdw_sd", "Ширина распределения эритроцитов (RDW-SD)", "фл", 1, 1, 35.1, 46.3),
        Row("platelets", "Тромбоциты (PLT)", "10*9/л", 1, 0, 150, 400),
        Row("wbc", "Лейкоциты (WBC)", "10*9/л", 1, 2, 4.0, 9.0),
    ]
    iron = [
        Row("serum_iron", "Железо сывороточное", "мкмоль/л", 1, 1, 9.0, 30.4),
        Row("tibc", "ОЖСС", "мкмоль/л", 1, 1, 45.3, 77.1),
        Row("ferritin", "Ферритин", "мкг/л", 1, 1, 10.0 if female else 20.0, 120.0 if female else 250.0),
        Row("transferrin", "Трансферрин", "г/л", 1, 2, 2.0, 3.6),
        Row("transferrin_saturation", "Коэффициент насыщения трансферрина", "%", 1, 1, 15.0, 50.0),
        Row("crp", "С-реактивный белок", "мг/л", 1, 1, None, 5.0, limit=0.6),
    ]
    columns = (40.0, 290.0, 355.0, 430.0)

    def header() -> None:
        sheet.line(
            [(40, "ООО «Лаборатория Здоровье» · Лицензия ЛО-77-01-012345")], size=11, bold=True, step=20
        )
        sheet.line([(40, "Пациент: Иванова Анна Сергеевна"), (330, f"Заказ № {rng.randint(10**8, 10**9)}")])
        sex = "Женский" if female else "Мужской"
        sheet.line([(40, f"Пол: {sex}"), (200, f"Возраст: {russian_years(patient.age)}")])
        sheet.line([(40, f"Дата взятия биоматериала: {patient.collected:%d.%m.%Y} 08:{rng.randint(10, 59)}")])
        printed = patient.collected + timedelta(days=1)
        sheet.line([(40, f"Дата выдачи результата: {printed:%d.%m.%Y}")], step=22)
        sheet.line(
            list(
                zip(columns, ("Исследование", "Результат", "Ед. изм.", "Референсные значения"), strict=True)
            ),
            bold=True,
            step=18,
        )

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        value = f"{printed} {flag}" if flag else printed
        return list(zip(columns, (row.label, value, row.unit, reference or ""), strict=True))

    header()
    sheet.line([(40, "Клинический анализ крови с лейкоцитарной формулой")], size=10, bold=True, step=17)
    table_rows(sheet, cbc, patient, style, cells)
    noise_rows(sheet, RU_DIFF, columns)
    sheet.gap(10)
    sheet.line([(40, "Результаты исследований не являются диагнозом. Стр. 1 из 2")], size=7)
    sheet.new_page()
    header()
    sheet.line([(40, "Показатели обмена железа")], size=10, bold=True, step=17)
    table_rows(sheet, iron[:5], patient, style, cells)
    sheet.line([(40, "Биохимические исследования")], size=10, bold=True, step=17)
    table_rows(sheet, iron[5:], patient, style, cells)
    sheet.gap(8)
    sheet.line([(40, "Общий анализ мочи")], size=10, bold=True, step=17)
    noise_rows(sheet, RU_URINE, columns)
    sheet.gap(10)
    sheet.line([(40, "Результаты исследований не являются диагнозом. Стр. 2 из 2")], size=7)
    return sheet


def ru_previous(patient: Patient, rng: random.Random) -> Sheet:
    """Russian lab in g/dL and млн/мкл, with a previous-result column and two collection dates."""
    style = Style(decimal_comma=True, low_flag="*", high_flag="*")
    sheet = Sheet()
    female = patient.sex == "female"
    cbc = [
        Row("hemoglobin", "Гемоглобин", "г/дл", 10, 1, 12.0 if female else 13.0, 15.0 if female else 17.0),
        Row("rbc", "Эритроциты", "млн/мкл", 1, 2, 3.8 if female else 4.3, 5.1 if female else 5.7),
        Row("hematocrit", "Гематокрит", "%", 1, 1, 35.0, 45.0),
        Row("mcv", "MCV (ср. объем эритр.)", "фл", 1, 1, 80.0, 100.0),
        Row("mch", "MCH (ср. содер. Hb в эр.)", "пг", 1, 1, 27.0, 34.0),
        Row("mchc", "MCHC (ср. конц. Hb в эр.)", "г/дл", 10, 1, 30.0, 38.0),
        Row("rdw_cv", "RDW-CV", "%", 1, 1, 11.6, 14.8),
        Row("platelets", "Тромбоциты", "тыс/мкл", 1, 0, 150, 400),
        Row("wbc", "Лейкоциты", "тыс/мкл", 1, 2, 4.0, 9.0),
    ]
    iron = [
        Row("ferritin", "Ферритин", "нг/мл", 1, 1, 10.0 if female else 20.0, 120.0 if female else 250.0),
        Row("serum_iron", "Железо сывороточное", "мкмоль/л", 1, 1, 9.0, 30.4),
        Row("uibc", "ЛЖСС", "мкмоль/л", 1, 1, 20.0, 62.0),
    ]
    earlier = patient.collected - timedelta(days=2)
    previous_date = patient.collected - timedelta(days=rng.randint(60, 300))
    columns = (40.0, 215.0, 285.0, 375.0, 450.0)
    sheet.line([(40, "Медицинская лаборатория «Альфа-Диагностика»")], size=11, bold=True, step=20)
    sheet.line([(40, "Ф.И.О.: Петров Иван Ильич"), (330, f"ИНЗ: {rng.randint(10**7, 10**8)}")])
    sheet.line(
        [(40, f"Дата рождения: {patient.birth:%d.%m.%Y}"), (330, f"Пол: {'Ж' if female else 'М'}")], step=22
    )

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        old = patient.values[row.analyte] / row.factor * rng.uniform(0.85, 1.15)
        value = f"{printed}{flag}" if flag else printed
        texts = (row.label, value, fmt(old, row.decimals, style), row.unit, reference or "")
        return list(zip(columns, texts, strict=True))

    titles = ("Показатель", "Результат", "Пред. рез.", "Ед. изм.", "Норма")
    sheet.line([(40, "Общий анализ крови")], size=10, bold=True, step=16)
    sheet.line([(40, f"Дата взятия: {earlier:%d.%m.%Y}")], step=16)
    sheet.line(list(zip(columns, titles, strict=True)), bold=True, step=11)
    sheet.line([(columns[2], f"{previous_date:%d.%m.%Y}")], size=7, step=14)
    table_rows(sheet, cbc, patient, style, cells)
    sheet.gap(8)
    sheet.line([(40, "Обмен железа")], size=10, bold=True, step=16)
    sheet.line([(40, f"Дата взятия: {patient.collected:%d.%m.%Y}")], step=16)
    sheet.line(list(zip(columns, titles, strict=True)), bold=True, step=11)
    sheet.line([(columns[2], f"{previous_date:%d.%m.%Y}")], size=7, step=14)
    table_rows(sheet, iron, patient, style, cells)
    sheet.gap(10)
    sheet.line([(40, "* — значение вне референсного интервала")], size=7)
    return sheet


def us_lab(patient: Patient, rng: random.Random) -> Sheet:
    """US reference lab: conventional units, a flag column, mm/dd/yyyy dates."""
    style = Style(
        decimal_comma=False, low_flag="L", high_flag="H", range_format="{low}-{high}", upper_format="<{high}"
    )
    sheet = Sheet()
    female = patient.sex == "female"
    cbc = [
        Row("wbc", "WBC", "x10E3/uL", 1, 1, 3.4, 10.8),
        Row("rbc", "RBC", "x10E6/uL", 1, 2, 3.77 if female else 4.14, 5.28 if female else 5.80),
        Row("hemoglobin", "Hemoglobin", "g/dL", 10, 1, 11.1 if female else 13.0, 15.9 if female else 17.7),
        Row("hematocrit", "Hematocrit", "%", 1, 1, 34.0 if female else 37.5, 46.6 if female else 51.0),
        Row("mcv", "MCV", "fL", 1, 0, 79, 97),
        Row("mch", "MCH", "pg", 1, 1, 26.6, 33.0),
        Row("mchc", "MCHC", "g/dL", 10, 1, 31.5, 35.7),
        Row("rdw_cv", "RDW", "%", 1, 1, 11.7, 15.4),
        Row("platelets", "Platelets", "x10E3/uL", 1, 0, 150, 450),
    ]
    iron = [
        Row("tibc", "Iron Bind.Cap.(TIBC)", "ug/dL", 0.179, 0, 250, 450),
        Row("uibc", "UIBC", "ug/dL", 0.179, 0, 118, 369),
        Row("serum_iron", "Iron", "ug/dL", 0.179, 0, 27, 159),
        Row("transferrin_saturation", "Iron Saturation", "%", 1, 0, 15, 55),
        Row("ferritin", "Ferritin", "ng/mL", 1, 0, 15, 150),
        Row("crp", "C-Reactive Protein, Cardiac", "mg/L", 1, 2, 0.0, 3.0),
    ]
    columns = (40.0, 230.0, 290.0, 330.0, 410.0)
    sheet.line([(40, "Patient Report")], size=12, bold=True, step=20)
    sheet.line([(40, "Patient: DOE, JANE"), (330, f"Specimen ID: {rng.randint(10**9, 10**10)}")])
    sheet.line(
        [
            (40, f"DOB: {patient.birth:%m/%d/%Y}"),
            (200, f"Age: {patient.age}"),
            (280, f"Sex: {'Female' if female else 'Male'}"),
        ]
    )
    sheet.line(
        [(40, f"Date Collected: {patient.collected:%m/%d/%Y} 0{rng.randint(7, 9)}:{rng.randint(10, 59)}")]
    )
    received = patient.collected + timedelta(days=1)
    sheet.line(
        [(40, f"Date Received: {received:%m/%d/%Y}"), (250, f"Date Reported: {received:%m/%d/%Y}")], step=22
    )
    sheet.line(
        list(zip(columns, ("Tests", "Result", "Flag", "Units", "Reference Interval"), strict=True)),
        bold=True,
        step=18,
    )

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        return list(zip(columns, (row.label, printed, flag or "", row.unit, reference or ""), strict=True))

    sheet.line([(40, "CBC With Differential/Platelet")], size=10, bold=True, step=16)
    table_rows(sheet, cbc, patient, style, cells)
    noise_rows(
        sheet,
        [
            ("Neutrophils", "61", "%", "Not Estab."),
            ("Lymphs", "29", "%", "Not Estab."),
            ("Neutrophils (Absolute)", "3.9", "x10E3/uL", "1.4-7.0"),
        ],
        columns[:1] + columns[1:2] + columns[3:],
    )
    sheet.gap(6)
    sheet.line([(40, "Iron and TIBC")], size=10, bold=True, step=16)
    table_rows(sheet, iron[:4], patient, style, cells)
    sheet.line([(40, "Ferritin, Serum")], size=10, bold=True, step=16)
    table_rows(sheet, iron[4:5], patient, style, cells)
    sheet.line([(40, "hs-CRP")], size=10, bold=True, step=16)
    table_rows(sheet, iron[5:], patient, style, cells)
    sheet.gap(10)
    sheet.line([(40, "For inquiries, the physician may contact the lab: 800-762-4344")], size=7)
    return sheet


def uk_nhs(patient: Patient, rng: random.Random) -> Sheet:
    """UK hospital pathology: "Full blood count", L/L haematocrit, bracketed ranges, dd-Mon-yyyy dates."""
    style = Style(
        decimal_comma=False,
        low_flag="L",
        high_flag="H",
        range_format="({low} - {high})",
        upper_format="(<{high})",
    )
    sheet = Sheet()
    female = patient.sex == "female"
    fbc = [
        Row("hemoglobin", "Haemoglobin", "g/L", 1, 0, 115 if female else 130, 165 if female else 180),
        Row("wbc", "Total white cell count", "x10^9/L", 1, 1, 4.0, 11.0),
        Row("platelets", "Platelet count", "x10^9/L", 1, 0, 150, 400),
        Row("rbc", "Red cell count", "x10^12/L", 1, 2, 3.8 if female else 4.5, 5.8 if female else 6.5),
        Row(
            "hematocrit", "Haematocrit", "L/L", 100, 3, 0.370 if female else 0.400, 0.470 if female else 0.540
        ),
        Row("mcv", "Mean cell volume", "fL", 1, 1, 80.0, 100.0),
        Row("mch", "Mean cell haemoglobin", "pg", 1, 1, 27.0, 32.0),
        Row("mchc", "Mean cell haemoglobin conc", "g/L", 1, 0, 320, 360),
        Row("rdw_cv", "Red cell distribution width", "%", 1, 1, 11.5, 15.0),
    ]
    iron = [
        Row("ferritin", "Serum ferritin", "ug/L", 1, 0, 15, 300),
        Row("serum_iron", "Serum iron", "umol/L", 1, 1, 6.0, 26.0),
        Row("transferrin", "Transferrin", "g/L", 1, 1, 2.0, 3.6),
        Row("transferrin_saturation", "Transferrin saturation", "%", 1, 0, 20, 50),
        Row("crp", "C reactive protein", "mg/L", 1, 0, None, 5, limit=5),
    ]
    columns = (40.0, 230.0, 275.0, 300.0, 370.0)
    sheet.line(
        [(40, "Royal Infirmary NHS Foundation Trust - Department of Pathology")], size=11, bold=True, step=20
    )
    nhs_number = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    sheet.line([(40, "Name: SMITH, Alice"), (300, f"NHS No: {nhs_number}")])
    sheet.line(
        [
            (40, f"DOB: {patient.birth:%d/%m/%Y}"),
            (170, f"Age: {patient.age}y"),
            (250, f"Sex: {'F' if female else 'M'}"),
        ]
    )
    received = patient.collected + timedelta(days=rng.randint(0, 1))
    sheet.line(
        [
            (40, f"Collected: {patient.collected:%d-%b-%Y} 09:{rng.randint(10, 59)}"),
            (250, f"Received: {received:%d-%b-%Y} 11:40"),
        ],
        step=24,
    )

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        return list(zip(columns, (row.label, printed, flag or "", row.unit, reference or ""), strict=True))

    sheet.line([(40, "Full blood count")], size=10, bold=True, step=16)
    table_rows(sheet, fbc, patient, style, cells)
    sheet.gap(8)
    sheet.line([(40, "Iron studies")], size=10, bold=True, step=16)
    table_rows(sheet, iron[:4], patient, style, cells)
    sheet.gap(8)
    sheet.line([(40, "Inflammatory markers")], size=10, bold=True, step=16)
    table_rows(sheet, iron[4:], patient, style, cells)
    sheet.gap(10)
    sheet.line(
        [(40, "Comment: results consistent with iron deficiency should be reviewed within 4 weeks.")], size=8
    )
    return sheet


def eu_mmol(patient: Patient, rng: random.Random) -> Sheet:
    """Dutch-style English report: haemoglobin in mmol/L, ISO dates, arrows as flags."""
    style = Style(decimal_comma=False, low_flag="↓", high_flag="↑", range_format="{low} - {high}")
    sheet = Sheet()
    female = patient.sex == "female"
    rows = [
        Row(
            "hemoglobin",
            "Hemoglobin (Hb)",
            "mmol/L",
            16.11,
            1,
            7.5 if female else 8.5,
            10.0 if female else 11.0,
        ),
        Row(
            "hematocrit", "Hematocrit (Ht)", "L/L", 100, 2, 0.35 if female else 0.40, 0.45 if female else 0.50
        ),
        Row("rbc", "Erythrocytes", "x10^12/L", 1, 2, 3.7 if female else 4.2, 5.0 if female else 5.5),
        Row("mcv", "MCV", "fL", 1, 0, 80, 100),
        Row("wbc", "Leukocytes", "x10^9/L", 1, 1, 4.0, 10.0),
        Row("platelets", "Thrombocytes", "x10^9/L", 1, 0, 150, 400),
        Row("ferritin", "Ferritin", "µg/L", 1, 0, 15, 150 if female else 300),
        Row("serum_iron", "Iron", "µmol/L", 1, 1, 10.0, 30.0),
        Row("transferrin", "Transferrin", "g/L", 1, 2, 2.0, 3.6),
        Row("transferrin_saturation", "Transferrin saturation", "%", 1, 0, 15, 45),
        Row("crp", "CRP", "mg/L", 1, 0, None, 10, limit=1),
    ]
    columns = (40.0, 220.0, 300.0, 370.0)
    sheet.line([(40, "Klinisch Chemisch Laboratorium — Laboratory report")], size=11, bold=True, step=20)
    sheet.line([(40, "Patient: J. de Vries"), (300, f"Patient number: {rng.randint(10**6, 10**7)}")])
    sheet.line([(40, f"Gender: {'Female' if female else 'Male'}"), (200, f"Age: {patient.age} years")])
    sheet.line(
        [(40, f"Collection date: {patient.collected.isoformat()}"), (300, "Requested by: GP practice")],
        step=22,
    )
    sheet.line(list(zip(columns, ("Test", "Result", "Unit", "Reference"), strict=True)), bold=True, step=18)

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        value = f"{printed} {flag}" if flag else printed
        return list(zip(columns, (row.label, value, row.unit, reference or ""), strict=True))

    sheet.line([(40, "Haematology")], size=10, bold=True, step=16)
    table_rows(sheet, rows[:6], patient, style, cells)
    sheet.gap(6)
    sheet.line([(40, "Iron metabolism")], size=10, bold=True, step=16)
    table_rows(sheet, rows[6:10], patient, style, cells)
    sheet.gap(6)
    sheet.line([(40, "Chemistry")], size=10, bold=True, step=16)
    table_rows(sheet, rows[10:], patient, style, cells)
    return sheet


def ru_compact(patient: Patient, rng: random.Random) -> Sheet:
    """Russian analyser-style sheet: Latin abbreviations, some units left blank, a summary that repeats
    values, hs-CRP and a urinalysis with numbers that would be plausible blood counts."""
    style = Style(decimal_comma=True, low_flag="L", high_flag="H")
    sheet = Sheet()
    female = patient.sex == "female"
    cbc = [
        Row("hemoglobin", "HGB", "", 1, 0, 117 if female else 132, 160 if female else 173),
        Row("rbc", "RBC", "x10^12/л", 1, 2, 3.8 if female else 4.3, 5.3 if female else 5.7),
        Row("hematocrit", "HCT", "%", 1, 1, 35.0, 47.0),
        Row("mcv", "MCV", "", 1, 1, 81.0, 100.0),
        Row("mch", "MCH", "пг", 1, 1, 27.0, 34.0),
        Row("mchc", "MCHC", "", 1, 0, 320, 370),
        Row("rdw_sd", "RDW-SD", "фл", 1, 1, 37.0, 54.0),
        Row("rdw_cv", "RDW-CV", "%", 1, 1, 11.0, 16.0),
        Row("platelets", "PLT", "x10^9/л", 1, 0, 180, 320),
        Row("wbc", "WBC", "x10^9/л", 1, 2, 4.0, 9.0),
    ]
    iron = [
        Row("ferritin", "Ферритин", "мкг/л", 1, 1, 10.0 if female else 20.0, 120.0 if female else 250.0),
        Row("transferrin", "Трансферрин", "мг/дл", 0.01, 0, 200, 360),
        Row("crp", "hs-CRP (вч-СРБ)", "мг/л", 1, 2, None, 1.0, limit=0.1),
    ]
    columns = (40.0, 200.0, 270.0, 350.0, 420.0)
    sheet.line([(40, "МЦ «Северная клиника» — лабораторное отделение")], size=11, bold=True, step=20)
    sheet.line([(40, "Пациент: Смирнова Е. В."), (300, f"Карта № {rng.randint(1000, 99999)}")])
    sheet.line(
        [
            (40, f"Пол: {'жен.' if female else 'муж.'}"),
            (160, f"Возраст: {patient.age}"),
            (300, f"Дата забора: {patient.collected:%d.%m.%y}"),
        ],
        step=22,
    )
    summary = [row for row in cbc if row.analyte == "hemoglobin"] + iron[:1]
    sheet.line([(40, "Основные показатели")], size=10, bold=True, step=16)
    for row in summary:
        printed, _ = printed_value(row, patient, style)
        sheet.line([(40, row.label), (200, printed), (270, row.unit)])
    sheet.gap(8)
    sheet.line(
        list(zip(columns, ("Тест", "Результат", "Флаг", "Ед.", "Норма"), strict=True)), bold=True, step=18
    )

    def cells(row: Row, printed: str, reference: str | None, flag: str | None) -> list[tuple[float, str]]:
        return list(zip(columns, (row.label, printed, flag or "", row.unit, reference or ""), strict=True))

    sheet.line([(40, "Общий анализ крови (гематологический анализатор)")], size=10, bold=True, step=16)
    table_rows(sheet, cbc, patient, style, cells)
    sheet.gap(6)
    sheet.line([(40, "Биохимия крови")], size=10, bold=True, step=16)
    table_rows(sheet, iron, patient, style, cells)
    sheet.gap(6)
    sheet.line([(40, "Анализ мочи общий")], size=10, bold=True, step=16)
    urine = [
        ("Лейкоциты", "3", "", "", "0 - 5"),
        ("Эритроциты", "2", "", "", "0 - 3"),
        ("Белок", "0,1", "", "г/л", "< 0,14"),
    ]
    for cells_row in urine:
        sheet.line(list(zip(columns, cells_row, strict=True)))
    return sheet


LAYOUTS: dict[str, Callable[[Patient, random.Random], Sheet]] = {
    "ru_lab": ru_lab,
    "ru_previous": ru_previous,
    "us_lab": us_lab,
    "uk_nhs": uk_nhs,
    "eu_mmol": eu_mmol,
    "ru_compact": ru_compact,
}


@dataclass(frozen=True)
class Document:
    layout: str
    seed: int
    pdf: bytes
    pages: int
    truth: Truth


def make_document(layout: str, seed: int) -> Document:
    rng = random.Random(f"{layout}-{seed}")
    patient = make_patient(rng)
    sheet = LAYOUTS[layout](patient, rng)
    truth = Truth(dict(sheet.truth), patient.collected, patient.sex, float(patient.age))
    return Document(layout, seed, sheet.render(), len(sheet.pages), truth)

"""Reports drawn in layouts the first generator never uses: dashboard cards, dotted leaders and key: value
lists, units inside the name column, an iron panel alone, two columns side by side, previous-result
columns, counts per cubic millimetre and in lakhs, and seven more languages.

Written separately from `tests/labs/corpus` (its own patient, fonts, layouts and unit factors, the factors
copied from the issue and lab-science.md, never imported from verae.labs), so the reader is judged by a
generator it was not tuned against. The truth uses the corpus's `Truth` type only so both are scored alike.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..corpus.layouts import ExpectedValue, Truth

FONTS = "/usr/share/fonts/truetype/dejavu"
for name, file in (
    ("Serif", "DejaVuSerif.ttf"),
    ("Serif-Bold", "DejaVuSerif-Bold.ttf"),
    ("Mono", "DejaVuSansMono.ttf"),
    ("Condensed", "DejaVuSansCondensed.ttf"),
    ("Condensed-Bold", "DejaVuSansCondensed-Bold.ttf"),
    ("SerifCondensed", "DejaVuSerifCondensed.ttf"),
):
    pdfmetrics.registerFont(TTFont(name, f"{FONTS}/{file}"))

# canonical value of one printed unit, per analyte (g/L, %, 10^12/L, fL, pg, g/L, %, fL, 10^9/L, 10^9/L,
# ug/L, umol/L, umol/L, g/L, %, mg/L)
FACTORS: dict[str, float] = {
    "g/dL": 10.0,
    "g/L": 1.0,
    "%": 1.0,
    "fL": 1.0,
    "pg": 1.0,
    "mcg/dL": 0.179,
    "ng/mL": 1.0,
    "µg/L": 1.0,
    "µmol/L": 1.0,
    "mg/L": 1.0,
    "mg/dL": 0.01,  # transferrin
}


@dataclass(frozen=True)
class Person:
    female: bool
    age: int
    collected: date
    values: dict[str, float]  # canonical units


def person(rng: random.Random) -> Person:
    female = rng.random() < 0.5
    low_iron = rng.random() < 0.5
    hb = rng.uniform(85, 118) if low_iron else rng.uniform(122, 165)
    mchc = rng.uniform(295, 330) if low_iron else rng.uniform(320, 355)
    mcv = rng.uniform(66, 79) if low_iron else rng.uniform(82, 97)
    hematocrit = hb / mchc * 100
    rbc = hematocrit * 10 / mcv
    iron = rng.uniform(2.5, 8.0) if low_iron else rng.uniform(11, 28)
    tibc = rng.uniform(68, 85) if low_iron else rng.uniform(48, 66)
    values = {
        "hemoglobin": hb,
        "hematocrit": hematocrit,
        "rbc": rbc,
        "mcv": mcv,
        "mch": hb / rbc,
        "mchc": mchc,
        "rdw_cv": rng.uniform(15, 19) if low_iron else rng.uniform(11.5, 14),
        "platelets": rng.uniform(160, 420),
        "wbc": rng.uniform(3.8, 10.5),
        "ferritin": rng.uniform(3, 14) if low_iron else rng.uniform(35, 260),
        "serum_iron": iron,
        "tibc": tibc,
        "transferrin": tibc / 25.1,
        "transferrin_saturation": iron / tibc * 100,
        "crp": rng.choice([0.1, rng.uniform(0.5, 12)]),
    }
    collected = date(2024, 1, 8) + timedelta(days=rng.randint(0, 500))
    return Person(female, rng.randint(19, 84), collected, values)


@dataclass(frozen=True)
class Test:
    analyte: str
    name: str
    unit: str  # as printed ("" when the layout prints none)
    factor: float  # printed x factor = canonical
    decimals: int
    low: float
    high: float
    floor: float | None = None  # printed as "< floor" below it


@dataclass
class Text:
    x: float
    y: float
    text: str
    font: str
    size: float


@dataclass
class Drawing:
    language: str
    pagesize: tuple[float, float] = A4
    pages: list[list[Text]] = field(default_factory=lambda: [[]])
    truth: dict[str, ExpectedValue] = field(default_factory=dict)

    def text(self, x: float, y: float, text: str, font: str = "Serif", size: float = 9.5) -> None:
        self.pages[-1].append(Text(x, y, text, font, size))

    def pdf(self) -> bytes:
        buffer = io.BytesIO()
        document = canvas.Canvas(buffer, pagesize=self.pagesize, invariant=True)
        for page in self.pages:
            for item in page:
                document.setFont(item.font, item.size)
                document.drawString(item.x, item.y, item.text)
            document.showPage()
        document.save()
        return buffer.getvalue()


@dataclass(frozen=True)
class Printed:
    value: str
    number: float
    qualifier: str | None
    side: int  # -1 below the range, 0 inside, 1 above


def printed(test: Test, someone: Person, comma: bool) -> Printed:
    number = round(someone.values[test.analyte] / test.factor, test.decimals)
    qualifier = None
    if test.floor is not None and number < test.floor:
        number, qualifier = test.floor, "<"
    text = f"{number:.{test.decimals}f}"
    text = text.replace(".", ",") if comma else text
    side = -1 if number < test.low else 1 if number > test.high else 0
    return Printed((qualifier or "") + text, number, qualifier, 0 if qualifier else side)


def number_text(number: float, decimals: int, comma: bool) -> str:
    text = f"{number:.{decimals}f}"
    return text.replace(".", ",") if comma else text


def expect(
    drawing: Drawing,
    test: Test,
    shown: Printed,
    reference: str | None,
    flag: str | None,
    unit: str | None = None,
) -> None:
    drawing.truth[test.analyte] = ExpectedValue(
        analyte=test.analyte,
        value=shown.number,
        unit=(test.unit if unit is None else unit) or None,
        normalized_value=shown.number * test.factor,
        qualifier=shown.qualifier,
        reference_range=reference,
        flag=flag,
        page=len(drawing.pages),
    )


def us_tests(female: bool) -> list[Test]:
    return [
        Test("hemoglobin", "Hemoglobin", "g/dL", 10.0, 1, 11.7 if female else 13.2, 15.5 if female else 17.1),
        Test("hematocrit", "Hematocrit", "%", 1.0, 1, 35.0 if female else 38.5, 45.0 if female else 50.0),
        Test("rbc", "Red Blood Cell Count", "Million/uL", 1.0, 2, 3.8, 5.8),
        Test("mcv", "MCV", "fL", 1.0, 1, 80.0, 100.0),
        Test("mch", "MCH", "pg", 1.0, 1, 27.0, 33.0),
        Test("mchc", "MCHC", "g/dL", 10.0, 1, 32.0, 36.0),
        Test("rdw_cv", "RDW", "%", 1.0, 1, 11.0, 15.0),
        Test("platelets", "Platelet Count", "Thousand/uL", 1.0, 0, 140, 400),
        Test("wbc", "White Blood Cell Count", "Thousand/uL", 1.0, 1, 3.8, 10.8),
        Test("ferritin", "Ferritin", "ng/mL", 1.0, 0, 16 if female else 38, 232 if female else 380),
        Test("serum_iron", "Iron, Total", "mcg/dL", 0.179, 0, 40, 190),
        Test("tibc", "TIBC", "mcg/dL", 0.179, 0, 250, 450),
        Test("transferrin_saturation", "Iron Saturation", "%", 1.0, 0, 16, 45),
        Test("crp", "hs-CRP", "mg/L", 1.0, 1, 0.0, 3.0, floor=0.2),
    ]


def us_cards(someone: Person, rng: random.Random) -> Drawing:
    """A health dashboard: two cards a row, the name on one line and status, value and unit under it."""
    drawing = Drawing("en", pagesize=LETTER)
    drawing.text(50, 750, "Your Biomarker Results", "Condensed-Bold", 16)
    drawing.text(50, 728, f"Sex: {'Female' if someone.female else 'Male'}   Age: {someone.age}", "Condensed")
    drawing.text(50, 714, f"Collected: {someone.collected:%m/%d/%Y}", "Condensed")
    y = 680.0
    tests = us_tests(someone.female)
    rng.shuffle(tests)
    for index, test in enumerate(tests):
        x = 50.0 if index % 2 == 0 else 320.0
        shown = printed(test, someone, comma=False)
        status = {-1: "Below Range", 0: "In Range", 1: "Above Range"}[shown.side]
        drawing.text(x, y, test.name, "Condensed-Bold", 11)
        drawing.text(x, y - 16, f"{status}   {shown.value} {test.unit}", "Condensed", 10)
        drawing.text(x, y - 30, f"Range {test.low:g}-{test.high:g}", "Condensed", 7.5)
        expect(drawing, test, shown, f"{test.low:g}-{test.high:g}", None if shown.side == 0 else status)
        if index % 2 == 1:
            y -= 62
    return drawing


def uk_leaders(someone: Person, rng: random.Random) -> Drawing:
    """A typewriter-style letter: "Haemoglobin ........ 98 g/L (115-165)", then a key: value list."""
    drawing = Drawing("en")
    drawing.text(60, 790, "HAEMATOLOGY REPORT", "Mono", 12)
    drawing.text(60, 772, f"Sample date: {someone.collected:%d/%m/%Y}", "Mono", 9)
    drawing.text(60, 760, f"Sex: {'F' if someone.female else 'M'}    Age: {someone.age}", "Mono", 9)
    tests = [
        Test(
            "hemoglobin",
            "Haemoglobin",
            "g/L",
            1.0,
            0,
            115 if someone.female else 130,
            165 if someone.female else 180,
        ),
        Test("wbc", "White cell count", "x10^9/L", 1.0, 1, 4.0, 11.0),
        Test("platelets", "Platelets", "x10^9/L", 1.0, 0, 150, 450),
        Test("rbc", "Red cell count", "x10^12/L", 1.0, 2, 3.8, 5.8),
        Test("hematocrit", "Haematocrit", "L/L", 100.0, 3, 0.37, 0.47),
        Test("mcv", "Mean cell volume", "fL", 1.0, 1, 80.0, 100.0),
        Test("mch", "Mean cell haemoglobin", "pg", 1.0, 1, 27.0, 32.0),
        Test("rdw_cv", "RDW", "%", 1.0, 1, 11.5, 15.0),
    ]
    y = 730.0
    for test in tests:
        shown = printed(test, someone, comma=False)
        flag = {-1: "L", 0: None, 1: "H"}[shown.side]
        reference = (
            f"{number_text(test.low, test.decimals, False)}-{number_text(test.high, test.decimals, False)}"
        )
        name = test.name + " " + "." * (30 - len(test.name))
        value = f"{shown.value} {flag}" if flag else shown.value
        drawing.text(60, y, f"{name} {value:<9} {test.unit:<9} ({reference})", "Mono", 9)
        expect(drawing, test, shown, reference, flag)
        y -= 14
    y -= 14
    drawing.text(60, y, "Iron studies", "Mono", 10)
    y -= 16
    for test in (
        Test("ferritin", "Ferritin", "ug/L", 1.0, 0, 15, 150),
        Test("serum_iron", "Serum iron", "umol/L", 1.0, 1, 9.0, 30.0),
        Test("transferrin_saturation", "Transferrin saturation", "%", 1.0, 0, 20, 50),
    ):
        shown = printed(test, someone, comma=False)
        drawing.text(60, y, f"{test.name}: {shown.value} {test.unit}", "Mono", 9)
        expect(drawing, test, shown, None, None)
        y -= 14
    rng.random()
    return drawing


RU_CBC = [
    Test("hemoglobin", "Гемоглобин, г/л", "", 1.0, 0, 120, 160),
    Test("rbc", "Эритроциты, 10*12/л", "", 1.0, 2, 3.9, 5.3),
    Test("hematocrit", "Гематокрит, %", "", 1.0, 1, 36.0, 48.0),
    Test("mcv", "Средний объём эритроцита, фл", "", 1.0, 1, 80.0, 99.0),
    Test("platelets", "Тромбоциты, 10*9/л", "", 1.0, 0, 150, 400),
]
RU_IRON = [
    Test("ferritin", "Ферритин, мкг/л", "", 1.0, 1, 12.0, 150.0),
    Test("serum_iron", "Железо, мкмоль/л", "", 1.0, 1, 9.0, 30.4),
    Test("tibc", "ОЖСС, мкмоль/л", "", 1.0, 1, 45.3, 77.1),
    Test("transferrin", "Трансферрин, г/л", "", 1.0, 2, 2.0, 3.6),
    Test("transferrin_saturation", "Насыщение трансферрина, %", "", 1.0, 1, 15.0, 50.0),
]


def _ru_table(someone: Person, tests: list[Test], title: str) -> Drawing:
    """A clinic form: the unit after a comma in the name column, no unit column, previous results."""
    drawing = Drawing("ru")
    drawing.text(50, 800, "Поликлиника № 3 · Клинико-диагностическая лаборатория", "SerifCondensed", 11)
    drawing.text(50, 782, f"Пол: {'ж' if someone.female else 'м'}   Возраст: {someone.age}", "SerifCondensed")
    drawing.text(50, 768, f"Дата взятия: {someone.collected:%d.%m.%Y}", "SerifCondensed")
    drawing.text(50, 740, title, "SerifCondensed", 10.5)
    for x, head in ((50, "Показатель"), (260, "Результат"), (340, "Норма"), (430, "Пред. результат")):
        drawing.text(x, 722, head, "SerifCondensed", 9)
    y = 704.0
    for test in tests:
        shown = printed(test, someone, comma=True)
        reference = (
            f"{number_text(test.low, test.decimals, True)} - {number_text(test.high, test.decimals, True)}"
        )
        previous = number_text(shown.number * 1.07, test.decimals, True)
        drawing.text(50, y, test.name, "SerifCondensed")
        drawing.text(260, y, shown.value, "SerifCondensed")
        drawing.text(340, y, reference, "SerifCondensed")
        drawing.text(430, y, previous, "SerifCondensed")
        unit = test.name.split(", ")[-1]
        expect(drawing, test, shown, reference, None, unit=unit)
        y -= 16
    return drawing


def ru_name_units(someone: Person, rng: random.Random) -> Drawing:
    rng.random()
    return _ru_table(someone, [*RU_CBC, *RU_IRON], "Общий анализ крови и обмен железа")


def ru_iron_only(someone: Person, rng: random.Random) -> Drawing:
    """A page with the iron panel and nothing else: a partial report, still a result."""
    rng.random()
    return _ru_table(someone, RU_IRON, "Обмен железа")


def fr_two_columns(someone: Person, rng: random.Random) -> Drawing:
    """A French report in two columns (blood count left, iron right), an "Antériorités" column, counts in
    T/L and G/L, and the haematocrit printed as a fraction without a unit."""
    drawing = Drawing("fr")
    drawing.text(40, 805, "LABORATOIRE DE BIOLOGIE MÉDICALE", "Serif-Bold", 12)
    drawing.text(
        40, 787, f"Sexe : {'Féminin' if someone.female else 'Masculin'}   Âge : {someone.age} ans", "Serif"
    )
    drawing.text(40, 773, f"Prélevé le : {someone.collected:%d/%m/%Y}", "Serif")
    left = [
        Test("rbc", "Hématies", "T/L", 1.0, 2, 3.8, 5.9),
        Test("hemoglobin", "Hémoglobine", "g/dL", 10.0, 1, 12.0, 16.0),
        Test("hematocrit", "Hématocrite", "", 100.0, 3, 0.37, 0.47),
        Test("mcv", "VGM", "fL", 1.0, 1, 80.0, 100.0),
        Test("mch", "TCMH", "pg", 1.0, 1, 27.0, 32.0),
        Test("mchc", "CCMH", "g/dL", 10.0, 1, 32.0, 36.0),
        Test("platelets", "Plaquettes", "G/L", 1.0, 0, 150, 400),
        Test("wbc", "Leucocytes", "G/L", 1.0, 2, 4.0, 10.0),
    ]
    right = [
        Test("ferritin", "Ferritine", "µg/L", 1.0, 0, 15, 150),
        Test("serum_iron", "Fer sérique", "µmol/L", 1.0, 1, 10.0, 30.0),
        Test("transferrin", "Transferrine", "g/L", 1.0, 2, 2.0, 3.6),
        Test("transferrin_saturation", "CST", "%", 1.0, 0, 20, 40),
        Test("crp", "CRP", "mg/L", 1.0, 1, 0.0, 5.0, floor=1.0),
    ]
    for column in (40.0, 320.0):
        for offset, head in ((0, "Analyse"), (70, "Résultat"), (128, "Valeurs"), (180, "Antériorités")):
            drawing.text(column + offset, 745, head, "Serif-Bold", 7.5)
    for x, tests in ((40.0, left), (320.0, right)):
        y = 728.0
        for test in tests:
            shown = printed(test, someone, comma=True)
            low, high = (number_text(limit, test.decimals, True) for limit in (test.low, test.high))
            reference = f"< {high}" if test.analyte == "crp" else f"{low}-{high}"
            earlier = number_text(shown.number * 0.95, test.decimals, True)
            drawing.text(x, y, test.name, "Serif", 7.5)
            drawing.text(x + 70, y, f"{shown.value} {test.unit}".strip(), "Serif", 7.5)
            drawing.text(x + 128, y, reference, "Serif", 7.5)
            drawing.text(x + 180, y, f"{earlier} (03/23)", "Serif", 7.5)
            expect(drawing, test, shown, reference, None)
            y -= 15
    rng.random()
    return drawing


@dataclass(frozen=True)
class Language:
    code: str
    title: str
    heads: tuple[str, str, str, str, str]  # name, result, unit, reference, previous
    sex: str  # "Sex: F" in the language, with {female} and {age}
    collected: str
    names: dict[str, str]
    count_units: tuple[str, str]  # millions and thousands per microlitre
    comma: bool
    flag_before: bool


LANGUAGES = [
    Language(
        "es",
        "HEMOGRAMA",
        ("Prueba", "Resultado", "Unidades", "Valores de referencia", "Anterior"),
        "Sexo: {sex}   Edad: {age} años",
        "Fecha de extracción: {date}",
        {
            "hemoglobin": "Hemoglobina",
            "rbc": "Hematíes",
            "hematocrit": "Hematocrito",
            "mcv": "VCM",
            "mch": "HCM",
            "mchc": "CHCM",
            "platelets": "Plaquetas",
            "wbc": "Leucocitos",
            "ferritin": "Ferritina",
            "serum_iron": "Hierro",
        },
        ("x10^6/µL", "x10^3/µL"),
        True,
        False,
    ),
    Language(
        "pt",
        "HEMOGRAMA COMPLETO",
        ("Exame", "Resultado", "Unidade", "Valores de referência", "Anterior"),
        "Sexo: {sex}   Idade: {age} anos",
        "Data da coleta: {date}",
        {
            "hemoglobin": "Hemoglobina",
            "rbc": "Eritrócitos",
            "hematocrit": "Hematócrito",
            "mcv": "VCM",
            "mch": "HCM",
            "mchc": "CHCM",
            "platelets": "Plaquetas",
            "wbc": "Leucócitos",
            "ferritin": "Ferritina",
            "serum_iron": "Ferro sérico",
        },
        ("milhões/mm³", "mil/mm³"),
        True,
        False,
    ),
    Language(
        "de",
        "Kleines Blutbild",
        ("Untersuchung", "Ergebnis", "Einheit", "Referenzbereich", "Vorwert"),
        "Geschlecht: {sex}   Alter: {age} Jahre",
        "Entnahme: {date}",
        {
            "hemoglobin": "Hämoglobin",
            "rbc": "Erythrozyten",
            "hematocrit": "Hämatokrit",
            "mcv": "MCV",
            "mch": "MCH",
            "mchc": "MCHC",
            "platelets": "Thrombozyten",
            "wbc": "Leukozyten",
            "ferritin": "Ferritin",
            "serum_iron": "Eisen",
        },
        ("Mio/µl", "Tsd/µl"),
        True,
        False,
    ),
    Language(
        "it",
        "ESAME EMOCROMOCITOMETRICO",
        ("Analisi", "Risultato", "Unità", "Valori di riferimento", "Precedente"),
        "Sesso: {sex}   Età: {age}",
        "Data prelievo: {date}",
        {
            "hemoglobin": "Emoglobina",
            "rbc": "Globuli rossi",
            "hematocrit": "Ematocrito",
            "mcv": "MCV",
            "mch": "MCH",
            "mchc": "MCHC",
            "platelets": "Piastrine",
            "wbc": "Globuli bianchi",
            "ferritin": "Ferritina",
            "serum_iron": "Sideremia",
        },
        ("x10^6/µl", "x10^3/µl"),
        True,
        False,
    ),
    Language(
        "tr",
        "HEMOGRAM RAPORU",
        ("Test", "Sonuç", "Birim", "Referans Aralığı", "Önceki"),
        "Cinsiyet: {sex}   Yaş: {age}",
        "Numune Alma Tarihi: {date}",
        {
            "hemoglobin": "HGB-Hemoglobin",
            "rbc": "RBC-Eritrosit",
            "hematocrit": "HCT-Hematokrit",
            "mcv": "MCV",
            "mch": "MCH",
            "mchc": "MCHC",
            "platelets": "PLT-Trombosit",
            "wbc": "WBC-Lökosit",
            "ferritin": "Ferritin",
            "serum_iron": "Demir",
        },
        ("Milyon/µL", "Bin/µL"),
        False,
        True,
    ),
]
_SEX_WORDS = {
    "es": ("Mujer", "Hombre"),
    "pt": ("Feminino", "Masculino"),
    "de": ("weiblich", "männlich"),
    "it": ("F", "M"),
    "tr": ("Kadın", "Erkek"),
}


def european(someone: Person, rng: random.Random) -> Drawing:
    """A blood count in Spanish, Portuguese, German, Italian or Turkish: a table with the language's
    headers, units and decimal commas, a previous-result column, and (Turkish) an H/L column before the
    value."""
    language = rng.choice(LANGUAGES)
    drawing = Drawing(language.code)
    drawing.text(45, 800, language.title, "Condensed-Bold", 13)
    female_word, male_word = _SEX_WORDS[language.code]
    drawing.text(
        45,
        782,
        language.sex.format(sex=female_word if someone.female else male_word, age=someone.age),
        "Condensed",
    )
    drawing.text(45, 768, language.collected.format(date=f"{someone.collected:%d.%m.%Y}"), "Condensed")
    millions, thousands = language.count_units
    tests = [
        Test("hemoglobin", language.names["hemoglobin"], "g/dL", 10.0, 1, 12.0, 16.0),
        Test("rbc", language.names["rbc"], millions, 1.0, 2, 4.0, 5.5),
        Test("hematocrit", language.names["hematocrit"], "%", 1.0, 1, 36.0, 48.0),
        Test("mcv", language.names["mcv"], "fL", 1.0, 1, 80.0, 98.0),
        Test("mch", language.names["mch"], "pg", 1.0, 1, 27.0, 33.0),
        Test("mchc", language.names["mchc"], "g/dL", 10.0, 1, 32.0, 36.0),
        Test("platelets", language.names["platelets"], thousands, 1.0, 0, 150, 400),
        Test("wbc", language.names["wbc"], thousands, 1.0, 2, 4.0, 10.0),
        Test("ferritin", language.names["ferritin"], "ng/mL", 1.0, 0, 15, 150),
        Test("serum_iron", language.names["serum_iron"], "µg/dL", 0.179, 0, 50, 170),
    ]
    xs = (
        (45.0, 215.0, 300.0, 375.0, 480.0) if not language.flag_before else (45.0, 230.0, 300.0, 375.0, 480.0)
    )
    for x, head in zip(xs, language.heads, strict=True):
        drawing.text(x, 740, head, "Condensed-Bold", 9)
    y = 722.0
    for test in tests:
        shown = printed(test, someone, language.comma)
        flag = {-1: "L", 0: None, 1: "H"}[shown.side]
        low, high = (number_text(limit, test.decimals, language.comma) for limit in (test.low, test.high))
        reference = f"{low} - {high}"
        drawing.text(xs[0], y, test.name, "Condensed")
        if language.flag_before and flag:
            drawing.text(xs[1] - 18, y, flag, "Condensed")
        drawing.text(
            xs[1],
            y,
            shown.value if language.flag_before or not flag else f"{shown.value} {flag}",
            "Condensed",
        )
        drawing.text(xs[2], y, test.unit, "Condensed")
        drawing.text(xs[3], y, reference, "Condensed")
        drawing.text(xs[4], y, number_text(shown.number * 1.05, test.decimals, language.comma), "Condensed")
        expect(drawing, test, shown, reference, flag)
        y -= 15
    return drawing


def ua_lab(someone: Person, rng: random.Random) -> Drawing:
    """A Ukrainian private lab: names in Ukrainian, with the analyser's abbreviation in brackets on some
    reports, counts in "Т/л" and "Г/л" (tera and giga per litre) or in powers of ten, decimal commas on
    some, "↓"/"↑" after a value outside its range, an iron panel, and the sex written out."""
    drawing = Drawing("uk")
    comma = rng.random() < 0.5
    abbreviated = rng.random() < 0.5
    tera, giga = ("Т/л", "Г/л") if rng.random() < 0.5 else ("×10¹²/л", "×10⁹/л")
    drawing.text(45, 805, "МЕДИЧНА ЛАБОРАТОРІЯ · Результати досліджень", "Condensed-Bold", 12)
    sex = "Жіноча" if someone.female else "Чоловіча"
    drawing.text(45, 787, f"Стать: {sex}    Вік: {someone.age} р.", "Condensed")
    drawing.text(45, 773, f"Дата взяття біоматеріалу: {someone.collected:%d.%m.%Y}", "Condensed")

    def named(name: str, abbreviation: str) -> str:
        return f"{name} ({abbreviation})" if abbreviated and abbreviation else name

    tests = [
        Test("hemoglobin", named("Гемоглобін", "HGB"), "г/л", 1.0, 0, 120, 150 if someone.female else 170),
        Test("rbc", named("Еритроцити", "RBC"), tera, 1.0, 2, 3.8, 5.1 if someone.female else 5.7),
        Test("hematocrit", named("Гематокрит", "HCT"), "%", 1.0, 1, 35.0, 47.0),
        Test("mcv", named("Середній об’єм еритроцитів", "MCV"), "фл", 1.0, 1, 80.0, 100.0),
        Test("mch", named("Середній вміст гемоглобіну в еритроциті", "MCH"), "пг", 1.0, 1, 27.0, 34.0),
        Test(
            "mchc", named("Середня концентрація гемоглобіну в еритроцитах", "MCHC"), "г/л", 1.0, 0, 320, 360
        ),
        Test("rdw_cv", named("Ширина розподілу еритроцитів", "RDW-CV"), "%", 1.0, 1, 11.5, 14.5),
        Test("platelets", named("Тромбоцити", "PLT"), giga, 1.0, 0, 150, 400),
        Test("wbc", named("Лейкоцити", "WBC"), giga, 1.0, 2, 4.0, 9.0),
        Test("ferritin", "Феритин", "нг/мл", 1.0, 1, 13.0, 150.0),
        Test("serum_iron", "Залізо в сироватці крові", "мкмоль/л", 1.0, 1, 9.0, 30.4),
        Test("tibc", "Загальна залізозв’язувальна здатність сироватки", "мкмоль/л", 1.0, 1, 45.3, 77.1),
        Test("transferrin", "Трансферин", "г/л", 1.0, 2, 2.0, 3.6),
        Test("transferrin_saturation", "Коефіцієнт насичення трансферину", "%", 1.0, 1, 16.0, 45.0),
        Test("crp", named("С-реактивний білок", "СРБ"), "мг/л", 1.0, 1, 0.0, 5.0, floor=0.6),
    ]
    for x, head in (
        (45, "Дослідження"),
        (330, "Результат"),
        (405, "Од. виміру"),
        (475, "Референтні значення"),
    ):
        drawing.text(x, 745, head, "Condensed-Bold", 8.5)
    y = 728.0
    for test in tests:
        shown = printed(test, someone, comma)
        flag = {-1: "↓", 0: None, 1: "↑"}[shown.side]
        low, high = (number_text(limit, test.decimals, comma) for limit in (test.low, test.high))
        reference = f"< {high}" if test.analyte == "crp" else f"{low} - {high}"
        drawing.text(45, y, test.name, "Condensed", 8.5)
        drawing.text(330, y, f"{shown.value} {flag}" if flag else shown.value, "Condensed", 8.5)
        drawing.text(405, y, test.unit, "Condensed", 8.5)
        drawing.text(475, y, reference, "Condensed", 8.5)
        expect(drawing, test, shown, reference, flag)
        y -= 15
    return drawing


def in_counts(someone: Person, rng: random.Random) -> Drawing:
    """An Indian pathology report: counts per cubic millimetre with thousands groups ("5 260 000 /mm3"),
    platelets in lakhs, "Low"/"High" in the reference column."""
    drawing = Drawing("en")
    drawing.text(40, 800, "PATHOLOGY LAB - COMPLETE BLOOD COUNT (CBC)", "Condensed-Bold", 12)
    drawing.text(
        40, 782, f"Age / Sex: {someone.age} Years / {'Female' if someone.female else 'Male'}", "Condensed"
    )
    drawing.text(40, 768, f"Sample Collected on: {someone.collected:%d %b %Y}", "Condensed")
    for x, head in ((40, "Investigation"), (250, "Result"), (350, "Reference Value"), (470, "Unit")):
        drawing.text(x, 742, head, "Condensed-Bold", 9)
    y = 724.0
    hb = Test("hemoglobin", "Hemoglobin (Hb)", "g/dL", 10.0, 1, 12.0, 15.0)
    shown = printed(hb, someone, comma=False)
    drawing.text(40, y, hb.name, "Condensed")
    drawing.text(250, y, shown.value, "Condensed")
    drawing.text(350, y, "12.0 - 15.0", "Condensed")
    drawing.text(470, y, "g/dL", "Condensed")
    expect(drawing, hb, shown, "12.0 - 15.0", None)
    y -= 16
    # rounded to whole cells: 4.06 * 1e6 is 4059999.9999999995, which `int` printed as "4 059 999"
    rbc_count = float(round(round(someone.values["rbc"], 2) * 1_000_000))
    grouped = f"{int(rbc_count):,}".replace(",", " ")
    drawing.text(40, y, "Total RBC count", "Condensed")
    drawing.text(250, y, f"{grouped} /mm3", "Condensed")
    drawing.text(350, y, "4.5 - 5.5 mill", "Condensed")
    rbc = Test("rbc", "Total RBC count", "/mm3", 1e-6, 0, 4.5e6, 5.5e6)
    expect(drawing, rbc, Printed(grouped, rbc_count, None, 0), None, None)
    y -= 16
    wbc_count = float(round(someone.values["wbc"] * 10) * 100)
    drawing.text(40, y, "Total WBC count", "Condensed")
    drawing.text(250, y, f"{int(wbc_count)}", "Condensed")
    drawing.text(350, y, "4000 - 11000", "Condensed")
    drawing.text(470, y, "cumm", "Condensed")
    wbc = Test("wbc", "Total WBC count", "cumm", 1e-3, 0, 4000, 11000)
    expect(drawing, wbc, Printed(str(int(wbc_count)), wbc_count, None, 0), "4000 - 11000", None)
    y -= 16
    lakhs = round(someone.values["platelets"] / 100, 2)
    drawing.text(40, y, "Platelet Count", "Condensed")
    drawing.text(250, y, f"{lakhs:.2f}", "Condensed")
    drawing.text(350, y, "1.5 - 4.1", "Condensed")
    drawing.text(470, y, "lakhs/cumm", "Condensed")
    platelets = Test("platelets", "Platelet Count", "lakhs/cumm", 100.0, 2, 1.5, 4.1)
    expect(drawing, platelets, Printed(f"{lakhs:.2f}", lakhs, None, 0), "1.5 - 4.1", None)
    y -= 16
    pcv = Test("hematocrit", "Packed Cell Volume (PCV)", "%", 1.0, 1, 36.0, 46.0)
    shown = printed(pcv, someone, comma=False)
    drawing.text(40, y, pcv.name, "Condensed")
    drawing.text(250, y, shown.value, "Condensed")
    drawing.text(350, y, "36 - 46", "Condensed")
    drawing.text(470, y, "%", "Condensed")
    expect(drawing, pcv, shown, "36 - 46", None)
    rng.random()
    return drawing


LAYOUTS: dict[str, Callable[[Person, random.Random], Drawing]] = {
    "us_cards": us_cards,
    "uk_leaders": uk_leaders,
    "ru_name_units": ru_name_units,
    "ru_iron_only": ru_iron_only,
    "fr_two_columns": fr_two_columns,
    "european": european,
    "in_counts": in_counts,
    "ua_lab": ua_lab,
}


@dataclass(frozen=True)
class Report:
    layout: str
    language: str
    pdf: bytes
    pages: int
    truth: Truth


def make_report(layout: str, seed: int) -> Report:
    rng = random.Random(f"variety-{layout}-{seed}")
    someone = person(rng)
    drawing = LAYOUTS[layout](someone, rng)
    truth = Truth(
        drawing.truth, someone.collected, "female" if someone.female else "male", float(someone.age)
    )
    assert all(math.isfinite(value.normalized_value) for value in truth.values.values())
    return Report(layout, drawing.language, drawing.pdf(), len(drawing.pages), truth)

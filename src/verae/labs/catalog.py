"""The analyte catalog: one place that says what each analyte is called, measured in and allowed to be.

Canonical units follow SI as most Russian and European labs print them. Conversion factors multiply a
value in the accepted unit into the canonical unit.
Unit keys are the normalised spellings produced by `labs.units.normalize_unit`.
"""

from __future__ import annotations

import collections
import difflib
import functools
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein


@dataclass(frozen=True)
class Analyte:
    code: str
    loinc: str
    name_en: str
    name_ru: str
    canonical_unit: str
    # normalised unit key -> factor into the canonical unit
    units: dict[str, float]
    # the units a person may type a value in (the web app's choices, published by GET /risk/inputs), the
    # usual one first; each is one of `units` once normalised
    offered_units: tuple[str, ...]
    # physiological limits in the canonical unit: what a living person can show (sources per analyte in
    # docs/physiological-limits.md); only values outside are refused as implausible
    plausible: tuple[float, float]
    # the narrower range of ordinary results that decides which unit an unlabelled number is in: with the
    # physiological limits, 12 could be hemoglobin in g/L (fatal, never seen) as well as in g/dL
    unit_range: tuple[float, float] = (0.0, math.inf)
    # units a bare number may be read in when a report prints none (ambiguity is resolved by plausibility)
    unitless_candidates: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    # method-unspecified LOINC variants that labs also send
    also_loinc: tuple[str, ...] = ()
    # where the limits of any lab's printed reference range lie, in the canonical unit (adults and children):
    # a printed range tells which unit an unlabelled value is in (120-160 is g/L, 12-16 g/dL)
    reference_band: tuple[float, float] = (0.0, math.inf)


ANALYTES: tuple[Analyte, ...] = (
    Analyte(
        code="hemoglobin",
        loinc="718-7",
        name_en="Hemoglobin",
        name_ru="Гемоглобин",
        canonical_unit="g/L",
        units={"g/l": 1.0, "g/dl": 10.0, "mmol/l": 16.11, "g%": 10.0},
        offered_units=("g/L", "g/dL", "mmol/L"),
        plausible=(15.0, 260.0),
        unit_range=(30.0, 250.0),
        unitless_candidates=("g/l", "g/dl"),
        aliases=(
            "hemoglobin",
            "haemoglobin",
            "hgb",
            "hb",
            "гемоглобин",
            "hb (гемоглобин)",
            "hémoglobine",
            "hemoglobina",
            "hämoglobin",
            "emoglobina",
            "hemoglobin (hgb)",
            # the concentration, as analysers name it beside HGB ("HGB (Концентрация гемоглобина)");
            # MCHC's names say "mean"/"средняя" and "in red cells", and an MCHC is never a plausible HGB
            "hemoglobin concentration",
            "haemoglobin concentration",
            "концентрация гемоглобина",
            "гемоглобін",
            "концентрація гемоглобіну",
            "concentration d'hémoglobine",
            "concentración de hemoglobina",
            "concentração de hemoglobina",
            "hämoglobinkonzentration",
            "concentrazione di emoglobina",
            "hemoglobin konsantrasyonu",
        ),
        reference_band=(80.0, 200.0),
    ),
    Analyte(
        code="hematocrit",
        loinc="4544-3",
        name_en="Hematocrit",
        name_ru="Гематокрит",
        canonical_unit="%",
        units={"%": 1.0, "l/l": 100.0},
        offered_units=("%", "L/L"),
        plausible=(4.0, 80.0),
        unit_range=(10.0, 75.0),
        unitless_candidates=("%", "l/l"),
        aliases=(
            "hematocrit",
            "haematocrit",
            "hct",
            "pcv",
            "гематокрит",
            "ht",
            "hématocrite",
            "hematocrito",
            "hematócrito",
            "hämatokrit",
            "ematocrito",
            "hematokrit",
        ),
        also_loinc=("20570-8",),
        reference_band=(25.0, 65.0),
    ),
    Analyte(
        code="rbc",
        loinc="789-8",
        name_en="Red blood cells",
        name_ru="Эритроциты",
        canonical_unit="10^12/L",
        units={"10^12/l": 1.0, "10^6/ul": 1.0, "t/l": 1.0, "/pl": 1.0, "mil/ul": 1.0, "/ul": 1e-6},
        offered_units=("10^12/L", "10^6/uL"),
        plausible=(0.3, 12.0),
        unit_range=(1.0, 9.0),
        unitless_candidates=("10^12/l",),
        aliases=(
            "rbc",
            "red blood cells",
            "red blood cell count",
            "erythrocytes",
            "erythrocyte count",
            "эритроциты",
            "количество эритроцитов",
            "общее количество эритроцитов",
            "еритроцити",
            "кількість еритроцитів",
            "загальна кількість еритроцитів",
            "red cell count",
            "hématies",
            "globules rouges",
            "érythrocytes",
            "numération globulaire",
            "eritrocitos",
            "hematíes",
            "glóbulos rojos",
            "recuento de hematíes",
            "eritrócitos",
            "hemácias",
            "erythrozyten",
            "eritrociti",
            "globuli rossi",
            "eritrosit",
            "eritrosit sayısı",
            "rbc count",
            "total rbc count",
        ),
        also_loinc=("26453-1",),
        reference_band=(2.5, 7.5),
    ),
    Analyte(
        code="mcv",
        loinc="787-2",
        name_en="Mean corpuscular volume",
        name_ru="Средний объём эритроцита",
        canonical_unit="fL",
        units={"fl": 1.0, "um^3": 1.0},
        offered_units=("fL",),
        plausible=(25.0, 160.0),
        unit_range=(50.0, 130.0),
        unitless_candidates=("fl",),
        aliases=(
            "mcv",
            "mean corpuscular volume",
            "mean cell volume",
            "средний объем эритроцита",
            "средний объём эритроцита",
            "средний объем эритроцитов",
            "середній об'єм еритроцита",
            "середній об'єм еритроцитів",
            "vgm",
            "volume globulaire moyen",
            "vcm",
            "volumen corpuscular medio",
            "volume corpuscular médio",
            "mittleres korpuskuläres volumen",
            "volume globulare medio",
            "volume corpuscolare medio",
            "ortalama eritrosit hacmi",
            "mean corp volume",
        ),
        also_loinc=("30428-7",),
        reference_band=(60.0, 115.0),
    ),
    Analyte(
        code="mch",
        loinc="785-6",
        name_en="Mean corpuscular hemoglobin",
        name_ru="Среднее содержание гемоглобина в эритроците",
        canonical_unit="pg",
        units={"pg": 1.0},
        offered_units=("pg",),
        plausible=(6.0, 60.0),
        unit_range=(10.0, 50.0),
        unitless_candidates=("pg",),
        aliases=(
            "mch",
            "mean corpuscular hemoglobin",
            "mean cell haemoglobin",
            "mean cell hemoglobin",
            "среднее содержание гемоглобина в эритроците",
            "среднее содержание hb в эритроците",
            "середній вміст гемоглобіну в еритроциті",
            "середній вміст гемоглобіну в еритроцитах",
            "tcmh",
            "teneur corpusculaire moyenne en hémoglobine",
            "hcm",
            "hemoglobina corpuscular media",
            "hemoglobina corpuscular média",
            "mittleres korpuskuläres hämoglobin",
            "contenuto medio di hb",
            "contenuto medio di emoglobina",
            "contenuto emoglobinico medio",
            "ortalama eritrosit hemoglobini",
            "mean corp hb",
        ),
        also_loinc=("28539-5",),
        reference_band=(18.0, 40.0),
    ),
    Analyte(
        code="mchc",
        loinc="786-4",
        name_en="Mean corpuscular hemoglobin concentration",
        name_ru="Средняя концентрация гемоглобина в эритроците",
        canonical_unit="g/L",
        # "%" is its older notation for g/dL (grams per 100 mL of red cells), still on some US reports
        units={"g/l": 1.0, "g/dl": 10.0, "%": 10.0},
        offered_units=("g/L", "g/dL"),
        plausible=(150.0, 500.0),
        unit_range=(200.0, 420.0),
        unitless_candidates=("g/l", "g/dl"),
        aliases=(
            "mchc",
            "mean corpuscular hemoglobin concentration",
            "mean cell haemoglobin concentration",
            "средняя концентрация гемоглобина в эритроците",
            "средняя концентрация hb в эритроците",
            "середня концентрація гемоглобіну в еритроциті",
            "середня концентрація гемоглобіну в еритроцитах",
            "mean cell haemoglobin conc",
            "mean cell hemoglobin conc",
            "mean cell haemoglobin concentration",
            "mean corpuscular haemoglobin concentration",
            "ccmh",
            "concentration corpusculaire moyenne en hémoglobine",
            "chcm",
            "concentración de hemoglobina corpuscular media",
            "concentração de hemoglobina corpuscular média",
            "mittlere korpuskuläre hämoglobinkonzentration",
            "concentrazione media di hb",
            "concentrazione emoglobinica corpuscolare media",
            "ortalama eritrosit hemoglobin konsantrasyonu",
            "mean corp hb conc",
        ),
        also_loinc=("28540-3",),
        reference_band=(270.0, 400.0),
    ),
    Analyte(
        code="rdw_cv",
        loinc="788-0",
        name_en="Red cell distribution width (CV)",
        name_ru="Ширина распределения эритроцитов (CV)",
        canonical_unit="%",
        units={"%": 1.0},
        offered_units=("%",),
        plausible=(8.0, 60.0),
        unit_range=(8.0, 35.0),
        unitless_candidates=("%",),
        aliases=(
            "rdw",
            "rdw-cv",
            "rdw cv",
            "rdw_cv",
            "red cell distribution width",
            "ширина распределения эритроцитов",
            "ширина распределения эритроцитов по объему",
            "ширина розподілу еритроцитів",
            "ширина розподілу еритроцитів за об'ємом",
            "idr",
            "idr-cv",
            "indice de distribution des globules rouges",
            "ade",
            "amplitud de distribución eritrocitaria",
            "erythrozytenverteilungsbreite",
            "ery-verteilungsbreite",
            "ampiezza di distribuzione eritrocitaria",
            "eritrosit dağılım genişliği",
        ),
        also_loinc=("30385-9",),
        reference_band=(8.0, 22.0),
    ),
    Analyte(
        code="rdw_sd",
        loinc="21000-5",
        name_en="Red cell distribution width (SD)",
        name_ru="Ширина распределения эритроцитов (SD)",
        canonical_unit="fL",
        units={"fl": 1.0},
        offered_units=("fL",),
        plausible=(20.0, 200.0),
        unit_range=(25.0, 120.0),
        unitless_candidates=("fl",),
        aliases=("rdw-sd", "rdw sd", "rdw_sd", "idr-sd", "rdw sd", "ade-sd"),
        also_loinc=("30384-2",),
        reference_band=(28.0, 70.0),
    ),
    Analyte(
        code="platelets",
        loinc="777-3",
        name_en="Platelets",
        name_ru="Тромбоциты",
        canonical_unit="10^9/L",
        units={
            "10^9/l": 1.0,
            "10^3/ul": 1.0,
            "g/l": 1.0,
            "/nl": 1.0,
            "mil/ul": 1.0,
            "/ul": 1e-3,
            "lakh/ul": 100.0,
        },
        offered_units=("10^9/L", "10^3/uL"),
        plausible=(0.0, 5000.0),
        unit_range=(5.0, 2000.0),
        unitless_candidates=("10^9/l",),
        aliases=(
            "platelets",
            "plt",
            "platelet count",
            "thrombocytes",
            "тромбоциты",
            "количество тромбоцитов",
            "общее количество тромбоцитов",
            "тромбоцити",
            "кількість тромбоцитів",
            "загальна кількість тромбоцитів",
            "plaquettes",
            "plaquetas",
            "thrombozyten",
            "piastrine",
            "trombosit",
            "trombositler",
            "trombocitos",
            "platelet count (plt)",
        ),
        also_loinc=("26515-7",),
        reference_band=(80.0, 600.0),
    ),
    Analyte(
        code="wbc",
        loinc="6690-2",
        name_en="White blood cells",
        name_ru="Лейкоциты",
        canonical_unit="10^9/L",
        units={"10^9/l": 1.0, "10^3/ul": 1.0, "g/l": 1.0, "/nl": 1.0, "mil/ul": 1.0, "/ul": 1e-3},
        offered_units=("10^9/L", "10^3/uL"),
        plausible=(0.0, 1000.0),
        unit_range=(0.2, 200.0),
        unitless_candidates=("10^9/l",),
        aliases=(
            "wbc",
            "white blood cells",
            "white blood cell count",
            "white cell count",
            "total white cell count",
            "leukocytes",
            "leucocytes",
            "лейкоциты",
            "количество лейкоцитов",
            "общее количество лейкоцитов",
            "лейкоцити",
            "кількість лейкоцитів",
            "загальна кількість лейкоцитів",
            "leucocytes",
            "globules blancs",
            "leucocitos",
            "leucócitos",
            "glóbulos blancos",
            "leukozyten",
            "leucociti",
            "globuli bianchi",
            "lökosit",
            "beyaz küre",
            "total leukocyte count",
            "total wbc count",
            "total count (wbc)",
        ),
        reference_band=(2.0, 20.0),
    ),
    Analyte(
        code="ferritin",
        loinc="2276-4",
        name_en="Ferritin",
        name_ru="Ферритин",
        canonical_unit="ug/L",
        units={"ug/l": 1.0, "ng/ml": 1.0, "pmol/l": 1 / 2.247},
        offered_units=("ug/L", "ng/mL"),
        plausible=(0.0, 200000.0),
        unit_range=(0.5, 20000.0),
        unitless_candidates=("ug/l",),
        aliases=("ferritin", "serum ferritin", "ферритин", "феритин", "ferritine", "ferritina"),
        also_loinc=("20567-4", "24373-3"),
        reference_band=(2.0, 1000.0),
    ),
    Analyte(
        code="serum_iron",
        loinc="2498-4",
        name_en="Serum iron",
        name_ru="Железо сывороточное",
        canonical_unit="umol/L",
        units={"umol/l": 1.0, "ug/dl": 0.179},
        offered_units=("umol/L", "ug/dL"),
        plausible=(0.0, 300.0),
        unit_range=(0.5, 100.0),
        unitless_candidates=("umol/l",),
        aliases=(
            "serum iron",
            "iron",
            "fe",
            "железо",
            "железо сывороточное",
            "сывороточное железо",
            "залізо",
            "залізо сироватки",
            "залізо в сироватці крові",
            "сироваткове залізо",
            "fer",
            "fer sérique",
            "hierro",
            "hierro sérico",
            "ferro",
            "ferro sérico",
            "ferro sierico",
            "sideremia",
            "eisen",
            "demir",
            "serum demir",
        ),
        reference_band=(3.0, 45.0),
    ),
    Analyte(
        code="tibc",
        loinc="2500-7",
        name_en="Total iron-binding capacity",
        name_ru="Общая железосвязывающая способность сыворотки",
        canonical_unit="umol/L",
        units={"umol/l": 1.0, "ug/dl": 0.179},
        offered_units=("umol/L", "ug/dL"),
        plausible=(5.0, 200.0),
        unit_range=(10.0, 150.0),
        unitless_candidates=("umol/l",),
        aliases=(
            "tibc",
            "total iron binding capacity",
            "ожсс",
            "iron binding capacity",
            "total iron-binding capacity",
            "iron bind.cap.",
            "общая железосвязывающая способность сыворотки",
            "общая железосвязывающая способность",
            "зззс",
            "загальна залізозв'язувальна здатність сироватки",
            "загальна залізозв'язуюча здатність сироватки",
            "загальна залізозв'язувальна здатність",
            "загальна залізозв'язуюча здатність",
            "capacité totale de fixation du fer",
            "capacidad total de fijación de hierro",
            "capacidade total de ligação do ferro",
            "eisenbindungskapazität",
            "capacità ferrolegante totale",
            "demir bağlama kapasitesi",
            "tdbk",
        ),
        reference_band=(25.0, 110.0),
    ),
    Analyte(
        code="uibc",
        loinc="2501-5",
        name_en="Unsaturated iron-binding capacity",
        name_ru="Латентная железосвязывающая способность сыворотки",
        canonical_unit="umol/L",
        units={"umol/l": 1.0, "ug/dl": 0.179},
        offered_units=("umol/L", "ug/dL"),
        plausible=(0.0, 200.0),
        unit_range=(0.0, 140.0),
        unitless_candidates=("umol/l",),
        aliases=(
            "uibc",
            "unsaturated iron binding capacity",
            "лжсс",
            "латентная железосвязывающая способность",
            "лззс",
            "латентна залізозв'язувальна здатність",
            "латентна залізозв'язуюча здатність",
            "ненасичена залізозв'язувальна здатність",
        ),
        reference_band=(5.0, 90.0),
    ),
    Analyte(
        code="transferrin",
        loinc="3034-6",
        name_en="Transferrin",
        name_ru="Трансферрин",
        canonical_unit="g/L",
        units={"g/l": 1.0, "mg/dl": 0.01},
        offered_units=("g/L", "mg/dL"),
        plausible=(0.1, 10.0),
        unit_range=(0.5, 6.0),
        unitless_candidates=("g/l",),
        aliases=("transferrin", "трансферрин", "трансферин", "transferrine", "transferrina"),
        reference_band=(1.0, 5.0),
    ),
    Analyte(
        code="transferrin_saturation",
        loinc="2502-3",
        name_en="Transferrin saturation",
        name_ru="Насыщение трансферрина железом",
        canonical_unit="%",
        units={"%": 1.0},
        offered_units=("%",),
        plausible=(0.0, 100.0),
        unit_range=(0.0, 100.0),
        unitless_candidates=("%",),
        aliases=(
            "transferrin saturation",
            "tsat",
            "iron saturation",
            "коэффициент насыщения трансферрина",
            "насыщение трансферрина железом",
            "кнт",
            "насыщение трансферрина",
            "коэффициент насыщения трансферрина железом",
            "коефіцієнт насичення трансферину",
            "насичення трансферину залізом",
            "насичення трансферину",
            "коефіцієнт насичення трансферину залізом",
            "coefficient de saturation de la transferrine",
            "saturation de la transferrine",
            "cst",
            "índice de saturación de transferrina",
            "saturación de transferrina",
            "saturação da transferrina",
            "índice de saturação da transferrina",
            "transferrinsättigung",
            "saturazione della transferrina",
            "transferrin satürasyonu",
        ),
        reference_band=(5.0, 70.0),
    ),
    Analyte(
        code="crp",
        loinc="1988-5",
        name_en="C-reactive protein",
        name_ru="С-реактивный белок",
        canonical_unit="mg/L",
        units={"mg/l": 1.0, "mg/dl": 10.0},
        offered_units=("mg/L", "mg/dL"),
        plausible=(0.0, 1000.0),
        unit_range=(0.0, 500.0),
        unitless_candidates=("mg/l",),
        aliases=(
            "crp",
            "c-reactive protein",
            "c reactive protein",
            "hs-crp",
            "hs crp",
            "hscrp",
            "срб",
            "вч-срб",
            "hs-срб",
            "с-реактивный белок",
            "с-реактивный белок высокочувствительный",
            "с-реактивний білок",
            "с-реактивний протеїн",
            "срп",
            "с-реактивний білок високочутливий",
            "crp (hs)",
            "protéine c réactive",
            "proteine c-reactive",
            "proteína c reactiva",
            "proteína c reativa",
            "c-reaktives protein",
            "proteina c reattiva",
            "c-reaktif protein",
            "pcr",
        ),
        also_loinc=("30522-7",),
        reference_band=(0.0, 20.0),
    ),
)

BY_CODE: dict[str, Analyte] = {analyte.code: analyte for analyte in ANALYTES}
_APOSTROPHES = str.maketrans("’ʼ‘`", "''''")
ANALYTE_CODES: tuple[str, ...] = tuple(BY_CODE)


def _alias_key(name: str) -> str:
    """Lower case, one space, no diacritics: "Hémoglobine", "HEMOGLOBINE" and "Hemoglobine" are one key
    (OCR and typewriter-style reports drop accents), and "ё", "й" and "ї" fold with "е", "и" and "і" on both
    sides. Ukrainian's apostrophe ("об'єм") is printed as any of its look-alikes."""
    folded = unicodedata.normalize("NFKD", name.strip().lower().replace("ı", "i").translate(_APOSTROPHES))
    return " ".join("".join(char for char in folded if not unicodedata.combining(char)).split())


_BY_ALIAS: dict[str, Analyte] = {
    _alias_key(alias): analyte for analyte in ANALYTES for alias in (analyte.code, *analyte.aliases)
}
_BY_LOINC: dict[str, Analyte] = {
    loinc: analyte for analyte in ANALYTES for loinc in (analyte.loinc, *analyte.also_loinc)
}


def find_analyte(name: str) -> Analyte | None:
    """The analyte a canonical code, a printed name or a LOINC code refers to, or None."""
    return _BY_ALIAS.get(_alias_key(name)) or _BY_LOINC.get(name.strip())


# OCR reads Latin abbreviations as look-alike Cyrillic letters and back ("HGB" as "НGВ", "СРБ" as "CPB"),
# so printed labels are compared with both alphabets folded onto the Latin shapes.
_LOOKALIKES = str.maketrans("авеикмнорстухяіб", "abeukmhopctyxrib")
_PUNCTUATION = " .,:;|_()[]'\"«»"


def _label_key(label: str) -> str:
    return _alias_key(label).translate(_LOOKALIKES).strip(_PUNCTUATION)


_BY_LABEL: dict[str, Analyte] = {
    _label_key(alias): analyte for analyte in ANALYTES for alias in (analyte.code, *analyte.aliases)
}
_FUZZY_LABELS = [key for key in _BY_LABEL if len(key) >= 6]


# The label matchers below are pure functions of the printed text, and the fuzzy ones cost ~0.1-5 ms a call
# (difflib against every alias): the reader parses a page again for each line it reads a second time
# (`labs.reread`), so the same labels come back many times a page and are matched once. Each document is
# read in its own child process (`labs.isolation`), so no label is kept from one document to the next.
_LABELS_CACHED = 4096


@functools.lru_cache(maxsize=_LABELS_CACHED)
def match_label(label: str, *, fuzzy: bool = False) -> Analyte | None:
    """The analyte a printed label names, or None.

    `fuzzy` also accepts a close misspelling of a longer alias (OCR noise such as "Гемоглобии"); short
    abbreviations must match exactly because one wrong letter turns MCH into MCV.
    """
    key = _label_key(label)
    # "T.C.M.H." and "V.G.M." are the abbreviations TCMH and VGM written with dots
    exact = _BY_LABEL.get(key) or (_BY_LABEL.get(key.replace(".", "")) if "." in key else None)
    if exact is not None or not fuzzy or len(key) < 6:
        return exact
    close = difflib.get_close_matches(key, _FUZZY_LABELS, n=4, cutoff=0.86)
    if not close:
        return None
    best = _BY_LABEL[close[0]]
    # A near miss over the whole name can hide a different word: "ширина распределения тромбоцитов" (PDW)
    # is close to "... эритроцитов" (RDW). Word by word, each must be a near miss of its own.
    words, alias_words = key.split(), close[0].split()
    if len(words) == len(alias_words) and any(
        difflib.SequenceMatcher(None, word, alias_word).ratio() < 0.75
        for word, alias_word in zip(words, alias_words, strict=True)
    ):
        return None
    # "Mean cell haemoglobin" and "... conc" are close to each other: a near tie between two analytes
    # means the misspelling does not say which one was printed.
    ratio = difflib.SequenceMatcher(None, key, close[0]).ratio()
    for other in close[1:]:
        if _BY_LABEL[other] is not best and difflib.SequenceMatcher(None, key, other).ratio() > ratio - 0.04:
            return None
    return best


# Tests printed on the same reports whose abbreviations are one letter away from ours (PDW and RDW,
# MPV and MCV, PCT and HCT): a label that is one of these is never guessed to be one of ours.
OTHER_TESTS = frozenset(
    {
        "pdw",
        "mpv",
        "pct",
        "p-lcr",
        "esr",
        "соэ",
        "neut",
        "lymph",
        "mono",
        "eo",
        "baso",
        "ret",
        "retic",
        "hba1c",
    }
)


@functools.lru_cache(maxsize=_LABELS_CACHED)
def guess_label(label: str, unit_key: str) -> Analyte | None:
    """The analyte an OCR-garbled label most likely names, given the unit printed on its row.

    OCR mangles short abbreviations ("МСУ" for MCV, "OMKCC" for ОЖСС) beyond what `match_label` accepts.
    Among analytes measured in `unit_key`, the one with the closest alias is taken if it is at least
    60% similar and clearly closer than any other (the unit separates MCV from MCH, fL from pg).
    """
    key = _label_key(label)
    if not key or key in OTHER_TESTS or any(part.strip(_PUNCTUATION) in OTHER_TESTS for part in key.split()):
        return None
    # Letters misread by their shape ("JIKCC" for ЛЖСС: Л as "JI", Ж as "K") are compared folded, only
    # when the label as read is near no alias: a label close to one as read keeps that reading's say.
    return _closest_in_unit(key, unit_key, _BY_LABEL.items()) or _closest_in_unit(
        _shape_key(label), unit_key, _SHAPE_KEYS_BY_LABEL
    )


def _closest_in_unit(key: str, unit_key: str, aliases: Iterable[tuple[str, Analyte]]) -> Analyte | None:
    """Among analytes measured in `unit_key`, the one whose alias is at least 60 % similar to `key` and
    clearly closer than any other analyte's.

    difflib's ratio is the costly part: aliases are compared from the one sharing most letters with `key`
    (difflib's `quick_ratio`, an upper bound on the ratio), and no further once no alias left can reach
    60 % while none has, or come within 0.1 of the closest found: then none left can change the answer."""
    letters = collections.Counter(key)
    bounded = sorted(
        (
            (2.0 * (letters & _letter_counts(alias)).total() / (len(key) + len(alias)), alias, analyte)
            for alias, analyte in aliases
            if unit_key in analyte.units
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    best: dict[str, float] = {}
    closest = 0.0
    for bound, alias, analyte in bounded:
        if bound <= closest - 0.1 or (bound < 0.6 and closest < 0.6):
            break
        ratio = difflib.SequenceMatcher(None, key, alias).ratio()
        best[analyte.code] = max(best.get(analyte.code, 0.0), ratio)
        closest = max(closest, ratio)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < 0.6 or (len(ranked) > 1 and ranked[1][1] > ranked[0][1] - 0.1):
        return None
    return BY_CODE[ranked[0][0]]


@functools.cache
def _letter_counts(alias: str) -> collections.Counter[str]:
    return collections.Counter(alias)


# Letters OCR reads one for another by their shape, in either case and either alphabet (after the
# look-alikes above): "cett" for "cell", "ROW" for "RDW", "с$т" for "CST", "гоп" for "Iron". Each class
# is folded onto one letter on both sides of a comparison, so such a misreading costs nothing.
_SHAPES = str.maketrans("0dq1i|!tj5$§68e9uгплш2@ж", "ooolllllsssbbbcgvrnnwzak")
# and pairs of letters read as one: "ri" as "n" ("Ferntine", "Fer sénque"), "rn" as "m", "cl" as "d"
# and Cyrillic "л" as "ji" (its hooked left leg a "j": ЛЖСС read "JIKCC")
_SHAPE_PAIRS = (("ri", "n"), ("rn", "m"), ("cl", "d"), ("vv", "w"), ("ji", "л"))


def _shape_key(label: str) -> str:
    key = _label_key(label)
    for pair, letter in _SHAPE_PAIRS:
        key = key.replace(pair, letter)
    return " ".join(word.strip("-/.,:;'") for word in key.translate(_SHAPES).split()).strip()


# each alias's shape key, with the analyte it names (None: a test not in the catalog, whose name a
# garbled label may just as well be); two analytes whose aliases fold alike both stay, so neither wins
_SHAPE_KEYS: tuple[tuple[str, Analyte | None], ...] = tuple(
    (_shape_key(alias), analyte)
    for alias, analyte in [*((key, None) for key in OTHER_TESTS), *_BY_LABEL.items()]
)
_SHAPE_KEYS_BY_LABEL = tuple((key, analyte) for key, analyte in _SHAPE_KEYS if analyte is not None)


@dataclass(frozen=True)
class ShapeMatch:
    """The analyte a garbled label most likely names, and the other analytes it could also be."""

    analyte: Analyte
    rivals: tuple[Analyte, ...]


@functools.lru_cache(maxsize=_LABELS_CACHED)
def match_shape(label: str) -> ShapeMatch | None:
    """The analyte whose alias a garbled OCR label matches once letters OCR confuses by shape are folded
    (`_SHAPES`), or None when the label is not clearly closer to one analyte than to any other name.

    Short labels (up to 4 letters) must match an alias exactly after folding and be 2 edits from every
    other name: one letter is all that separates MCH from MCV. Longer ones may be a quarter of their
    letters off, word by word ("тромбоцитов" is not a misreading of "эритроцитов"), and 2 edits closer to
    their analyte than to any other name. The caller must still check the row's unit, range and value
    against the analyte and against its `rivals` (other analytes within 3 edits), which a misspelling
    cannot settle.
    """
    key = _shape_key(label)
    if len(key.replace(" ", "")) < 3:
        return None
    # per analyte code (None: the other tests), its nearest alias
    nearest: dict[str | None, tuple[int, str]] = {}
    for alias, analyte in _SHAPE_KEYS:
        code = analyte.code if analyte else None
        distance = Levenshtein.distance(key, alias)
        if code not in nearest or distance < nearest[code][0]:
            nearest[code] = (distance, alias)
    ranked = sorted(nearest.items(), key=lambda item: item[1][0])
    (best, (distance, alias)), runner_up = ranked[0], ranked[1][1][0]
    if best is None or runner_up < distance + 2:
        return None
    if len(key) <= 4:
        if distance > 0:
            return None
    else:
        words, alias_words = key.split(), alias.split()
        if distance > len(alias) // 4 or len(words) != len(alias_words):
            return None
        if any(
            Levenshtein.distance(word, alias_word) > max(1, len(alias_word) // 4)
            for word, alias_word in zip(words, alias_words, strict=True)
        ):
            return None
    rivals = tuple(
        BY_CODE[code] for code, (other, _) in ranked[1:] if code is not None and other <= distance + 3
    )
    return ShapeMatch(BY_CODE[best], rivals)

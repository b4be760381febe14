"""Iron status read from a measured iron panel with published thresholds, reported beside any prediction.

Thresholds (canonical units):
- Ferritin (WHO 2020 guideline on serum ferritin, NCBI Bookshelf NBK569873): iron deficiency below
  15 µg/L from age 5, below 12 µg/L under 5; with infection or inflammation (CRP > 5 mg/L) below 70 µg/L
  from age 5 and 30 µg/L under 5, because ferritin is an acute-phase protein and reads high. Below 30 µg/L
  without inflammation deficiency is probable (the British 2019 guideline and AAFP, as tabulated in
  PMC9827648).
- Transferrin saturation: below 16 % iron supply to the marrow is insufficient (WHO 2001, Iron deficiency
  anaemia: assessment, prevention and control); below 20 % counts as iron deficiency in heart failure and chronic disease (ESC 2021,
  KDIGO), where ferritin is unreliable.
- Serum iron 9–32 µmol/L (50–180 µg/dL) and TIBC 45–81 µmol/L (250–450 µg/dL) are the usual adult
  intervals (PMC3934467 table 1; convertmedunits.com): a high TIBC points to iron deficiency, a low TIBC
  with low iron to inflammation; serum iron alone varies through the day and is read only with the rest.
TSAT is computed as iron / TIBC when a report gives those but not TSAT, and TIBC as iron + UIBC.
"""

from __future__ import annotations

from typing import Literal

from verae.labs.schemas import LabReport
from verae.risk.schemas import LocalizedText, MeasuredIronStatus, PanelReading

CRP_INFLAMMATION_MG_L = 5.0
TSAT_LOW_PERCENT = 16.0
TSAT_LOW_INFLAMMATION_PERCENT = 20.0
SERUM_IRON_USUAL_UMOL_L = (9.0, 32.0)
TIBC_USUAL_UMOL_L = (45.0, 81.0)
# What the status is read from; CRP tells inflammation (which raises ferritin).
MEASURED_IRON_INPUTS = ("ferritin", "transferrin_saturation", "serum_iron", "tibc", "uibc", "crp")

Status = Literal["deficient", "likely_deficient", "possibly_deficient", "not_deficient", "undetermined"]


def _number(value: float, russian: bool = False) -> str:
    text = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return text.replace(".", ",") if russian else text


def _ferritin_reading(
    ferritin: float, young_child: bool, inflammation: bool
) -> tuple[Status, float, PanelReading]:
    deficient_below = 12.0 if young_child else 15.0
    likely_below = (30.0 if young_child else 70.0) if inflammation else 30.0
    status: Status
    if ferritin < deficient_below and not inflammation:
        status, threshold = "deficient", deficient_below
    elif ferritin < likely_below:
        status, threshold = "likely_deficient", likely_below
    else:
        status, threshold = "not_deficient", likely_below
    shown, shown_ru = _number(ferritin), _number(ferritin, True)
    limit, limit_ru = _number(threshold), _number(threshold, True)
    en, ru = {
        "deficient": (
            f"Ferritin {shown} µg/L is below {limit} µg/L (WHO 2020): iron stores are depleted.",
            f"Ферритин {shown_ru} мкг/л ниже {limit_ru} мкг/л (ВОЗ 2020): запасы железа истощены.",
        ),
        "likely_deficient": (
            f"Ferritin {shown} µg/L is below {limit} µg/L"
            + (" (WHO 2020 threshold with inflammation)" if inflammation else "")
            + ": iron deficiency is likely.",
            f"Ферритин {shown_ru} мкг/л ниже {limit_ru} мкг/л"
            + (" (порог ВОЗ 2020 при воспалении)" if inflammation else "")
            + ": дефицит железа вероятен.",
        ),
        "not_deficient": (
            f"Ferritin {shown} µg/L is at or above {limit} µg/L: iron stores look adequate.",
            f"Ферритин {shown_ru} мкг/л не ниже {limit_ru} мкг/л: запасы железа в норме.",
        ),
    }[status]
    reading = PanelReading(
        analyte="ferritin",
        value=ferritin,
        unit="µg/L",
        reading="low" if status != "not_deficient" else "normal",
        threshold=threshold,
        text=LocalizedText(en=en, ru=ru),
    )
    return status, threshold, reading


def _tsat_reading(tsat: float, computed: bool, inflammation: bool) -> PanelReading:
    shown, shown_ru = _number(tsat), _number(tsat, True)
    origin_en = " (computed from iron and TIBC)" if computed else ""
    origin_ru = " (рассчитано по железу и ОЖСС)" if computed else ""
    if tsat < TSAT_LOW_PERCENT:
        reading, threshold = "low", TSAT_LOW_PERCENT
        en = f"Transferrin saturation {shown}%{origin_en} is below 16%: too little iron reaches the marrow."
        ru = f"Насыщение трансферрина {shown_ru}%{origin_ru} ниже 16%: костному мозгу не хватает железа."
    elif tsat < TSAT_LOW_INFLAMMATION_PERCENT:
        reading, threshold = "borderline", TSAT_LOW_INFLAMMATION_PERCENT
        en = (
            f"Transferrin saturation {shown}%{origin_en} is below 20%: borderline; with inflammation or "
            "chronic disease it counts as iron deficiency."
        )
        ru = (
            f"Насыщение трансферрина {shown_ru}%{origin_ru} ниже 20%: пограничное; при воспалении или "
            "хроническом заболевании считается дефицитом железа."
        )
    else:
        reading, threshold = "normal", TSAT_LOW_INFLAMMATION_PERCENT
        en = f"Transferrin saturation {shown}%{origin_en} is 20% or more: iron supply to the marrow is adequate."
        ru = (
            f"Насыщение трансферрина {shown_ru}%{origin_ru} не ниже 20%: железа для кроветворения достаточно."
        )
    if inflammation and reading != "normal":
        en += " Inflammation also lowers it."
        ru += " Воспаление тоже его снижает."
    return PanelReading(
        analyte="transferrin_saturation",
        value=round(tsat, 1),
        unit="%",
        reading=reading,
        threshold=threshold,
        text=LocalizedText(en=en, ru=ru),
    )


def _range_reading(
    analyte: str,
    value: float,
    usual: tuple[float, float],
    label: tuple[str, str],
    meaning: dict[str, tuple[str, str]],
) -> PanelReading:
    low, high = usual
    reading = "low" if value < low else "high" if value > high else "normal"
    span = f"{low:g}–{high:g}"
    where_en = {"low": "is below", "high": "is above", "normal": "is within"}[reading]
    where_ru = {"low": "ниже", "high": "выше", "normal": "в пределах"}[reading]
    extra_en, extra_ru = meaning.get(reading, ("", ""))
    return PanelReading(
        analyte=analyte,
        value=value,
        unit="µmol/L",
        reading=reading,
        threshold=low if reading == "low" else high,
        text=LocalizedText(
            en=f"{label[0]} {_number(value)} µmol/L {where_en} the usual range ({span} µmol/L){extra_en}.",
            ru=f"{label[1]} {_number(value, True)} мкмоль/л {where_ru} обычного диапазона ({span} мкмоль/л){extra_ru}.",
        ),
    )


def measured_iron_status(report: LabReport) -> MeasuredIronStatus | None:
    """The iron status the measured panel shows, or None when the report has no iron measurement."""
    ferritin = report.value_of("ferritin")
    iron = report.value_of("serum_iron")
    tibc = report.value_of("tibc")
    uibc = report.value_of("uibc")
    tsat = report.value_of("transferrin_saturation")
    if tibc is None and iron is not None and uibc is not None:
        tibc = iron + uibc
    computed = False
    if tsat is None and iron is not None and tibc is not None and tibc > 0:
        tsat, computed = min(100.0, 100.0 * iron / tibc), True
    if ferritin is None and tsat is None and iron is None and tibc is None:
        return None
    crp = report.value_of("crp")
    inflammation = crp is not None and crp > CRP_INFLAMMATION_MG_L
    young_child = report.age is not None and report.age < 5
    readings: list[PanelReading] = []
    status: Status = "undetermined"
    threshold: float | None = None
    if ferritin is not None:
        status, threshold, reading = _ferritin_reading(ferritin, young_child, inflammation)
        readings.append(reading)
    if tsat is not None:
        tsat_reading = _tsat_reading(tsat, computed, inflammation)
        readings.append(tsat_reading)
        # low saturation with stores that read adequate: deficiency hidden by inflammation, or iron that
        # does not reach the marrow; without ferritin, the saturation alone can only raise the question
        if status in ("not_deficient", "undetermined") and (
            tsat_reading.reading == "low" or (tsat_reading.reading == "borderline" and inflammation)
        ):
            status = "possibly_deficient"
    if iron is not None:
        readings.append(
            _range_reading(
                "serum_iron",
                iron,
                SERUM_IRON_USUAL_UMOL_L,
                ("Serum iron", "Сывороточное железо"),
                {
                    "low": (
                        " (it also falls with inflammation and in the evening)",
                        " (оно снижается и при воспалении, и к вечеру)",
                    )
                },
            )
        )
    if tibc is not None:
        readings.append(
            _range_reading(
                "tibc",
                tibc,
                TIBC_USUAL_UMOL_L,
                ("TIBC", "ОЖСС"),
                {
                    "high": (", as in iron deficiency", ", как при дефиците железа"),
                    "low": (
                        ", as with inflammation or protein loss",
                        ", как при воспалении или потере белка",
                    ),
                },
            )
        )
    if crp is not None and inflammation:
        readings.append(
            PanelReading(
                analyte="crp",
                value=crp,
                unit="mg/L",
                reading="high",
                threshold=CRP_INFLAMMATION_MG_L,
                text=LocalizedText(
                    en=(
                        f"CRP {_number(crp)} mg/L is above 5 mg/L: inflammation raises ferritin, so a normal "
                        "ferritin does not rule out iron deficiency."
                    ),
                    ru=(
                        f"СРБ {_number(crp, True)} мг/л выше 5 мг/л: воспаление повышает ферритин, поэтому "
                        "нормальный ферритин не исключает дефицит железа."
                    ),
                ),
            )
        )
    return MeasuredIronStatus(
        ferritin_ug_l=ferritin,
        status=status,
        threshold_ug_l=threshold,
        inflammation=inflammation,
        ferritin_unreliable=inflammation and ferritin is not None,
        readings=readings,
        text=_summary(status, readings, inflammation and ferritin is not None),
    )


def _summary(status: Status, readings: list[PanelReading], ferritin_unreliable: bool) -> LocalizedText:
    """The first reading's sentence (ferritin when measured), then what the panel adds up to."""
    conclusion = {
        "deficient": ("", ""),
        "likely_deficient": ("", ""),
        "not_deficient": ("", ""),
        "possibly_deficient": (
            " Low transferrin saturation: iron deficiency is possible; ask your doctor.",
            " Низкое насыщение трансферрина: дефицит железа возможен; обсудите с врачом.",
        ),
        "undetermined": (
            " Without ferritin these values do not settle iron stores.",
            " Без ферритина эти показатели не позволяют судить о запасах железа.",
        ),
    }[status]
    caution = (
        (
            " CRP shows inflammation, which makes ferritin read high.",
            " СРБ указывает на воспаление, при котором ферритин завышен.",
        )
        if ferritin_unreliable
        else ("", "")
    )
    first = readings[0].text
    return LocalizedText(en=first.en + conclusion[0] + caution[0], ru=first.ru + conclusion[1] + caution[1])

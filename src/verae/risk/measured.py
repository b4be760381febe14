"""Iron status from a measured ferritin (WHO 2020 thresholds), reported beside any prediction."""

from __future__ import annotations

from verae.labs.schemas import LabReport
from verae.risk.schemas import LocalizedText, MeasuredIronStatus

CRP_INFLAMMATION_MG_L = 5.0
# What the status is read from: ferritin, and CRP to tell inflammation (which raises ferritin).
MEASURED_IRON_INPUTS = ("ferritin", "crp")


def measured_iron_status(report: LabReport) -> MeasuredIronStatus | None:
    ferritin = report.value_of("ferritin")
    if ferritin is None:
        return None
    crp = report.value_of("crp")
    inflammation = crp is not None and crp > CRP_INFLAMMATION_MG_L
    young_child = report.age is not None and report.age < 5
    deficient_below = 12.0 if young_child else 15.0
    likely_below = (30.0 if young_child else 70.0) if inflammation else 30.0
    if ferritin < deficient_below and not inflammation:
        status, threshold = "deficient", deficient_below
    elif ferritin < likely_below:
        status, threshold = "likely_deficient", likely_below
    else:
        status, threshold = "not_deficient", likely_below
    texts = {
        "deficient": (
            f"Measured ferritin {ferritin:g} µg/L is below {threshold:g} µg/L: iron stores are depleted.",
            f"Измеренный ферритин {ferritin:g} мкг/л ниже {threshold:g} мкг/л: запасы железа истощены.",
        ),
        "likely_deficient": (
            f"Measured ferritin {ferritin:g} µg/L is below {threshold:g} µg/L: iron deficiency is likely.",
            f"Измеренный ферритин {ferritin:g} мкг/л ниже {threshold:g} мкг/л: дефицит железа вероятен.",
        ),
        "not_deficient": (
            f"Measured ferritin {ferritin:g} µg/L is at or above {threshold:g} µg/L: iron stores look adequate.",
            f"Измеренный ферритин {ferritin:g} мкг/л не ниже {threshold:g} мкг/л: запасы железа в норме.",
        ),
    }[status]
    return MeasuredIronStatus(
        ferritin_ug_l=ferritin,
        status=status,
        threshold_ug_l=threshold,
        inflammation=inflammation,
        text=LocalizedText(en=texts[0], ru=texts[1]),
    )

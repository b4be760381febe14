"""rules-v1: a small transparent rule set from hemoglobin, MCV, MCH and RDW.

Used when no trained model artifact is available. Points follow published likelihood ratios
(Guyatt 1992: MCV ≤ 70 → LR 12, 70–75 → 3.3) and WHO anaemia cut-offs; the points-to-percent table is a
coarse prior, not a calibrated probability, which is why the confidence is always "low".
"""

from __future__ import annotations

from dataclasses import dataclass

from verae.labs.schemas import LabReport
from verae.risk.schemas import Explanation, LocalizedText

MODEL_VERSION = "rules-v1"
PERCENT_BY_POINTS = (5.0, 12.0, 25.0, 40.0, 55.0, 70.0, 85.0)


def anaemia_threshold_g_l(sex: str, age: float) -> float:
    """WHO hemoglobin cut-off below which a person is anaemic."""
    if age < 5:
        return 110.0
    if age < 12:
        return 115.0
    if age < 15 or sex == "female":
        return 120.0
    return 130.0


@dataclass(frozen=True)
class _Finding:
    feature: str
    unit: str
    points: int
    en: str
    ru: str


def _findings(report: LabReport, sex: str, age: float) -> list[tuple[float, _Finding]]:
    found: list[tuple[float, _Finding]] = []
    hemoglobin = report.value_of("hemoglobin")
    if hemoglobin is not None:
        threshold = anaemia_threshold_g_l(sex, age)
        if hemoglobin < threshold - 20:
            points, en, ru = 3, "is well below", "значительно ниже"
        elif hemoglobin < threshold:
            points, en, ru = 2, "is below", "ниже"
        else:
            points, en, ru = -1, "is within", "в пределах"
        found.append(
            (
                hemoglobin,
                _Finding(
                    "hemoglobin",
                    "g/L",
                    points,
                    f"Hemoglobin {hemoglobin:g} g/L {en} the usual range for your age and sex",
                    f"Гемоглобин {hemoglobin:g} г/л {ru} обычного диапазона для вашего возраста и пола",
                ),
            )
        )
    mcv = report.value_of("mcv")
    if mcv is not None:
        if mcv < 75:
            points, en, ru = 3, "is well below", "значительно ниже"
        elif mcv < 80:
            points, en, ru = 2, "is below", "ниже"
        else:
            points, en, ru = -1, "is within", "в пределах"
        found.append(
            (
                mcv,
                _Finding(
                    "mcv",
                    "fL",
                    points,
                    f"MCV {mcv:g} fL {en} the usual range (80–100 fL)",
                    f"MCV {mcv:g} фл {ru} обычного диапазона (80–100 фл)",
                ),
            )
        )
    mch = report.value_of("mch")
    if mch is not None and mch < 27:
        found.append(
            (
                mch,
                _Finding(
                    "mch",
                    "pg",
                    1,
                    f"MCH {mch:g} pg is below the usual range (27–33 pg)",
                    f"MCH {mch:g} пг ниже обычного диапазона (27–33 пг)",
                ),
            )
        )
    rdw = report.value_of("rdw_cv")
    if rdw is not None and rdw > 14.5:
        found.append(
            (
                rdw,
                _Finding(
                    "rdw_cv",
                    "%",
                    1,
                    f"RDW-CV {rdw:g}% is above the usual range (11.5–14.5%)",
                    f"RDW-CV {rdw:g}% выше обычного диапазона (11,5–14,5%)",
                ),
            )
        )
    return found


def score(report: LabReport, sex: str, age: float) -> tuple[float, list[Explanation]]:
    """Risk percent and its explanations, strongest first."""
    findings = _findings(report, sex, age)
    points = sum(max(finding.points, 0) for _, finding in findings)
    if sex == "female" and 12 <= age < 50:
        points += 1
    percent = PERCENT_BY_POINTS[min(points, len(PERCENT_BY_POINTS) - 1)]
    explanations = [
        Explanation(
            feature=finding.feature,
            value=value,
            unit=finding.unit,
            contribution=float(finding.points),
            direction="raises" if finding.points > 0 else "lowers",
            text=LocalizedText(
                en=f"{finding.en} and {'raises' if finding.points > 0 else 'lowers'} the estimate.",
                ru=f"{finding.ru} и {'повышает' if finding.points > 0 else 'снижает'} оценку.",
            ),
        )
        for value, finding in sorted(findings, key=lambda item: -abs(item[1].points))
    ]
    return percent, explanations

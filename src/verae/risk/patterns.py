"""The red-cell pattern a blood count shows, named in plain words (never a diagnosis).

A small cell size (MCV below 80 fL) has two common causes that a blood count can partly tell apart: in
iron deficiency the red-cell count falls and the cells vary in size (high RDW, Mentzer index MCV/RBC above
13); in thalassaemia trait the count is high and the cells are uniformly small (normal RDW, Mentzer below
13). Published accuracy of these rules is 80–95 % in selected microcytic cohorts and lower in the general
population (Hoffmann et al., CCLM 2015;53:1883; Vehapoglu et al., Anemia 2014:576738), so the second
pattern only suggests asking a doctor about it. Anaemia with normal-sized cells and a raised CRP is the
usual picture of anaemia of inflammation, where ferritin reads high.
"""

from __future__ import annotations

from verae.labs.schemas import LabReport
from verae.risk.measured import CRP_INFLAMMATION_MG_L
from verae.risk.rules import anaemia_threshold_g_l
from verae.risk.schemas import BloodPattern, LocalizedText

MICROCYTIC_BELOW_FL = 80.0
RDW_HIGH_PERCENT = 14.5
MENTZER_CUTOFF = 13.0


def blood_pattern(report: LabReport) -> BloodPattern | None:
    """The pattern the count shows, or None when it shows none of those named here."""
    mcv = report.value_of("mcv")
    rbc = report.value_of("rbc")
    rdw = report.value_of("rdw_cv")
    hemoglobin = report.value_of("hemoglobin")
    crp = report.value_of("crp")
    if mcv is None:
        return None
    mentzer = mcv / rbc if rbc else None
    if mcv < MICROCYTIC_BELOW_FL:
        if rdw is not None and rdw > RDW_HIGH_PERCENT and (mentzer is None or mentzer > MENTZER_CUTOFF):
            return BloodPattern(
                code="microcytosis_high_rdw",
                mentzer_index=None if mentzer is None else round(mentzer, 1),
                text=LocalizedText(
                    en="Small red cells that vary in size (low MCV, high RDW): the pattern typical of iron deficiency.",
                    ru="Мелкие эритроциты разного размера (низкий MCV, высокий RDW): картина, типичная для дефицита железа.",
                ),
            )
        if mentzer is not None and mentzer < MENTZER_CUTOFF and (rdw is None or rdw <= RDW_HIGH_PERCENT):
            return BloodPattern(
                code="microcytosis_high_rbc",
                mentzer_index=round(mentzer, 1),
                text=LocalizedText(
                    en=(
                        "Small red cells with a high red-cell count and a normal RDW (Mentzer index below 13): "
                        "this can also be thalassaemia trait rather than iron deficiency — ask your doctor."
                    ),
                    ru=(
                        "Мелкие эритроциты при высоком числе эритроцитов и нормальном RDW (индекс Ментцера ниже 13): "
                        "это может быть и носительство талассемии, а не дефицит железа — спросите врача."
                    ),
                ),
            )
        return None
    if hemoglobin is None or report.sex is None or report.age is None or crp is None:
        return None
    if hemoglobin < anaemia_threshold_g_l(report.sex, report.age) and crp > CRP_INFLAMMATION_MG_L:
        return BloodPattern(
            code="normocytic_anaemia_inflammation",
            mentzer_index=None if mentzer is None else round(mentzer, 1),
            text=LocalizedText(
                en=(
                    "Anaemia with normal-sized red cells and a raised CRP: the usual picture of anaemia of "
                    "inflammation, in which ferritin reads high — ask your doctor."
                ),
                ru=(
                    "Анемия с эритроцитами нормального размера и повышенным СРБ: обычная картина анемии "
                    "воспаления, при которой ферритин завышен — спросите врача."
                ),
            ),
        )
    return None

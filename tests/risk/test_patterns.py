"""The red-cell pattern is named in English and Russian, and only when the count shows it."""

from __future__ import annotations

from tests.risk.conftest import HEALTHY_PICTURE, IRON_DEFICIENT_PICTURE, make_report
from verae.risk.model import RiskModel
from verae.risk.patterns import blood_pattern
from verae.risk.service import assess_with

# β-thalassaemia trait: small cells, many of them, uniform in size
THALASSAEMIA_TRAIT = {"hemoglobin": 118.0, "mcv": 64.0, "mch": 20.5, "rbc": 5.9, "rdw_cv": 13.6}


def test_iron_deficiency_and_thalassaemia_trait_patterns_are_told_apart(shipped: RiskModel) -> None:
    iron = assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), shipped).pattern
    assert iron is not None
    assert iron.code == "microcytosis_high_rdw"
    assert "typical of iron deficiency" in iron.text.en
    assert "дефицита железа" in iron.text.ru
    trait = assess_with(make_report("female", 29, **THALASSAEMIA_TRAIT), shipped).pattern
    assert trait is not None
    assert trait.code == "microcytosis_high_rbc"
    assert trait.mentzer_index == 10.8
    assert "thalassaemia trait" in trait.text.en
    assert "талассемии" in trait.text.ru


def test_anaemia_of_inflammation_and_no_pattern() -> None:
    inflamed = blood_pattern(make_report("male", 60, hemoglobin=112.0, mcv=88.0, rbc=3.9, crp=40.0))
    assert inflamed is not None
    assert inflamed.code == "normocytic_anaemia_inflammation"
    assert blood_pattern(make_report("male", 51, **HEALTHY_PICTURE)) is None
    # small cells with neither a wide RDW nor a high count: nothing is named
    assert blood_pattern(make_report("female", 29, hemoglobin=110.0, mcv=76.0, rbc=4.2, rdw_cv=13.9)) is None

"""The measured iron panel read with its cited thresholds, beside (never instead of) the estimate."""

from __future__ import annotations

import pytest

from tests.risk.conftest import HEALTHY_PICTURE, IRON_DEFICIENT_PICTURE, make_report
from verae.risk.measured import measured_iron_status
from verae.risk.model import RiskModel
from verae.risk.service import assess_with


@pytest.mark.parametrize(
    ("age", "ferritin", "crp", "status", "threshold"),
    [
        (30, 14.0, 1.0, "deficient", 15.0),  # WHO 2020, age 5 and over: < 15
        (30, 16.0, 1.0, "likely_deficient", 30.0),
        (3, 11.0, 1.0, "deficient", 12.0),  # under 5: < 12
        (3, 13.0, 1.0, "likely_deficient", 30.0),
        (30, 60.0, 12.0, "likely_deficient", 70.0),  # with CRP > 5: < 70
        (3, 40.0, 12.0, "not_deficient", 30.0),  # under 5 with inflammation: < 30
        (30, 80.0, 12.0, "not_deficient", 70.0),
        (30, 45.0, None, "not_deficient", 30.0),
    ],
)
def test_ferritin_is_read_with_who_thresholds_by_age_and_inflammation(
    age: float, ferritin: float, crp: float | None, status: str, threshold: float
) -> None:
    values = {"ferritin": ferritin} | ({"crp": crp} if crp is not None else {})
    measured = measured_iron_status(make_report("female", age, **values))
    assert measured is not None
    assert (measured.status, measured.threshold_ug_l) == (status, threshold)
    assert measured.ferritin_unreliable == (crp is not None and crp > 5)


def test_inflammation_makes_ferritin_unreliable_and_a_low_saturation_raises_the_question() -> None:
    measured = measured_iron_status(
        make_report("female", 40, ferritin=150.0, crp=25.0, transferrin_saturation=12.0)
    )
    assert measured is not None
    assert measured.status == "possibly_deficient"
    assert measured.ferritin_unreliable
    assert [reading.analyte for reading in measured.readings] == ["ferritin", "transferrin_saturation", "crp"]
    assert "does not rule out iron deficiency" in measured.readings[-1].text.en
    assert "воспаление" in measured.text.ru.lower()


def test_saturation_is_computed_from_iron_and_tibc_and_tibc_from_uibc() -> None:
    measured = measured_iron_status(make_report("female", 25, serum_iron=7.0, uibc=83.0))
    assert measured is not None
    by_analyte = {reading.analyte: reading for reading in measured.readings}
    assert by_analyte["tibc"].value == pytest.approx(90.0)
    assert by_analyte["tibc"].reading == "high"
    assert by_analyte["transferrin_saturation"].value == pytest.approx(7.8)
    assert "computed" in by_analyte["transferrin_saturation"].text.en
    assert by_analyte["serum_iron"].reading == "low"
    # without ferritin a low saturation only raises the question
    assert measured.status == "possibly_deficient"
    assert measured.ferritin_ug_l is None


def test_a_normal_panel_without_ferritin_is_undetermined_and_no_panel_means_none() -> None:
    measured = measured_iron_status(make_report("male", 50, transferrin_saturation=32.0))
    assert measured is not None
    assert measured.status == "undetermined"
    assert "Without ferritin" in measured.text.en
    assert measured_iron_status(make_report("male", 50, crp=20.0)) is None


def test_the_estimate_is_given_beside_the_measurement(shipped: RiskModel) -> None:
    # a deficient-looking count with stores that measure adequate: both are reported, neither replaces the other
    report = make_report("female", 29, **IRON_DEFICIENT_PICTURE, ferritin=80.0, transferrin_saturation=28.0)
    result = assess_with(report, shipped)
    assert result.measured_iron_status is not None
    assert result.measured_iron_status.status == "not_deficient"
    assert result.risk_tier == "HIGH"
    assert (
        result.risk_percent
        == assess_with(make_report("female", 29, **IRON_DEFICIENT_PICTURE), shipped).risk_percent
    )
    low = assess_with(make_report("male", 51, **HEALTHY_PICTURE, transferrin_saturation=10.0), shipped)
    assert low.measured_iron_status is not None
    assert low.measured_iron_status.status == "possibly_deficient"

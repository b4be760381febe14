"""The additive spline model: curves that follow the data, exact SHAP terms, JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from verae.risk.additive import AdditiveModel
from verae.risk.features import FloatArray
from verae.training.additive import fit_additive

FEATURES = ["sex", "age", "mcv", "crp"]


def _synthetic(rows: int = 4000, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """Risk falls smoothly with MCV, is higher for women of 18-49, and does not depend on CRP."""
    generator = np.random.default_rng(seed)
    sex = generator.integers(0, 2, rows).astype(float)
    age = generator.uniform(1, 80, rows)
    mcv = generator.normal(88, 6, rows)
    crp = generator.exponential(2.0, rows)
    log_odds = -1.5 - 0.25 * (mcv - 88) + 1.5 * sex * ((age >= 18) & (age < 50))
    labels = (generator.uniform(size=rows) < 1 / (1 + np.exp(-log_odds))).astype(float)
    return np.column_stack([sex, age, mcv, crp]), labels


@pytest.fixture(scope="module")
def fitted() -> tuple[AdditiveModel, FloatArray]:
    matrix, labels = _synthetic()
    return fit_additive(matrix, labels, FEATURES), matrix


def test_curves_follow_the_data(fitted: tuple[AdditiveModel, FloatArray]) -> None:
    model, _ = fitted
    mcv = np.linspace(75, 100, 6)
    mcv_term = model.curves[FEATURES.index("mcv")].term(mcv)
    assert (np.diff(mcv_term) < 0).all()
    assert mcv_term[0] - mcv_term[-1] == pytest.approx(0.25 * 25, rel=0.25)
    crp_term = model.curves[FEATURES.index("crp")].term(np.linspace(0, 10, 6))
    assert np.ptp(crp_term) < 0.3
    woman_30, woman_70, man_30 = model.group.term(np.array([1.0, 1.0, 0.0]), np.array([30.0, 70.0, 30.0]))
    assert woman_30 - woman_70 > 0.8
    assert woman_30 - man_30 > 0.8


def test_terms_are_an_exact_decomposition_centred_on_the_training_rows(
    fitted: tuple[AdditiveModel, FloatArray],
) -> None:
    model, matrix = fitted
    terms = model.terms(matrix)
    np.testing.assert_allclose(model.base_log_odds + terms.sum(axis=1), model.log_odds(matrix), atol=1e-9)
    np.testing.assert_allclose(terms.mean(axis=0), 0.0, atol=1e-9)


def test_the_sex_and_age_step_is_split_by_the_shapley_formula(
    fitted: tuple[AdditiveModel, FloatArray],
) -> None:
    group = fitted[0].group
    sex, age = np.array([1.0, 0.0, 1.0]), np.array([30.0, 30.0, 70.0])
    for_sex, for_age = group.shapley(sex, age)
    # efficiency: the two shares add up to the term's departure from its training mean
    np.testing.assert_allclose(for_sex + for_age, group.term(sex, age) - group.mean, atol=1e-12)
    # a woman of 30 is at higher risk than a man of 30 mostly because of her sex at that age
    assert for_sex[0] > 0 > for_sex[1]
    assert for_age[0] > for_age[2]


def test_missing_inputs_take_the_training_median_and_extremes_are_clipped(
    fitted: tuple[AdditiveModel, FloatArray],
) -> None:
    model, matrix = fitted
    curve = model.curves[FEATURES.index("mcv")]
    median = float(np.median(matrix[:, FEATURES.index("mcv")]))
    np.testing.assert_allclose(curve.term(np.array([np.nan])), curve.term(np.array([median])))
    low, high = curve.knots[0], curve.knots[-1]
    np.testing.assert_allclose(curve.term(np.array([low - 30.0])), curve.term(np.array([low])))
    np.testing.assert_allclose(curve.term(np.array([high + 30.0])), curve.term(np.array([high])))
    row = matrix[:1].copy()
    row[0, FEATURES.index("crp")] = np.nan
    assert np.isfinite(model.terms(row)).all()


def test_an_unknown_sex_or_age_weighs_the_groups_by_their_training_shares(
    fitted: tuple[AdditiveModel, FloatArray],
) -> None:
    group = fitted[0].group
    nothing = group.term(np.array([np.nan]), np.array([np.nan]))
    assert nothing[0] == pytest.approx(
        float(
            np.asarray(group.band_shares)
            @ np.asarray(group.values)
            @ [
                1 - group.female_share,
                group.female_share,
            ]
        )
    )


def test_the_json_form_scores_exactly_like_the_fitted_model(fitted: tuple[AdditiveModel, FloatArray]) -> None:
    model, matrix = fitted
    restored = AdditiveModel.model_validate_json(model.model_dump_json())
    np.testing.assert_array_equal(restored.log_odds(matrix), model.log_odds(matrix))
    np.testing.assert_array_equal(restored.terms(matrix[:50]), model.terms(matrix[:50]))


def test_a_sample_weight_counts_like_repeated_rows() -> None:
    matrix, labels = _synthetic(rows=600, seed=1)
    weights = np.where(matrix[:, FEATURES.index("mcv")] < 85, 3.0, 1.0)
    repeats = weights.astype(int)
    weighted = fit_additive(matrix, labels, FEATURES, weights)
    repeated = fit_additive(np.repeat(matrix, repeats, axis=0), np.repeat(labels, repeats), FEATURES)
    unweighted = fit_additive(matrix, labels, FEATURES)
    np.testing.assert_allclose(weighted.log_odds(matrix), repeated.log_odds(matrix), atol=1e-3)
    assert not np.allclose(weighted.log_odds(matrix), unweighted.log_odds(matrix), atol=1e-2)

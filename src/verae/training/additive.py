"""Fitting the additive model (verae.risk.additive) with scipy's B-spline basis and scikit-learn's
L2-penalised logistic regression. Runtime evaluation is numpy only; tests/training checks both agree."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import BSpline
from sklearn.linear_model import LogisticRegression

from verae.risk.additive import AGE_BAND_EDGES, SEXES, AdditiveModel, Curve, GroupTerm, age_band
from verae.risk.features import FloatArray

CUBIC = 3
# interior knots, evenly spaced between the training minimum and maximum (the curve is flat beyond them)
INTERIOR_KNOTS = 3
PENALTY_C = 1.0


def scipy_basis(curve: Curve, values: FloatArray) -> FloatArray:
    """Design matrix of the B-spline basis at `values`, as scipy computes it (used for fitting)."""
    design = BSpline.design_matrix(curve.inputs(values), np.asarray(curve.knots), curve.degree)
    return np.asarray(design.toarray(), dtype=np.float64)


def scipy_term(curve: Curve, values: FloatArray) -> FloatArray:
    """The curve's term as scipy evaluates it (the fitting-time reference for Curve.term)."""
    spline = BSpline(np.asarray(curve.knots), np.asarray(curve.coefficients), curve.degree)
    return np.asarray(spline(curve.inputs(values)), dtype=np.float64)


def _unfitted_curve(column: FloatArray) -> Curve:
    present = column[~np.isnan(column)]
    fill = float(np.median(present))
    if len(np.unique(present)) <= 2:
        degree, inner = 1, []
        low, high = float(present.min()), float(present.max())
    else:
        degree = CUBIC
        low, high = float(present.min()), float(present.max())
        inner = np.linspace(low, high, INTERIOR_KNOTS + 2)[1:-1].tolist()
    knots = [low] * (degree + 1) + inner + [high] * (degree + 1)
    coefficients = [0.0] * (len(knots) - degree - 1)
    return Curve(degree=degree, knots=knots, coefficients=coefficients, fill=fill, mean=0.0)


def fit_additive(
    matrix: FloatArray, labels: FloatArray, features: list[str], sample_weight: FloatArray | None = None
) -> AdditiveModel:
    """Fit on rows in `features` order (NaN = missing; `sex` and `age` present) with 0/1 labels; each row
    weighs `sample_weight` in the penalised likelihood (default 1). Curve means stay unweighted: they are
    the background of the explanations, the training rows as they are."""
    curves = [_unfitted_curve(column) for column in matrix.T]
    sex = matrix[:, features.index("sex")]
    bands = age_band(matrix[:, features.index("age")]).astype(int)
    band_count = len(AGE_BAND_EDGES) + 1
    groups = np.eye(band_count * SEXES)[bands * SEXES + sex.astype(int)]
    bases = [scipy_basis(curve, matrix[:, column]) for column, curve in enumerate(curves)]
    fitted = LogisticRegression(C=PENALTY_C, max_iter=5000).fit(
        np.hstack([*bases, groups]), labels, sample_weight=sample_weight
    )
    coefficients = np.split(fitted.coef_[0], np.cumsum([basis.shape[1] for basis in bases]))
    fitted_curves = []
    for column, (curve, weights) in enumerate(zip(curves, coefficients, strict=False)):
        with_weights = Curve(**{**curve.model_dump(), "coefficients": weights.tolist()})
        mean = float(scipy_term(with_weights, matrix[:, column]).mean())
        fitted_curves.append(Curve(**{**with_weights.model_dump(), "mean": mean}))
    group_values = coefficients[-1].reshape(band_count, SEXES)
    group = GroupTerm(
        values=group_values.tolist(),
        band_shares=(np.bincount(bands, minlength=band_count) / len(bands)).tolist(),
        female_share=float(sex.mean()),
        mean=float(group_values[bands, sex.astype(int)].mean()),
    )
    return AdditiveModel(
        features=features, curves=fitted_curves, group=group, intercept=float(fitted.intercept_[0])
    )

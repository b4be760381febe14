"""An additive logistic model: one smooth curve per input plus a step per sex × age band, stacked with
CatBoost in a head.

log-odds = intercept + Σ_j curve_j(x_j) + group(sex, age band). Each curve is a B-spline (cubic; linear
for a two-valued input such as sex) with evenly spaced knots over the training range; the group term
lets risk change between the sexes at menarche and menopause. All are fitted together by L2-penalised
logistic regression. Trees approximate a smooth dose-response (lower MCV, higher risk) with steps learnt from few
rows at the extremes; the curves do not, and in cross-validation the stack of both ranks better than
either (docs/model-card.md).

Fitting lives in verae.training.additive (scikit-learn, scipy); this module evaluates with numpy only.

Explanations stay exact SHAP values against the training rows as background: a curve's is its term minus
the term's training mean; the group term, which depends on two inputs, is split between sex and age by
the exact two-input Shapley formula. A missing input takes the training median, so its term is near zero.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from verae.risk.features import FloatArray

# lower edges of the age bands after the first (years): childhood, adolescence and menarche, menopause,
# old age; the test split is stratified by the same bands
AGE_BAND_EDGES = (6.0, 18.0, 50.0, 65.0)
SEXES = 2  # column of GroupTerm.values: 0 = male, 1 = female (the `sex` feature's coding)


class Curve(BaseModel):
    """One input's term: a B-spline of `degree` on the full knot vector `knots` with `coefficients`.

    Outside [knots[degree], knots[-degree-1]] the input is clipped (the curve stays flat); a missing
    input is replaced by `fill`. `mean` is the term's average over the training rows.
    """

    degree: int
    knots: list[float]
    coefficients: list[float]
    fill: float
    mean: float

    def inputs(self, values: FloatArray) -> FloatArray:
        """NaN → fill; clipped to the boundary knots, so the curve is flat beyond them."""
        low, high = self.knots[self.degree], self.knots[-self.degree - 1]
        return np.clip(np.where(np.isnan(values), self.fill, values), low, high)

    def basis(self, values: FloatArray) -> FloatArray:
        """Design matrix of the B-spline basis at `values` (numpy only; see bspline_basis)."""
        span, nonzero = bspline_basis(self.inputs(values), np.asarray(self.knots), self.degree)
        count = len(self.knots) - self.degree - 1
        design = np.zeros((len(span), count), dtype=np.float64)
        rows = np.arange(len(span))
        for offset, column in enumerate(nonzero):
            design[rows, span - self.degree + offset] = column
        return design

    @cached_property
    def _coefficients(self) -> FloatArray:
        return np.asarray(self.coefficients, dtype=np.float64)

    def term(self, values: FloatArray) -> FloatArray:
        """The curve at `values`, summed in the order scipy's BSpline uses (so the two agree to the bit)."""
        span, nonzero = bspline_basis(self.inputs(values), np.asarray(self.knots), self.degree)
        result: FloatArray = np.zeros(len(span), dtype=np.float64)
        for offset, column in enumerate(nonzero):
            result = result + self._coefficients[span - self.degree + offset] * column
        return result


def bspline_basis(
    x: FloatArray, knots: FloatArray, degree: int
) -> tuple[npt.NDArray[np.intp], list[FloatArray]]:
    """Per value, its knot span and the degree + 1 basis functions that are non-zero there.

    The span is the i with t[i] <= x < t[i+1], clamped to the base interval [t[degree], t[n]] (its right
    end belongs to the last span); x must lie in the base interval. The non-zero functions, i - degree …
    i, come from de Boor's recurrence written exactly as scipy.interpolate.BSpline evaluates it
    (scipy's _deBoor_D), so fitting (scipy) and inference (numpy) agree to the last bit.
    """
    x = np.asarray(x, dtype=np.float64)
    count = len(knots) - degree - 1
    span = np.clip(np.searchsorted(knots, x, side="right") - 1, degree, count - 1)
    h = [np.ones_like(x)] + [np.zeros_like(x) for _ in range(degree)]
    for j in range(1, degree + 1):
        previous = [column.copy() for column in h[:j]]
        h[0] = np.zeros_like(x)
        for n in range(1, j + 1):
            after, before = knots[span + n], knots[span + n - j]
            width = after - before
            w = np.divide(previous[n - 1], width, out=np.zeros_like(x), where=width != 0)
            h[n - 1] = h[n - 1] + w * (after - x)
            h[n] = w * (x - before)
    return span, h


def age_band(age: FloatArray) -> FloatArray:
    """0–4 by AGE_BAND_EDGES; NaN stays NaN."""
    bands: FloatArray = np.where(np.isnan(age), np.nan, np.searchsorted(AGE_BAND_EDGES, age, side="right"))
    return bands


class GroupTerm(BaseModel):
    """A log-odds step per age band (rows) and sex (columns), with the training shares that define the
    background for its Shapley split: `band_shares` per band, `female_share`; `mean` over training rows."""

    values: list[list[float]]
    band_shares: list[float]
    female_share: float
    mean: float

    @cached_property
    def _table(self) -> FloatArray:
        return np.asarray(self.values, dtype=np.float64)

    def _sex_weights(self, sex: FloatArray) -> FloatArray:
        """Per row, weights of (male, female); an unknown sex weighs both by the training share."""
        female = np.where(np.isnan(sex), self.female_share, sex)
        return np.column_stack([1.0 - female, female])

    def _band_weights(self, age: FloatArray) -> FloatArray:
        """Per row, weights of each band; an unknown age weighs the bands by their training shares."""
        bands = age_band(age)
        weights = np.tile(np.asarray(self.band_shares), (len(age), 1))
        known = ~np.isnan(bands)
        weights[known] = np.eye(len(self.band_shares))[bands[known].astype(int)]
        return weights

    def term(self, sex: FloatArray, age: FloatArray) -> FloatArray:
        result: FloatArray = ((self._band_weights(age) @ self._table) * self._sex_weights(sex)).sum(axis=1)
        return result

    def shapley(self, sex: FloatArray, age: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Exact Shapley values of the term for (sex, age) against the training background.

        v(∅) = mean; v({sex}) is the term with the age band drawn from the background, v({age}) likewise
        for sex; each input gets the average of its two marginal contributions.
        """
        sex_weights, band_weights = self._sex_weights(sex), self._band_weights(age)
        both = ((band_weights @ self._table) * sex_weights).sum(axis=1)
        sex_only = sex_weights @ (np.asarray(self.band_shares) @ self._table)
        age_only = band_weights @ (self._table @ np.array([1.0 - self.female_share, self.female_share]))
        for_sex = 0.5 * ((sex_only - self.mean) + (both - age_only))
        for_age = 0.5 * ((age_only - self.mean) + (both - sex_only))
        return for_sex, for_age


class AdditiveModel(BaseModel):
    """The fitted model, stored as JSON in the artifact (no pickles): one curve per feature in `features`
    order, and the group term on the `sex` and `age` features."""

    features: list[str]
    curves: list[Curve]
    group: GroupTerm
    intercept: float

    def terms(self, matrix: FloatArray) -> FloatArray:
        """Per row and input, its exact SHAP value (columns in `features` order)."""
        shap = np.column_stack(
            [curve.term(matrix[:, column]) - curve.mean for column, curve in enumerate(self.curves)]
        )
        sex, age = self.features.index("sex"), self.features.index("age")
        for_sex, for_age = self.group.shapley(matrix[:, sex], matrix[:, age])
        shap[:, sex] += for_sex
        shap[:, age] += for_age
        return shap

    @property
    def base_log_odds(self) -> float:
        """The log-odds when every term is at its training mean."""
        return self.intercept + self.group.mean + sum(curve.mean for curve in self.curves)

    def log_odds(self, matrix: FloatArray) -> FloatArray:
        """The same as base_log_odds + terms(matrix).sum(axis=1), without the Shapley split."""
        sex, age = matrix[:, self.features.index("sex")], matrix[:, self.features.index("age")]
        result: FloatArray = self.intercept + self.group.term(sex, age)
        for column, curve in enumerate(self.curves):
            result = result + curve.term(matrix[:, column])
        return result

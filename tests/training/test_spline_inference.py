"""The runtime additive model evaluates its B-splines with numpy; fitting uses scipy. Both must agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from verae.risk.features import FEATURE_NAMES
from verae.risk.model import RiskModel
from verae.training.additive import scipy_basis, scipy_term


def test_numpy_spline_inference_equals_scipy_on_nhanes_rows(shipped: RiskModel, cohort: pd.DataFrame) -> None:
    matrix = cohort[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
    # past the training range and missing values too: both are clipped or filled the same way
    matrix = np.vstack([matrix, np.full((1, matrix.shape[1]), np.nan), matrix[:50] * 3.0, matrix[:50] * -1.0])
    for additive in shipped._additive.values():
        for column, curve in enumerate(additive.curves):
            values = matrix[:, column]
            np.testing.assert_allclose(curve.basis(values), scipy_basis(curve, values), rtol=0, atol=1e-12)
            np.testing.assert_allclose(curve.term(values), scipy_term(curve, values), rtol=0, atol=1e-12)


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_numpy_basis_equals_scipy_at_knots_and_edges(degree: int) -> None:
    from verae.risk.additive import Curve

    inner = [2.0, 3.5, 7.0]
    knots = [0.0] * (degree + 1) + inner + [10.0] * (degree + 1)
    curve = Curve(
        degree=degree, knots=knots, coefficients=[0.0] * (len(knots) - degree - 1), fill=5.0, mean=0.0
    )
    values = np.concatenate([np.linspace(-1.0, 11.0, 241), np.array(knots), [np.nan]])
    np.testing.assert_allclose(curve.basis(values), scipy_basis(curve, values), rtol=0, atol=1e-12)

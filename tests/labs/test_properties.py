"""Property tests: unit conversion, number parsing and value extraction hold for any printed value."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verae.labs.catalog import ANALYTES, BY_CODE, Analyte
from verae.labs.extract import read_values
from verae.labs.units import UnitError, convert, is_plausible, normalize_unit
from verae.labs.values import parse_number

from .rows import make_lines

unit_choices = st.sampled_from([(analyte, unit) for analyte in ANALYTES for unit in analyte.units])


@given(unit_choices, st.floats(min_value=0.001, max_value=0.999))
def test_conversion_multiplies_by_the_catalog_factor_and_lands_in_the_canonical_unit(
    choice: tuple[Analyte, str], position: float
) -> None:
    analyte, unit = choice
    low, high = analyte.plausible
    canonical = low + (high - low) * position
    printed = canonical / analyte.units[unit]
    normalized = convert(analyte, printed, unit)
    assert normalized.unit == analyte.canonical_unit
    assert math.isclose(normalized.value, canonical, rel_tol=1e-9, abs_tol=1e-9)
    assert is_plausible(analyte, normalized.value)


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("г/дл", "g/dl"),
        ("x10*9/л", "10^9/l"),
        ("10*12/л", "10^12/l"),
        ("х10^12/л", "10^12/l"),
        ("x10E3/uL", "10^3/ul"),
        ("×10⁹/L", "10^9/l"),
        ("млн/мкл", "10^6/ul"),
        ("тыс/мкл", "10^3/ul"),
        ("мкмоль/л", "umol/l"),
        ("µmol/L", "umol/l"),
        ("mcg/dL", "ug/dl"),
        ("нг/мл", "ng/ml"),
        ("фл", "fl"),
    ],
)
def test_unit_spellings_normalise_to_one_key(printed: str, key: str) -> None:
    assert normalize_unit(printed) == key


@given(st.floats(min_value=8.0, max_value=35.0))
def test_rdw_percent_and_femtolitres_never_convert_into_each_other(value: float) -> None:
    with pytest.raises(UnitError):
        convert(BY_CODE["rdw_cv"], value, "fL")
    with pytest.raises(UnitError):
        convert(BY_CODE["rdw_sd"], value, "%")


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=3), st.booleans())
def test_a_printed_number_parses_with_a_decimal_comma_or_point(
    units: int, decimals: int, comma: bool
) -> None:
    number = units / 10**decimals
    text = f"{number:.{decimals}f}"
    if comma:
        text = text.replace(".", ",")
    assert parse_number(text) == pytest.approx(number, abs=10**-decimals / 2)


# Rows a lab prints: label, unit, and the canonical analyte; ranges and values are drawn per case.
ROWS = [
    ("Гемоглобин (HGB)", "г/л", "hemoglobin"),
    ("Hemoglobin", "g/dL", "hemoglobin"),
    ("Эритроциты", "10*12/л", "rbc"),
    ("MCV", "fL", "mcv"),
    ("Ферритин", "нг/мл", "ferritin"),
    ("Железо сывороточное", "мкмоль/л", "serum_iron"),
    ("Platelet count", "x10^9/L", "platelets"),
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ROWS),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=2),
    st.booleans(),
    st.sampled_from(["", "H", "L", "↑", "↓", "*"]),
    st.sampled_from(["{low} - {high}", "({low}-{high})", "{low}–{high}"]),
)
def test_the_value_is_extracted_and_never_a_bound_of_the_range(
    row: tuple[str, str, str], position: float, decimals: int, comma: bool, flag: str, range_format: str
) -> None:
    label, unit, code = row
    analyte = BY_CODE[code]
    factor = analyte.units[normalize_unit(unit)]
    low, high = (bound / factor for bound in analyte.plausible)
    value = round(low + (high - low) * position, decimals)
    if not is_plausible(analyte, value * factor):
        return

    def printed(number: float) -> str:
        text = f"{number:.{decimals}f}"
        return text.replace(".", ",") if comma else text

    reference = range_format.format(
        low=printed(low + (high - low) * 0.3), high=printed(low + (high - low) * 0.6)
    )
    cells = [(40.0, label), (260.0, f"{printed(value)} {flag}".strip()), (330.0, unit), (410.0, reference)]
    reading = read_values(make_lines([cells]), ocr_pages=frozenset())
    (found,) = reading.values
    assert found.analyte == code
    assert found.value == pytest.approx(value)
    assert found.normalized_value == pytest.approx(value * factor)
    assert found.flag == (flag or None)
    assert found.reference_range == reference.strip("()")

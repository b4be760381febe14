"""The values of one report checked against each other (`labs.consistency`): reports built in code from
an analyser's measurements, printed rounded as labs print them, and one scanned page read end to end."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from verae.labs.catalog import BY_CODE
from verae.labs.consistency import check_consistency
from verae.labs.reader import read_document
from verae.labs.schemas import LabValue, ReportWarning

from .corpus.samples import render

# one analyser run: haemoglobin, red cells and MCV measured, the rest calculated from them unrounded
HGB, RBC, MCV = 118.4, 4.437, 78.16
HCT = RBC * MCV / 10
IRON, TIBC = 7.43, 76.81
CALCULATED = {
    "hemoglobin": (HGB, 0),
    "rbc": (RBC, 2),
    "mcv": (MCV, 1),
    "hematocrit": (HCT, 1),
    "mch": (HGB / RBC, 1),
    "mchc": (HGB / HCT * 100, 0),
    "serum_iron": (IRON, 1),
    "tibc": (TIBC, 1),
    "uibc": (TIBC - IRON, 1),
    "transferrin_saturation": (IRON / TIBC * 100, 1),
    "transferrin": (TIBC / 25.1, 2),
}


def _value(analyte: str, printed: str, *, ocr: bool = True, factor: float = 1.0) -> LabValue:
    number = float(printed.replace(" ", "").replace(",", "."))
    return LabValue(
        analyte=analyte,
        value=number,
        unit=None,
        normalized_value=number * factor,
        normalized_unit=BY_CODE[analyte].canonical_unit,
        confidence=0.9 if ocr else 1.0,
        ocr_confidence=0.9 if ocr else None,
        page=1,
        source_text=printed,
    )


def _report(*, ocr: bool = True, **misread: str) -> list[LabValue]:
    """The whole report as printed, with some values replaced by what OCR read instead."""
    return [
        _value(code, misread.get(code, f"{number:.{places}f}"), ocr=ocr)
        for code, (number, places) in CALCULATED.items()
    ]


def test_a_consistent_report_is_confirmed_and_left_as_read() -> None:
    values = _report()
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert kept == values
    assert warnings == []
    assert checked.confirmed == set(CALCULATED) - {"transferrin"}  # the transferrin factor is only loose
    assert not checked.dropped
    assert not checked.marked


def test_values_printed_in_other_units_are_checked_in_canonical_ones() -> None:
    # haematocrit as a fraction (L/L, its trailing zero printed) and red cells per µL, as labs print them
    values = [
        _value("hematocrit", "0,350", factor=100)
        if value.analyte == "hematocrit"
        else _value("rbc", "4 440 000", factor=1e-6)
        if value.analyte == "rbc"
        else value
        for value in _report(mcv="78.8", mchc="338")
    ]
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert warnings == []
    assert kept == values
    assert {"hematocrit", "rbc", "mcv", "mchc"} <= checked.confirmed


def test_whole_numbers_padded_with_zero_decimals_by_a_fixed_format_column_agree() -> None:
    # haemoglobin and MCHC printed in whole g/L, padded by a two-decimal column as every value, and the
    # indices calculated from the unrounded haemoglobin
    hgb, rbc, mcv = 118.4, 4.437, 78.16
    hct = rbc * mcv / 10
    printed = {
        "hemoglobin": f"{round(hgb):.2f}",
        "rbc": f"{rbc:.2f}",
        "mcv": f"{mcv:.2f}",
        "hematocrit": f"{hct:.2f}",
        "mch": f"{hgb / rbc:.2f}",
        "mchc": f"{round(hgb / hct * 100):.2f}",
    }
    assert (printed["hemoglobin"], printed["mchc"]) == ("118.00", "341.00")
    values = [_value(code, text) for code, text in printed.items()]
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert warnings == []
    assert kept == values
    assert checked.confirmed == set(printed)
    # the padding loosens nothing else: a misread digit among them is still caught
    misread = [_value(code, "36.68" if code == "hematocrit" else text) for code, text in printed.items()]
    _kept, checked = check_consistency(misread, [])
    assert checked.dropped == {"hematocrit"}


def test_a_misread_value_that_two_identities_blame_is_dropped() -> None:
    misread = f"{HCT - 3:.1f}"  # a 4 read as a 1
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(_report(hematocrit=misread), warnings)
    assert checked.dropped == {"hematocrit"}
    assert "hematocrit" not in {value.analyte for value in kept}
    assert len(kept) == len(CALCULATED) - 1
    assert [(warning.code, warning.analyte, warning.items) for warning in warnings] == [
        ("value_inconsistent", "hematocrit", ["hemoglobin", "mch", "mchc", "mcv", "rbc"])
    ]


def test_an_index_whose_other_members_are_confirmed_is_dropped() -> None:
    # MCH belongs to one identity only; haemoglobin and red cells are vouched for by MCV and MCHC
    warnings: list[ReportWarning] = []
    _kept, checked = check_consistency(_report(mch="23.9"), warnings)
    assert checked.dropped == {"mch"}
    assert [warning.code for warning in warnings] == ["value_inconsistent"]


def test_two_plausible_culprits_are_marked_doubtful_and_nothing_is_dropped() -> None:
    # without MCV and MCH, a wrong MCHC could as well be a wrong haemoglobin or haematocrit
    values = [value for value in _report(mchc="305") if value.analyte not in ("mcv", "mch")]
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert not checked.dropped
    assert len(kept) == len(values)
    assert checked.marked == {"hemoglobin", "hematocrit", "mchc"}
    assert {value.analyte for value in kept if value.doubtful} == checked.marked
    assert [(warning.code, warning.items) for warning in warnings] == [
        ("values_disagree", ["hematocrit", "hemoglobin", "mchc"])
    ]


def test_the_iron_panel_blames_a_misread_tibc() -> None:
    # a 6 read as a 0: the saturation and UIBC identities both fail, and only TIBC set aside mends both
    # (no transferrin printed: a saturation that agrees with it might have been calculated from it)
    values = [value for value in _report(tibc=f"{TIBC - 6:.1f}") if value.analyte != "transferrin"]
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert checked.dropped == {"tibc"}
    assert "tibc" not in {value.analyte for value in kept}


def test_a_misread_that_only_one_identity_sees_is_marked_not_dropped() -> None:
    # half a unit off: within what the one-decimal iron leaves the saturation, so only UIBC fails, and
    # that could be a misread UIBC as well as a misread TIBC
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(_report(tibc=f"{TIBC + 0.5:.1f}"), warnings)
    assert not checked.dropped
    assert checked.marked == {"tibc", "uibc"}
    assert len(kept) == len(CALCULATED)


def test_a_saturation_calculated_from_transferrin_is_not_blamed() -> None:
    # a lab may calculate the saturation from transferrin (x 22.4) while printing a measured TIBC
    values = [value for value in _report() if value.analyte != "uibc"]
    saturation = IRON / (float(f"{TIBC / 25.1:.2f}") * 22.4) * 100
    values = [
        _value(value.analyte, f"{saturation:.1f}") if value.analyte == "transferrin_saturation" else value
        for value in values
    ]
    warnings: list[ReportWarning] = []
    _, checked = check_consistency(values, warnings)
    assert warnings == []
    assert not checked.dropped


def test_text_layer_values_are_trusted_as_printed() -> None:
    values = _report(ocr=False, hematocrit="31.2")
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert kept == values
    assert warnings == []
    assert not checked.confirmed
    assert not checked.dropped
    assert not checked.marked


def test_a_scanned_report_whose_haematocrit_disagrees_with_its_indices_loses_it() -> None:
    # a scan printed as a misread would leave it: the haematocrit 34.7 as 31.7, everything else as measured
    rows = [
        ("Hemoglobin", "118", "g/L", "120 - 150"),
        ("Hematocrit", "31.7", "%", "36 - 46"),
        ("RBC", "4.44", "10*12/L", "3.80 - 5.10"),
        ("MCV", "78.2", "fL", "80 - 100"),
        ("MCH", "26.7", "pg", "27 - 34"),
        ("MCHC", "341", "g/L", "320 - 360"),
    ]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica", 11)
    for index, row in enumerate(rows):
        for x, text in zip((60, 220, 290, 380), row, strict=True):
            pdf.drawString(x, 780 - 22 * index, text)
    pdf.save()
    page = io.BytesIO()
    render(buffer.getvalue(), 200)[0].save(page, "PNG")
    report = read_document(page.getvalue(), "image/png")
    assert {value.analyte for value in report.values} == {"hemoglobin", "rbc", "mcv", "mch", "mchc"}
    assert [(warning.code, warning.analyte) for warning in report.warnings] == [
        ("value_inconsistent", "hematocrit")
    ]


def test_of_two_plausible_culprits_the_one_that_lost_its_decimal_comma_is_dropped() -> None:
    # "2,8" read "28": iron is in the saturation identity alone, so the saturation could as well be the
    # misread one; with the comma put back the iron fits the others to their rounding
    values = [value for value in _report(serum_iron=f"{IRON * 10:.0f}") if value.analyte != "uibc"]
    warnings: list[ReportWarning] = []
    kept, checked = check_consistency(values, warnings)
    assert checked.dropped == {"serum_iron"}
    assert not checked.marked
    assert [warning.code for warning in warnings] == ["value_inconsistent"]
    assert not any(value.doubtful for value in kept)

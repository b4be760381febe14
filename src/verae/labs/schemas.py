"""What reading a lab report produces: values with their provenance, plus who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Sex = Literal["female", "male"]

WarningCode = Literal[
    "value_misread",
    "value_not_read",
    "unit_not_accepted",
    "unit_missing",
    "unit_inferred",
    "value_implausible",
    "value_inconsistent",
    "values_disagree",
    "conflicting_values",
    "repeated_value",
    "several_collection_dates",
    "from_profile",
    "note",
]
# The English text of each code; clients translate the code and its fields (the web app has en and ru).
_WARNING_TEXT: dict[WarningCode, str] = {
    "value_misread": "{analyte} on page {page}: the value is far outside its printed range and looks misread; "
    "not used",
    "value_not_read": "{analyte} on page {page}: the name is printed but its value could not be read; "
    "type it in if the report shows it",
    "unit_not_accepted": "{analyte} on page {page}: unit '{unit}' is not one this analyte is measured in; "
    "not used",
    "unit_missing": "{analyte} on page {page}: no unit printed and the value does not identify one; not used",
    "unit_inferred": "{analyte} on page {page}: no readable unit; read as {unit}, the only unit that fits its "
    "value, its printed range and what could be read of the unit; please check",
    "value_implausible": "{analyte} on page {page}: the value is outside the plausible range; not used",
    "value_inconsistent": "{analyte} on page {page}: the value disagrees with {items}, with which an analyser "
    "calculates it, and looks misread; not used",
    "values_disagree": "{items} disagree with each other (an analyser calculates one from the others): one of "
    "them is probably misread; please check them",
    "conflicting_values": "{analyte} appears more than once with different values; the clearer reading is used",
    "repeated_value": "{analyte} was given more than once; the last value is used",
    "several_collection_dates": "Several collection dates are printed ({items}); the latest is used",
    "from_profile": "Taken from your profile: {items}",
}


class LabValue(BaseModel):
    analyte: str = Field(description="Canonical analyte code, e.g. hemoglobin")
    value: float = Field(description="The value as printed (decimal comma resolved)")
    unit: str | None = Field(default=None, description="The unit as printed")
    normalized_value: float = Field(description="The value in the analyte's canonical unit")
    normalized_unit: str
    qualifier: Literal["<", ">"] | None = None
    reference_range: str | None = Field(default=None, description="The reference range as printed")
    flag: str | None = Field(default=None, description="H/L/↑/↓/* as printed")
    confidence: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="How sure the reader is: OCR confidence x 0.8 for an inferred or repaired unit (0.6 when "
        "something unreadable stood in its place) x 0.7 for a guessed name; 1.0 from a PDF text layer",
    )
    ocr_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Tesseract's confidence in the printed value's words (scans and photos); None from a "
        "text layer or a structured file",
    )
    doubtful: bool = Field(
        default=False,
        description="The reader doubts this value (confidence below 0.5, or it disagrees with the values an "
        "analyser calculates it with): check it against the page",
    )
    page: int | None = None
    source_line: str | None = Field(default=None, description="The printed line the value was read from")
    source_text: str | None = Field(
        default=None, description="The value exactly as printed or read by OCR, e.g. '45.2+' or '< 0,2'"
    )
    bbox: list[float] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="Where the value is printed on its page: [left, top, right, bottom] as fractions of the "
        "page's width and height, from the top-left corner. For scans and photos, of the page as prepared "
        "for OCR (cropped to the paper and levelled)",
    )


class InvalidField(BaseModel):
    field: str
    code: Literal[
        "not_a_number",
        "not_finite",
        "negative",
        "implausible_value",
        "unknown_unit",
        "unknown_field",
        "invalid",
    ]
    message: str


class ReportWarning(BaseModel):
    """Something about how the report was read that a person should know."""

    code: WarningCode = Field(description="Stable code; `note` is a text stored before codes existed")
    message: str = Field(description="The warning in English")
    analyte: str | None = None
    page: int | None = None
    unit: str | None = Field(default=None, description="The unit as printed")
    items: list[str] = Field(
        default_factory=list,
        description="The collection dates printed, the profile fields used, or the analytes that disagree",
    )

    @classmethod
    def of(
        cls,
        code: WarningCode,
        *,
        analyte: str | None = None,
        page: int | None = None,
        unit: str | None = None,
        items: list[str] | None = None,
    ) -> ReportWarning:
        listed = items or []
        message = _WARNING_TEXT[code].format(analyte=analyte, page=page, unit=unit, items=", ".join(listed))
        return cls(code=code, message=message, analyte=analyte, page=page, unit=unit, items=listed)


@dataclass(frozen=True)
class PageFrame:
    """The frame of a scanned page's value boxes: the degrees the reader turned the page clockwise, and
    whether its light was levelled only as far as its ink (`ocr.PreparedPage`)."""

    turn: int = 0
    levelled_to_ink: bool = False


class LabReport(BaseModel):
    values: list[LabValue] = Field(default_factory=list)
    collection_date: date | None = None
    sex: Sex | None = None
    age: float | None = None
    bmi: float | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    warnings: list[ReportWarning] = Field(default_factory=list)
    invalid_fields: list[InvalidField] = Field(default_factory=list)
    page_turns: dict[int, int] = Field(
        default_factory=dict,
        description="Degrees (90, 180 or 270) the reader turned a scanned page clockwise to read it upright, "
        "by page number; its values' boxes are fractions of the turned page. Pages not listed were read as "
        "prepared (and reports read before turns were recorded list none)",
    )
    pages_levelled_to_ink: list[int] = Field(
        default_factory=list,
        description="Scanned pages whose light the reader levelled only as far as their ink (the usual "
        "levelling had made the paper's texture, a monitor's moiré, into ink); their values' boxes are "
        "fractions of the page so prepared. Pages not listed were levelled as usual",
    )

    @field_validator("warnings", mode="before")
    @classmethod
    def _texts_stored_before_codes(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"code": "note", "message": item} if isinstance(item, str) else item for item in value]
        return value

    def page_frame(self, page: int) -> PageFrame:
        """How the reader prepared page `page`, which its values' boxes refer to."""
        return PageFrame(self.page_turns.get(page, 0), page in self.pages_levelled_to_ink)

    def value_of(self, analyte: str) -> float | None:
        for lab_value in self.values:
            if lab_value.analyte == analyte:
                return lab_value.normalized_value
        return None


class ReviewedValue(BaseModel):
    """One value as a person or a client submits it, in any unit the catalog accepts."""

    analyte: str = Field(
        max_length=64, description="Canonical code or a printed name, e.g. hemoglobin or HGB"
    )
    value: float | str
    unit: str | None = Field(default=None, max_length=32)


class SubmittedValues(BaseModel):
    """A complete set of values with the person's details, typed in or sent by a client."""

    values: list[ReviewedValue] = Field(min_length=1, max_length=60)
    sex: Sex | None = None
    age: float | None = None
    collected_at: date | None = None
    bmi: float | None = None
    height_cm: float | None = None
    weight_kg: float | None = None

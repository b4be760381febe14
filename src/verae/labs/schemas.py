"""What reading a lab report produces: values with their provenance, plus who and when."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Sex = Literal["female", "male"]


class LabValue(BaseModel):
    analyte: str = Field(description="Canonical analyte code, e.g. hemoglobin")
    value: float = Field(description="The value as printed (decimal comma resolved)")
    unit: str | None = Field(default=None, description="The unit as printed")
    normalized_value: float = Field(description="The value in the analyte's canonical unit")
    normalized_unit: str
    qualifier: Literal["<", ">"] | None = None
    reference_range: str | None = Field(default=None, description="The reference range as printed")
    flag: str | None = Field(default=None, description="H/L/↑/↓/* as printed")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    page: int | None = None
    source_line: str | None = None


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


class LabReport(BaseModel):
    values: list[LabValue] = Field(default_factory=list)
    collection_date: date | None = None
    sex: Sex | None = None
    age: float | None = None
    bmi: float | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    warnings: list[str] = Field(default_factory=list)
    invalid_fields: list[InvalidField] = Field(default_factory=list)

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

"""The risk contract shared by stored results, the synchronous predict endpoint and the CLI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from verae.labs.schemas import InvalidField, LabReport, SubmittedValues

RiskTier = Literal["HIGH", "WARNING", "GRAY", "LOW"]
Confidence = Literal["high", "medium", "low"]


Language = Literal["en", "ru"]


class LocalizedText(BaseModel):
    """A text in every language the product speaks (`Language`)."""

    en: str
    ru: str

    def in_language(self, language: Language) -> str:
        return self.ru if language == "ru" else self.en


class Explanation(BaseModel):
    feature: str = Field(description="Input name, e.g. mcv")
    value: float | None
    unit: str | None
    contribution: float = Field(description="Signed contribution to the estimate (positive raises it)")
    direction: Literal["raises", "lowers"]
    text: LocalizedText


class PanelReading(BaseModel):
    """One measured iron-panel value read against its cited threshold (see risk/measured.py)."""

    analyte: str = Field(description="ferritin, transferrin_saturation, serum_iron, tibc or crp")
    value: float = Field(description="In `unit`; transferrin saturation may be computed from iron and TIBC")
    unit: str
    reading: Literal["low", "borderline", "normal", "high"]
    threshold: float = Field(description="The limit the value was compared with, in `unit`")
    text: LocalizedText


class MeasuredIronStatus(BaseModel):
    """Iron status read from the measured iron panel with published thresholds: measured, not predicted."""

    basis: Literal["measured"] = "measured"
    ferritin_ug_l: float | None = Field(description="Measured ferritin; null when only the rest was measured")
    status: Literal[
        "deficient", "likely_deficient", "possibly_deficient", "not_deficient", "undetermined"
    ] = Field(
        description="From ferritin (WHO 2020 thresholds by age and inflammation) and transferrin saturation; "
        "`undetermined` when neither ferritin nor a low saturation settles it"
    )
    threshold_ug_l: float | None = Field(description="The ferritin threshold applied; null without ferritin")
    inflammation: bool = Field(description="CRP above 5 mg/L, which raises ferritin and the threshold")
    ferritin_unreliable: bool = Field(
        default=False,
        description="Ferritin was read with inflammation: a normal value does not rule out deficiency",
    )
    readings: list[PanelReading] = Field(default_factory=list, description="Each measured value, read")
    text: LocalizedText


class BloodPattern(BaseModel):
    """The red-cell pattern the count shows, named (risk/patterns.py): context for the estimate, not a diagnosis."""

    code: Literal["microcytosis_high_rdw", "microcytosis_high_rbc", "normocytic_anaemia_inflammation"]
    mentzer_index: float | None = Field(description="MCV / RBC when both were given")
    text: LocalizedText


class OutsideTrainingRange(BaseModel):
    """An input the model has seen no value like: it is used, and the estimate is less certain."""

    feature: str = Field(description="Input name, e.g. mcv")
    value: float
    training_low: float = Field(description="Smallest value the model was trained on (central 99.8%)")
    training_high: float = Field(description="Largest value the model was trained on (central 99.8%)")
    text: LocalizedText


class RiskResult(BaseModel):
    iron_index: float | None = Field(
        description="Continuous iron estimate; its meaning depends on model_version (see the model card)"
    )
    risk_percent: float = Field(
        ge=0,
        le=100,
        description="Probability × 100 that ferritin is < 30 µg/L (calibrated for trained models; rules-v1: a prior)",
    )
    depletion_risk_percent: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Calibrated probability × 100 that ferritin is < 15 µg/L (depleted stores); trained model only",
    )
    risk_tier: RiskTier
    clinical_action: LocalizedText
    disclaimer: LocalizedText
    explanations: list[Explanation]
    confidence: Confidence
    model_version: str
    outside_training_range: list[OutsideTrainingRange] = Field(
        default_factory=list,
        description="Inputs beyond the range the model was trained on; each lowers the confidence",
    )
    measured_iron_status: MeasuredIronStatus | None = None
    pattern: BloodPattern | None = Field(
        default=None,
        description="The red-cell pattern named in words, e.g. one that can also be thalassaemia trait",
    )
    age_caveat: LocalizedText | None = Field(
        default=None,
        description=(
            "Set for ages 1-5, where a blood count says little about iron stores whatever the model: why the "
            "estimate is a weak signal there (its confidence is then at most medium)"
        ),
    )


class NeedsInput(Exception):
    """The inputs are not enough for an estimate: what is missing and what is invalid."""

    def __init__(self, missing_required_fields: list[str], invalid_fields: list[InvalidField]) -> None:
        super().__init__("needs_input")
        self.missing_required_fields = missing_required_fields
        self.invalid_fields = invalid_fields


class PredictRequest(SubmittedValues):
    """Structured values in any unit the catalog accepts, with the person's details."""


class PredictResponse(BaseModel):
    """`done` with the same `risk` a stored result has, or `needs_input` with what is missing or invalid."""

    status: Literal["done", "needs_input"]
    risk: RiskResult | None
    report: LabReport = Field(description="The values as understood, in canonical units")
    missing_required_fields: list[str]
    invalid_fields: list[InvalidField]


AnalyteUse = Literal["required", "model_input", "measured_iron_status", "recorded"]


class AnalyteInfo(BaseModel):
    """One analyte Verae reads, and what it does with it."""

    code: str = Field(description="The canonical code used everywhere in the API")
    loinc: list[str] = Field(description="LOINC codes accepted for it; the first is the usual one")
    name: LocalizedText
    unit: str = Field(description="The canonical unit values are converted to")
    accepted_units: list[str] = Field(
        description="Units accepted, as matched after normalisation (case, spacing, µ/u, Cyrillic spellings)"
    )
    units: list[str] = Field(
        description="Units to offer a person typing a value in, as printed, the usual first (each accepted)"
    )
    plausible_low: float = Field(description="Values below this, in the canonical unit, are refused")
    plausible_high: float = Field(description="Values above this, in the canonical unit, are refused")
    use: AnalyteUse = Field(
        description="`required`: no estimate without it; `model_input`: used by the model when present; "
        "`measured_iron_status`: read clinically beside the estimate (ferritin, transferrin saturation, iron, "
        "TIBC, UIBC; CRP, a model input, also qualifies it); "
        "`recorded`: stored and shown, not used"
    )


class SubjectField(BaseModel):
    name: str = Field(description="sex, age, bmi, height_cm or weight_kg")
    required: bool
    low: float | None = Field(description="Smallest accepted value (none for sex)")
    high: float | None


class InputCatalog(BaseModel):
    """What can be sent to Verae and how it is used: the same for uploads, typed values and /risk/predict."""

    analytes: list[AnalyteInfo]
    subject_fields: list[SubjectField]

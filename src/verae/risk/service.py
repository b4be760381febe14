"""The risk use case: check the inputs, estimate, and word the answer.

The trained model ships in risk/artifacts and is loaded once per process; without it the service uses
rules-v1. An artifact that does not match this code's feature schema is refused with ModelArtifactError
rather than served (call `shipped_model()` at start-up to fail fast).
"""

from __future__ import annotations

import functools
import math
import threading
from typing import TYPE_CHECKING, cast

import numpy as np

from verae.labs.catalog import ANALYTES
from verae.labs.schemas import LabReport
from verae.labs.values import SUBJECT_RANGES
from verae.observability.logging import get_logger
from verae.risk import ARTIFACT_DIR, rules
from verae.risk.explain import EXPLANATION_COUNT, MIN_CONTRIBUTION, explanation_for, outside_range_note
from verae.risk.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    REQUIRED_FIELDS,
    feature_row,
    frame_features,
    report_from_features,
)
from verae.risk.measured import MEASURED_IRON_INPUTS, measured_iron_status
from verae.risk.model import WEAK_SIGNAL_AGES, RiskModel, in_age_spans, load_model
from verae.risk.patterns import blood_pattern
from verae.risk.schemas import (
    AnalyteInfo,
    AnalyteUse,
    Explanation,
    InputCatalog,
    LocalizedText,
    NeedsInput,
    RiskResult,
    RiskTier,
    SubjectField,
)
from verae.risk.texts import (
    CLINICAL_ACTIONS,
    DISCLAIMER,
    MEASURED_DEFICIENT_ACTION,
    WEAK_SIGNAL_AGE_NOTE,
)

if TYPE_CHECKING:  # pandas only for the batch command's tables; never imported at runtime
    import pandas as pd

# rules-v1 percentages are a coarse prior; these cut-offs only apply to them
RULES_TIER_CUTOFFS: tuple[tuple[float, RiskTier], ...] = ((60.0, "HIGH"), (35.0, "WARNING"), (15.0, "GRAY"))
BATCH_OUTPUT_COLUMNS = (
    "risk_percent",
    "depletion_risk_percent",
    "risk_tier",
    "iron_index",
    "confidence",
    "outside_training_range",
    "model_version",
    "problems",
)

logger = get_logger(__name__)


_LOADING = threading.Lock()


def shipped_model() -> RiskModel | None:
    """The packaged model, loaded once per process (callers that arrive while it loads wait for it rather
    than load it again); None when no artifact is installed."""
    with _LOADING:
        return _load_shipped_model()


@functools.cache
def _load_shipped_model() -> RiskModel | None:
    model = load_model(ARTIFACT_DIR)
    if model is None:
        logger.warning("risk_model_absent", fallback=rules.MODEL_VERSION)
    else:
        logger.info("risk_model_loaded", model_version=model.version)
    return model


def rules_tier_for(risk_percent: float) -> RiskTier:
    for cutoff, tier in RULES_TIER_CUTOFFS:
        if risk_percent >= cutoff:
            return tier
    return "LOW"


def missing_required_fields(report: LabReport) -> list[str]:
    present = {value.analyte for value in report.values}
    person = {"sex": report.sex, "age": report.age}
    return [
        field
        for field in REQUIRED_FIELDS
        if (field in person and person[field] is None) or (field not in person and field not in present)
    ]


def assess(report: LabReport) -> RiskResult:
    """The risk estimate for a report; NeedsInput when required inputs are missing or any input is invalid."""
    return assess_with(report, shipped_model())


def assess_with(report: LabReport, model: RiskModel | None) -> RiskResult:
    """`assess` with an explicit model; None means the rules-v1 fallback."""
    missing = missing_required_fields(report)
    if missing or report.invalid_fields:
        raise NeedsInput(missing, list(report.invalid_fields))
    # both guaranteed by the required-field check
    assert report.sex is not None
    assert report.age is not None
    measured = measured_iron_status(report)
    if model is None:
        risk_percent, explanations = rules.score(report, report.sex, report.age)
        tier = rules_tier_for(risk_percent)
        result = RiskResult(
            iron_index=None,
            risk_percent=risk_percent,
            risk_tier=tier,
            clinical_action=CLINICAL_ACTIONS[tier],
            disclaimer=DISCLAIMER,
            explanations=explanations,
            confidence="low",
            model_version=rules.MODEL_VERSION,
            measured_iron_status=measured,
        )
    else:
        row = feature_row(report)
        prediction = model.predict_one(row)
        tier = cast(RiskTier, str(prediction.tier))
        result = RiskResult(
            iron_index=round(prediction.iron_index, 1),
            risk_percent=round(100 * prediction.probability, 1),
            depletion_risk_percent=round(100 * prediction.depleted_probability, 1),
            risk_tier=tier,
            clinical_action=CLINICAL_ACTIONS[tier],
            disclaimer=DISCLAIMER,
            explanations=_explanations(row, prediction.contributions, report),
            confidence=prediction.confidence,
            model_version=model.version,
            outside_training_range=[
                outside_range_note(
                    name, float(row[FEATURE_INDEX[name]]), low, high, model.metadata.supported_ages
                )
                for name, low, high in model.outside_training_range(row)
            ],
            measured_iron_status=measured,
        )
    result.pattern = blood_pattern(report)
    if in_age_spans(np.array([report.age]), WEAK_SIGNAL_AGES)[0]:
        result.age_caveat = WEAK_SIGNAL_AGE_NOTE
    if measured is not None and measured.status in ("deficient", "likely_deficient"):
        result.clinical_action = MEASURED_DEFICIENT_ACTION
    return result


def _explanations(row: np.ndarray, contributions: np.ndarray, report: LabReport) -> list[Explanation]:
    """The largest contributions among inputs that were given (a missing input is not "a reason")."""
    order = np.argsort(-np.abs(contributions), kind="stable")
    chosen = [
        position
        for position in order
        if not math.isnan(row[position]) and abs(contributions[position]) >= MIN_CONTRIBUTION
    ][:EXPLANATION_COUNT]
    return [
        explanation_for(
            FEATURE_NAMES[position],
            float(row[position]),
            round(float(contributions[position]), 4),
            report.sex,
            report.age,
        )
        for position in chosen
    ]


def assess_frame(frame: pd.DataFrame, model: RiskModel | None) -> pd.DataFrame:
    """Score a batch table (columns `sex`, `age`, canonical analyte codes in canonical units).

    Returns the input columns plus BATCH_OUTPUT_COLUMNS. A row with a missing required field or an
    unusable value gets no score and says why in `problems`, as a single report would get needs_input.
    """
    features = frame_features(frame)
    usable = np.array([not problems for problems in features.problems], dtype=bool)
    output = frame.copy()
    risk = np.full(len(frame), np.nan)
    depletion = np.full(len(frame), np.nan)
    outside = np.full(len(frame), "", dtype=object)
    iron_index = np.full(len(frame), np.nan)
    tier = np.full(len(frame), "", dtype=object)
    confidence = np.full(len(frame), "", dtype=object)
    if model is not None and usable.any():
        prediction = model.predict_batch(features.matrix[usable])
        risk[usable] = np.round(100 * prediction.probability, 1)
        depletion[usable] = np.round(100 * prediction.depleted_probability, 1)
        names = np.array(FEATURE_NAMES)
        outside[usable] = [" ".join(names[row]) for row in model.outside_mask(features.matrix[usable])]
        iron_index[usable] = np.round(prediction.iron_index, 1)
        tier[usable] = prediction.tier
        confidence[usable] = prediction.confidence
    elif usable.any():
        for position in np.flatnonzero(usable):
            report = report_from_features(features.matrix[position])
            assert report.sex is not None
            assert report.age is not None
            risk[position], _ = rules.score(report, report.sex, report.age)
            tier[position] = rules_tier_for(float(risk[position]))
            confidence[position] = "low"
    output["risk_percent"] = risk
    output["depletion_risk_percent"] = depletion
    output["risk_tier"] = tier
    output["iron_index"] = iron_index
    output["confidence"] = confidence
    output["outside_training_range"] = outside
    output["model_version"] = np.where(
        usable, model.version if model is not None else rules.MODEL_VERSION, ""
    )
    output["problems"] = features.problems
    return output


def predict_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`assess_frame` with the shipped model (or rules-v1 without one)."""
    return assess_frame(frame, shipped_model())


@functools.cache
def input_catalog() -> InputCatalog:
    """The analyte catalog and the model's inputs, as the API publishes them."""

    def use_of(code: str) -> AnalyteUse:
        if code in REQUIRED_FIELDS:
            return "required"
        if code in FEATURE_NAMES:
            return "model_input"
        return "measured_iron_status" if code in MEASURED_IRON_INPUTS else "recorded"

    analytes = [
        AnalyteInfo(
            code=analyte.code,
            loinc=[analyte.loinc, *analyte.also_loinc],
            name=LocalizedText(en=analyte.name_en, ru=analyte.name_ru),
            unit=analyte.canonical_unit,
            accepted_units=sorted(analyte.units),
            units=list(analyte.offered_units),
            plausible_low=analyte.plausible[0],
            plausible_high=analyte.plausible[1],
            use=use_of(analyte.code),
        )
        for analyte in ANALYTES
    ]
    subject = [SubjectField(name="sex", required=True, low=None, high=None)]
    subject += [
        SubjectField(name=name, required=name in REQUIRED_FIELDS, low=low, high=high)
        for name, (low, high) in SUBJECT_RANGES.items()
    ]
    return InputCatalog(analytes=analytes, subject_fields=subject)

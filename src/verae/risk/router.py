from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from verae.kit.deps import client_ip, get_services
from verae.kit.errors import RateLimited, ValidationFailed, error_responses
from verae.labs.values import report_from_submission
from verae.risk.schemas import InputCatalog, NeedsInput, PredictRequest, PredictResponse

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])


def predict_limiter(request: Request) -> None:
    services = get_services(request)
    services.limiter.hit(
        f"predict:{client_ip(request)}",
        limit=services.settings.predict_requests_per_minute,
        window_seconds=60,
    )


@router.post(
    "/predict",
    responses=error_responses(ValidationFailed, RateLimited),
    dependencies=[Depends(predict_limiter)],
)
def predict(body: PredictRequest) -> PredictResponse:
    """The risk for structured values, answered at once (no login needed; limited per address). Values in
    any unit the catalog accepts; NaN, infinite, negative or implausible values come back in
    `invalid_fields`, missing required inputs in `missing_required_fields` with status `needs_input`."""
    from verae.risk.service import assess  # the model code loads beside start-up (app.py), not before it

    report = report_from_submission(body)
    try:
        risk = assess(report)
    except NeedsInput as needs:
        return PredictResponse(
            status="needs_input",
            risk=None,
            report=report,
            missing_required_fields=needs.missing_required_fields,
            invalid_fields=needs.invalid_fields,
        )
    return PredictResponse(
        status="done", risk=risk, report=report, missing_required_fields=[], invalid_fields=[]
    )


@router.get("/inputs")
def inputs(response: Response) -> InputCatalog:
    """Every analyte Verae reads — code, LOINC codes, names in English and Russian, canonical and accepted
    units, plausible range — and what the estimate does with it; plus the person's fields. No login."""
    from verae.risk.service import input_catalog

    response.headers["Cache-Control"] = "public, max-age=3600"
    return input_catalog()

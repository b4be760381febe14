from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse

from verae.auth.dependencies import CurrentUser
from verae.auth.errors import BEARER_ERRORS
from verae.export import service
from verae.kit.deps import ServicesDep, WriteSessionDep
from verae.kit.errors import StorageUnavailable, ValidationFailed, error_responses
from verae.results.errors import ResultNotFound
from verae.risk.schemas import Language

router = APIRouter(prefix="/api/v1", tags=["export"], responses=error_responses(*BEARER_ERRORS))

FHIR_JSON = "application/fhir+json"
_CHUNK = 256 * 1024


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    with archive:
        while chunk := archive.read(_CHUNK):
            yield chunk


@router.get(
    "/me/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}, **error_responses(StorageUnavailable)},
)
def export_me(user: CurrentUser, services: ServicesDep, session: WriteSessionDep) -> StreamingResponse:
    """A ZIP of everything held about the person: export.json (profile, uploads, values as read and as
    reviewed, results, share links, audit of their actions) and their original documents."""
    archive = service.export_account(session, services.blobs, user)
    return StreamingResponse(
        _chunks(archive),
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="verae-export.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/results/{result_id}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        **error_responses(ResultNotFound, ValidationFailed),
    },
)
def result_pdf(
    result_id: uuid.UUID,
    user: CurrentUser,
    session: WriteSessionDep,
    lang: Annotated[Language, Query(description="The report's language")] = "en",
) -> Response:
    """A printable report of the result: values, risk, explanation chart, disclaimer (English or Russian)."""
    return Response(
        service.result_pdf(session, result_id, user.id, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="verae-{result_id}.pdf"'},
    )


@router.get(
    "/results/{result_id}/fhir",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {}}}, **error_responses(ResultNotFound, ValidationFailed)},
)
def result_fhir(result_id: uuid.UUID, user: CurrentUser, session: WriteSessionDep) -> JSONResponse:
    """The result as a FHIR R4 Bundle: DiagnosticReport, one Observation per value (LOINC, UCUM, reference
    range, interpretation) and a RiskAssessment."""
    bundle: dict[str, Any] = service.result_fhir(session, result_id, user.id)
    return JSONResponse(bundle, media_type=FHIR_JSON)

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from verae.auth.dependencies import CurrentUser
from verae.auth.errors import BEARER_ERRORS
from verae.kit.deps import WriteSessionDep
from verae.kit.errors import ValidationFailed, error_responses
from verae.kit.pagination import PageParams, page_params
from verae.results import service
from verae.results.errors import ResultExpired, ResultNotFound, ResultNotReady
from verae.results.schemas import ResultOut, ResultPage

router = APIRouter(prefix="/api/v1/results", tags=["results"], responses=error_responses(*BEARER_ERRORS))


@router.get("", responses=error_responses(ValidationFailed))
def list_results(
    user: CurrentUser,
    session: WriteSessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    external_id: Annotated[
        str | None,
        Query(max_length=128, description="Only an organisation's results for this patient reference"),
    ] = None,
) -> ResultPage:
    """The person's results, newest first, with the key values for trend charts (the read is audited)."""
    return service.list_results(session, user.id, page, external_id)


@router.get(
    "/{result_id}", responses=error_responses(ResultNotFound, ResultNotReady, ResultExpired, ValidationFailed)
)
def get_result(result_id: uuid.UUID, user: CurrentUser, session: WriteSessionDep) -> ResultOut:
    return service.view_result(session, result_id, user.id)

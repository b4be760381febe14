from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from verae.auth.dependencies import CurrentUser
from verae.kit.deps import SessionDep, WriteSessionDep
from verae.kit.errors import error_responses
from verae.kit.pagination import PageParams, page_params
from verae.results import repository, service
from verae.results.schemas import ResultOut, ResultPage, ResultSummary

router = APIRouter(prefix="/api/v1/results", tags=["results"])
_AUTH_ERRORS = ((401, "missing_token"), (401, "invalid_token"), (401, "token_expired"))


@router.get("", responses=error_responses(*_AUTH_ERRORS))
def list_results(
    user: CurrentUser, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> ResultPage:
    """The person's results, newest first, with the key values for trend charts."""
    results, total = repository.list_results_of_user(session, user.id, page.limit, page.offset)
    filenames = repository.source_filenames(session, results)
    return ResultPage(
        items=[ResultSummary.of(result, filenames.get(result.id)) for result in results],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{result_id}",
    responses=error_responses(*_AUTH_ERRORS, (404, "result_not_found"), (409, "result_not_ready")),
)
def get_result(result_id: uuid.UUID, user: CurrentUser, session: WriteSessionDep) -> ResultOut:
    result = service.view_result(session, result_id, user.id)
    return ResultOut.of(result, repository.source_filenames(session, [result]).get(result.id))

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from verae.auth.dependencies import CurrentUser
from verae.auth.errors import BEARER_ERRORS
from verae.kit.deps import ServicesDep, SessionDep, WriteSessionDep, client_ip, get_services
from verae.kit.errors import ValidationFailed, error_responses
from verae.results.errors import ResultNotFound
from verae.risk.schemas import Language
from verae.sharing import service
from verae.sharing.errors import (
    ShareLinkExpired,
    ShareLinkLocked,
    ShareLinkNotFound,
    ShareLinkRevoked,
    SharePinRequired,
    SharePinWrong,
    TooManyPinAttempts,
)
from verae.sharing.schemas import (
    ShareAccessList,
    ShareCreate,
    SharedResult,
    SharedView,
    ShareLinkCreated,
    ShareLinkList,
)

router = APIRouter(prefix="/api/v1/shares", tags=["sharing"], responses=error_responses(*BEARER_ERRORS))

# No login. Like every API answer, a shared page carries `Referrer-Policy: no-referrer` and
# `Cache-Control: no-store` (kit/headers.py): it travels on in no Referer header and stays in no cache.
public_router = APIRouter(prefix="/api/v1/shared", tags=["sharing"])

OPEN_ERRORS = (
    ShareLinkNotFound,
    ShareLinkExpired,
    ShareLinkRevoked,
    ShareLinkLocked,
    SharePinRequired,
    SharePinWrong,
    TooManyPinAttempts,
    ValidationFailed,
)
PinHeader = Annotated[str | None, Header(alias="X-Share-Pin", max_length=8)]
PIN_WINDOW_SECONDS = 15 * 60


def limit_pin_attempts(request: Request, pin: PinHeader = None) -> None:
    """Every request that carries a PIN counts against its address, in every API process, before the link
    is even looked up (and before the request's session takes SQLite's write lock)."""
    if pin is None:
        return
    services = get_services(request)
    services.limiter.hit(
        f"share-pin:{client_ip(request)}",
        limit=services.settings.share_pin_attempts_per_address,
        window_seconds=PIN_WINDOW_SECONDS,
        error=TooManyPinAttempts,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(ResultNotFound, ValidationFailed),
)
def create_share(body: ShareCreate, user: CurrentUser, session: SessionDep) -> ShareLinkCreated:
    """A link to one result (or, without `result_id`, to all results) for a doctor; the token is shown once."""
    return service.create_link(session, user.id, body)


@router.get("", responses=error_responses(ValidationFailed))
def list_shares(
    user: CurrentUser, session: SessionDep, result_id: Annotated[uuid.UUID | None, Query()] = None
) -> ShareLinkList:
    """The person's links, newest first (only those to one result with `result_id`)."""
    return service.list_links(session, user.id, result_id)


@router.delete(
    "/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(ShareLinkNotFound, ValidationFailed),
)
def revoke_share(link_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    """The link answers 410 from now on."""
    service.revoke_link(session, user.id, link_id)


@router.get("/{link_id}/accesses", responses=error_responses(ShareLinkNotFound, ValidationFailed))
def list_share_accesses(link_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ShareAccessList:
    """Every opening of the link and every wrong PIN, newest first."""
    return service.list_accesses(session, user.id, link_id)


def _visitor(request: Request) -> service.Visitor:
    return service.Visitor(ip=client_ip(request), user_agent=request.headers.get("user-agent", ""))


@public_router.get(
    "/{token}", responses=error_responses(*OPEN_ERRORS), dependencies=[Depends(limit_pin_attempts)]
)
def open_shared(
    token: str, request: Request, services: ServicesDep, session: WriteSessionDep, pin: PinHeader = None
) -> SharedView:
    """What a share link shows, read-only; no login. A PIN-protected link needs `X-Share-Pin`."""
    opened = service.open_link(session, services.db, token, pin, "json", _visitor(request))
    return SharedView(
        scope=opened.scope,
        expires_at=opened.expires_at,
        results=[SharedResult.of(result) for result in opened.results],
    )


@public_router.get(
    "/{token}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(*OPEN_ERRORS)},
    dependencies=[Depends(limit_pin_attempts)],
)
def open_shared_pdf(
    token: str,
    request: Request,
    services: ServicesDep,
    session: WriteSessionDep,
    pin: PinHeader = None,
    lang: Annotated[Language, Query(description="The report's language")] = "en",
) -> Response:
    """The shared results as a printable PDF report (English or Russian)."""
    # Imported here: reportlab loads with the first PDF, not with the API process.
    from verae.export.pdf import render_results_pdf

    opened = service.open_link(session, services.db, token, pin, "pdf", _visitor(request))
    return Response(
        render_results_pdf(opened.results, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="verae-report.pdf"'},
    )

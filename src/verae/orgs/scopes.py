"""What each API route needs of an API key. People's tokens are not scoped; a key may call only the routes
listed here (any other answers 403 `insufficient_scope`), so a new route is closed to keys until listed."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

Scope = Literal["uploads:write", "uploads:read", "results:read", "webhooks:manage"]
SCOPES: tuple[Scope, ...] = ("uploads:write", "uploads:read", "results:read", "webhooks:manage")

UPLOAD_SCOPES: tuple[Scope, ...] = ("uploads:write",)
INGEST_SCOPES: tuple[Scope, ...] = ("uploads:write", "results:read")
WEBHOOK_SCOPES: tuple[Scope, ...] = ("webhooks:manage",)
JOB_READ_SCOPES: tuple[Scope, ...] = ("uploads:read",)

ROUTE_SCOPES: dict[tuple[str, str], tuple[Scope, ...]] = {
    ("POST", "/api/v1/uploads"): UPLOAD_SCOPES,
    ("GET", "/api/v1/uploads"): ("uploads:read",),
    ("GET", "/api/v1/uploads/{upload_id}"): ("uploads:read",),
    ("GET", "/api/v1/jobs"): ("uploads:read",),
    ("GET", "/api/v1/jobs/{job_id}"): JOB_READ_SCOPES,
    ("GET", "/api/v1/jobs/{job_id}/values"): ("uploads:read",),
    ("POST", "/api/v1/jobs/{job_id}/inputs"): ("uploads:write",),
    ("PUT", "/api/v1/jobs/{job_id}/values"): ("uploads:write",),
    ("GET", "/api/v1/results"): ("results:read",),
    ("GET", "/api/v1/results/{result_id}"): ("results:read",),
    ("POST", "/api/v1/ingest"): INGEST_SCOPES,
    ("GET", "/api/v1/webhooks/endpoints"): WEBHOOK_SCOPES,
    ("POST", "/api/v1/webhooks/endpoints"): WEBHOOK_SCOPES,
    ("DELETE", "/api/v1/webhooks/endpoints/{endpoint_id}"): WEBHOOK_SCOPES,
    ("GET", "/api/v1/webhooks/deliveries"): WEBHOOK_SCOPES,
}


def route_scopes(request: Request) -> tuple[Scope, ...] | None:
    """The scopes the matched route needs of a key; None when keys may not call it at all."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return ROUTE_SCOPES.get((request.method, path)) if path else None

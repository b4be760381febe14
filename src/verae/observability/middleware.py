"""Correlation id on every response, plus an access log line and metrics per request."""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verae.observability.context import (
    accept_or_new_correlation_id,
    bind_correlation_id,
    start_request_facts,
)
from verae.observability.logging import get_logger
from verae.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, status_class
from verae.observability.tracing import tag_current_span

HEADER = "x-correlation-id"
# Metric labels take only these methods (anything else is "other"): a client must not mint series.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
log = get_logger("verae.http")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        headers = dict(scope.get("headers") or [])
        raw = headers.get(HEADER.encode())
        correlation_id = accept_or_new_correlation_id(raw.decode("latin-1") if raw else None)
        bind_correlation_id(correlation_id)
        facts = start_request_facts()
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                response_headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != HEADER.encode()
                ]
                response_headers.append((HEADER.encode(), correlation_id.encode()))
                message["headers"] = response_headers
            await send(message)

        tag_current_span()  # the request's span (FastAPI's own) gets the correlation id
        try:
            await self.app(scope, receive, send_with_header)
        finally:
            elapsed = time.perf_counter() - started
            route_path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "other"
            HTTP_REQUESTS.labels(method, route_path, status_class(status_holder["status"])).inc()
            HTTP_LATENCY.labels(method, route_path).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                route=route_path,
                status=status_holder["status"],
                duration_ms=round(elapsed * 1000, 2),
                user_id=facts.get("user_id"),
            )

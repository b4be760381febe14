"""OpenTelemetry spans for request → job → stages, exported over OTLP/HTTP only when
OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads the other standard OTEL_* variables itself). Requests get
their spans from FastAPI's own instrumentation (route, status); a job's span continues the trace of the
upload that queued it (the trace context travels in the job's payload), with a span per stage under it.
Every span of ours and each request's span carry the correlation id, and every log line the trace id, so
logs and traces join both ways.
Without the variable nothing of OpenTelemetry is imported and every helper here does nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from verae.observability.context import current_correlation_id

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
CORRELATION_ATTRIBUTE = "verae.correlation_id"
_tracer: Tracer | None = None


def configure_tracing(service_name: str) -> None:
    """Once per process, at start-up; a no-op without an OTLP endpoint."""
    global _tracer
    if _tracer is not None or not os.environ.get(ENDPOINT_VARIABLE):
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME, when set, wins over this default.
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _tracer = provider.get_tracer("verae")


def _attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    correlation_id = current_correlation_id()
    extra = {CORRELATION_ATTRIBUTE: correlation_id} if correlation_id else {}
    return {**{key: value for key, value in attributes.items() if value is not None}, **extra}


@contextmanager
def span(name: str, *, parent: MutableMapping[str, Any] | None = None, **attributes: Any) -> Iterator[None]:
    """A span around a block, current inside it; `parent` is a carrier from `trace_carrier()` (a job
    continuing its upload's trace)."""
    if _tracer is None:
        yield
        return
    from opentelemetry.propagate import extract

    context = extract(parent) if parent is not None else None
    with _tracer.start_as_current_span(name, context=context, attributes=_attributes(attributes)):
        yield


def tag_current_span() -> None:
    """The correlation id on the current span (a request's, opened by FastAPI)."""
    if _tracer is None:
        return
    from opentelemetry.trace import get_current_span

    get_current_span().set_attributes(_attributes({}))


def start_span(name: str, **attributes: Any) -> Span | None:
    """A child of the current span that the caller ends (a job's stages, entered one after another)."""
    if _tracer is None:
        return None
    return _tracer.start_span(name, attributes=_attributes(attributes))


def trace_carrier() -> dict[str, str]:
    """The current trace context, to store with a job (empty when tracing is off)."""
    if _tracer is None:
        return {}
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


def add_trace_ids(_logger: object, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the current span's trace and span ids on every log line."""
    if _tracer is None:
        return event
    from opentelemetry.trace import get_current_span

    context = get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event

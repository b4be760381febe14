"""The correlation id of the current request or job, carried into logs, audit rows and error bodies."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accept_or_new_correlation_id(candidate: str | None) -> str:
    """The client's id when it is safe to echo and log, else a fresh one."""
    if candidate and _ACCEPTABLE.match(candidate):
        return candidate
    return uuid.uuid4().hex


def bind_correlation_id(correlation_id: str) -> None:
    correlation_id_var.set(correlation_id)
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)


@contextmanager
def correlated(correlation_id: str) -> Iterator[None]:
    """The id bound for a block only (a job), so that what a worker does between jobs is not logged or
    audited under the previous job's id."""
    token = correlation_id_var.set(correlation_id)
    try:
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            yield
    finally:
        correlation_id_var.reset(token)


def current_correlation_id() -> str | None:
    return correlation_id_var.get()


# Facts about the current request that code running in threadpool threads reports back to the request's
# access log line: the dict is shared, while a contextvar set inside a thread would not be.
_request_facts: ContextVar[dict[str, str] | None] = ContextVar("request_facts", default=None)


def start_request_facts() -> dict[str, str]:
    facts: dict[str, str] = {}
    _request_facts.set(facts)
    return facts


def bind_user_id(user_id: str) -> None:
    structlog.contextvars.bind_contextvars(user_id=user_id)
    facts = _request_facts.get()
    if facts is not None:
        facts["user_id"] = user_id

"""The `deliver_webhook` job: one signed POST per attempt; the outcome decides whether to try again.

Retried (with exponential backoff and jitter, for VERAE_WEBHOOK_RETRY_HOURS): timeouts, connection
errors, 5xx, 408 and 429 (after its Retry-After if longer). Not retried: any other answer outside 2xx, and
a URL that now resolves to an address the SSRF guard refuses."""

from __future__ import annotations

import functools
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from verae.kit.time import utcnow
from verae.models.webhook import FAILED, PENDING, SUCCEEDED
from verae.observability.logging import get_logger
from verae.queue.context import JobContext
from verae.queue.errors import PermanentJobError, RetryLater
from verae.queue.queue import ClaimedJob, backoff_seconds
from verae.webhooks import repository
from verae.webhooks.destination import UnresolvableHost, resolve_destination
from verae.webhooks.errors import UnsafeWebhookUrl
from verae.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature

log = get_logger("verae.webhooks")

RETRIED_STATUSES = frozenset({408, 429})
USER_AGENT = "Verae-Webhooks/1"


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None  # None when the endpoint answered 2xx
    latency_ms: float
    retry_after_seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.error is None

    @property
    def retryable(self) -> bool:
        return self.status_code is None or self.status_code >= 500 or self.status_code in RETRIED_STATUSES


def encode_body(body: dict[str, object]) -> bytes:
    """The bytes signed and sent (compact, so receivers verify exactly what they get)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0


@functools.lru_cache(maxsize=256)
def _client(server_name: str) -> httpx.Client:
    """One per receiving host and process (thread-safe), so deliveries reuse connections: per host, since
    requests go to the checked address and hosts sharing an address must not share a TLS connection made
    for another name. No redirects (one could lead past the SSRF guard) and no proxies from the
    environment (the connection must go to the checked address)."""
    return httpx.Client(follow_redirects=False, trust_env=False, headers={"User-Agent": USER_AGENT})


def post_signed(
    url: str,
    secret: str,
    event_id: uuid.UUID,
    body: bytes,
    *,
    timeout: float,
    allow_loopback: bool,
    https: bool,
) -> Attempt:
    destination = resolve_destination(url, require_https=https, allow_loopback=allow_loopback)
    headers = {
        "Content-Type": "application/json",
        "Host": destination.host_header,
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        EVENT_ID_HEADER: str(event_id),
    }
    started = time.perf_counter()
    try:
        response = _client(destination.server_name).post(
            destination.url,
            content=body,
            headers=headers,
            timeout=timeout,
            extensions={"sni_hostname": destination.server_name},
        )
    except httpx.TimeoutException:
        return Attempt(None, "timeout", (time.perf_counter() - started) * 1000)
    except httpx.HTTPError:
        return Attempt(None, "connection_error", (time.perf_counter() - started) * 1000)
    latency = (time.perf_counter() - started) * 1000
    if 200 <= response.status_code < 300:
        return Attempt(response.status_code, None, latency)
    return Attempt(response.status_code, f"http_{response.status_code}", latency, _retry_after(response))


def deliver_webhook(claimed: ClaimedJob, context: JobContext) -> None:
    settings = context.settings
    delivery_id = uuid.UUID(claimed.payload["delivery_id"])
    retry_until = datetime.fromisoformat(claimed.payload["retry_until"])
    with context.db.unit_of_work(write=False) as session:
        found = repository.delivery_with_endpoint(session, delivery_id)
    if found is None:
        raise PermanentJobError("webhook_endpoint_deleted", "The endpoint or delivery no longer exists.")
    delivery, endpoint = found
    try:
        attempt = post_signed(
            endpoint.url,
            endpoint.secret,
            delivery.event_id,
            encode_body(delivery.body),
            timeout=settings.webhook_timeout_seconds,
            allow_loopback=settings.webhook_allow_loopback,
            https=settings.env == "production",
        )
    except UnsafeWebhookUrl:
        attempt = Attempt(None, "unsafe_destination", 0.0)
    except UnresolvableHost:
        attempt = Attempt(None, "dns_error", 0.0)

    delay = max(
        backoff_seconds(
            claimed.attempt, settings.webhook_retry_base_seconds, settings.webhook_retry_cap_seconds
        ),
        attempt.retry_after_seconds,
    )
    gives_up = (
        attempt.error == "unsafe_destination"
        or not attempt.retryable
        or utcnow() + timedelta(seconds=delay) > retry_until
        or claimed.attempt >= claimed.max_attempts
    )
    status = SUCCEEDED if attempt.succeeded else FAILED if gives_up else PENDING
    with context.db.unit_of_work() as session:
        logged = repository.get_delivery(session, delivery_id)
        if logged is not None:
            logged.attempts += 1
            logged.status = status
            logged.last_status_code = attempt.status_code
            logged.last_error = attempt.error
            logged.last_latency_ms = round(attempt.latency_ms, 1)
            logged.last_attempt_at = utcnow()
            if attempt.succeeded:
                logged.delivered_at = logged.last_attempt_at
    log.info(
        "webhook_attempt",
        delivery_id=str(delivery_id),
        status=status,
        status_code=attempt.status_code,
        error=attempt.error,
        latency_ms=round(attempt.latency_ms, 1),
    )
    if attempt.succeeded:
        return
    code = f"webhook_{attempt.error}"
    if gives_up:
        raise PermanentJobError(code, "The webhook endpoint did not accept the delivery.")
    raise RetryLater(code, delay)

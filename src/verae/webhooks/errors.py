"""The error codes of webhooks."""

from __future__ import annotations

from verae.kit.errors import AppError, Conflict, NotFound


class UnsafeWebhookUrl(AppError):
    code = "unsafe_webhook_url"
    default_message = (
        "The webhook URL must be https:// and resolve to public addresses only "
        "(not loopback, private or link-local)."
    )


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    default_message = "No such webhook endpoint."


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    default_message = "No such webhook delivery."


class WebhookDeliveryNotFailed(Conflict):
    code = "webhook_delivery_not_failed"
    default_message = "Only a failed delivery can be replayed."

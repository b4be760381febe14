"""All ORM models, imported here so Alembic sees the whole schema."""

from verae.models.audit import AuditLog, Event
from verae.models.base import Base
from verae.models.job import Job
from verae.models.organisation import ApiKey, ExpiredResult, Organisation
from verae.models.rate_limit import RateLimitWindow
from verae.models.result import Result
from verae.models.settings import RuntimeSettings
from verae.models.sharing import ShareAccess, ShareLink
from verae.models.upload import Upload
from verae.models.user import LoginAttempt, PasswordResetToken, RefreshToken, User
from verae.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AuditLog",
    "Base",
    "Event",
    "ExpiredResult",
    "Job",
    "LoginAttempt",
    "Organisation",
    "PasswordResetToken",
    "RateLimitWindow",
    "RefreshToken",
    "Result",
    "RuntimeSettings",
    "ShareAccess",
    "ShareLink",
    "Upload",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]

"""All ORM models, imported here so Alembic sees the whole schema."""

from verae.models.audit import AuditLog, Event
from verae.models.base import Base
from verae.models.job import Job
from verae.models.rate_limit import RateLimitWindow
from verae.models.result import Result
from verae.models.sharing import ShareAccess, ShareLink
from verae.models.upload import Upload
from verae.models.user import LoginAttempt, PasswordResetToken, RefreshToken, User

__all__ = [
    "AuditLog",
    "Base",
    "Event",
    "Job",
    "LoginAttempt",
    "PasswordResetToken",
    "RateLimitWindow",
    "RefreshToken",
    "Result",
    "ShareAccess",
    "ShareLink",
    "Upload",
    "User",
]

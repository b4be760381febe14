import math
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def seconds_until(moment: datetime, now: datetime | None = None) -> int:
    """Whole seconds from now until `moment`, at least 1: a Retry-After value."""
    return max(1, math.ceil((moment - (now or utcnow())).total_seconds()))

"""Audit trail and funnel events, written in the caller's transaction; and the erasure of old addresses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from verae.models import AuditLog, Event
from verae.observability.context import current_correlation_id


def record_audit(
    session: Session,
    action: str,
    *,
    user_id: uuid.UUID | None,
    object_type: str | None = None,
    object_id: uuid.UUID | str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            action=action,
            user_id=user_id,
            object_type=object_type,
            object_id=str(object_id) if object_id is not None else None,
            ip=ip,
            correlation_id=current_correlation_id(),
            details=details or {},
        )
    )


def record_event(
    session: Session, name: str, *, user_id: uuid.UUID | None, properties: dict[str, Any] | None = None
) -> None:
    session.add(
        Event(
            name=name, user_id=user_id, correlation_id=current_correlation_id(), properties=properties or {}
        )
    )


def erase_addresses_before(session: Session, moment: datetime) -> int:
    """Blank the client address of audit rows older than `moment` (the rows themselves are kept)."""
    erased = session.execute(
        update(AuditLog).where(AuditLog.created_at < moment, AuditLog.ip.is_not(None)).values(ip=None)
    )
    return int(erased.rowcount)  # type: ignore[attr-defined]

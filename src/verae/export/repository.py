from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.models import AuditLog, Job, Result, ShareLink, Upload


def uploads_of_user(session: Session, user_id: uuid.UUID) -> list[Upload]:
    return list(session.scalars(select(Upload).where(Upload.user_id == user_id).order_by(Upload.created_at)))


def jobs_of_user(session: Session, user_id: uuid.UUID) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.user_id == user_id).order_by(Job.created_at)))


def results_of_user(session: Session, user_id: uuid.UUID) -> list[Result]:
    return list(session.scalars(select(Result).where(Result.user_id == user_id).order_by(Result.created_at)))


def share_links_of_user(session: Session, user_id: uuid.UUID) -> list[ShareLink]:
    query = select(ShareLink).where(ShareLink.user_id == user_id).order_by(ShareLink.created_at)
    return list(session.scalars(query))


def audit_of_user(session: Session, user_id: uuid.UUID) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.user_id == user_id).order_by(AuditLog.created_at, AuditLog.id)
    return list(session.scalars(query))

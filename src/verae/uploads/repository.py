from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verae.models import Upload


def blob_keys_of_user(session: Session, user_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(Upload.blob_key).where(Upload.user_id == user_id)))


def get_upload_of_user(session: Session, upload_id: uuid.UUID, user_id: uuid.UUID) -> Upload | None:
    return session.scalar(select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id))


def list_uploads_of_user(
    session: Session, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Upload], int]:
    total = session.scalar(select(func.count()).select_from(Upload).where(Upload.user_id == user_id)) or 0
    uploads = session.scalars(
        select(Upload)
        .where(Upload.user_id == user_id)
        .order_by(Upload.created_at.desc(), Upload.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(uploads), total

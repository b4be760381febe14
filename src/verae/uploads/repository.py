from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.models import Upload
from verae.models.owned import newest_first_page


def blob_keys_of_user(session: Session, user_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(Upload.blob_key).where(Upload.user_id == user_id)))


def get_upload_of_user(session: Session, upload_id: uuid.UUID, user_id: uuid.UUID) -> Upload | None:
    return session.scalar(select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id))


def list_uploads_of_user(
    session: Session, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Upload], int]:
    return newest_first_page(session, Upload, user_id, limit, offset)

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from verae.models import Upload
from verae.models.owned import newest_first_page


def blob_keys_of_user(session: Session, user_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(Upload.blob_key).where(Upload.user_id == user_id)))


def referenced_blob_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Those of the keys that an upload row holds (an exact, case-sensitive match on both databases)."""
    if not keys:
        return set()
    return set(session.scalars(select(Upload.blob_key).where(Upload.blob_key.in_(keys))))


def filenames_of_uploads(session: Session, upload_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Each upload's file name as the client sent it, in one query."""
    if not upload_ids:
        return {}
    return dict(session.execute(select(Upload.id, Upload.filename).where(Upload.id.in_(upload_ids))).all())


def get_upload_of_user(session: Session, upload_id: uuid.UUID, user_id: uuid.UUID) -> Upload | None:
    return session.scalar(select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id))


def list_uploads_of_user(
    session: Session, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Upload], int]:
    return newest_first_page(session, Upload, user_id, limit, offset)


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    return session.get(Upload, upload_id)

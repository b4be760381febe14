from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verae.kit.pagination import PageParams, page_of
from verae.models import Job, Upload


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


def list_uploads_of_user(session: Session, user_id: uuid.UUID, page: PageParams) -> tuple[list[Upload], int]:
    newest_first = (
        select(Upload).where(Upload.user_id == user_id).order_by(Upload.created_at.desc(), Upload.id.desc())
    )
    return page_of(session, newest_first, page)


def earlier_upload_under_key(
    session: Session, user_id: uuid.UUID, idempotency_key: str
) -> tuple[str, Job] | None:
    """The sha256 and job of the person's first upload under this idempotency key."""
    found = session.execute(
        select(Upload.sha256, Job)
        .join(Job, Job.upload_id == Upload.id)
        .where(Upload.user_id == user_id, Upload.idempotency_key == idempotency_key)
        .order_by(Job.created_at)
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])


def bytes_uploaded_by_user(session: Session, user_id: uuid.UUID, *, since: datetime) -> tuple[int, datetime]:
    """The bytes the person uploaded since `since`, and when the first of those uploads came."""
    total, oldest = session.execute(
        select(func.coalesce(func.sum(Upload.size_bytes), 0), func.min(Upload.created_at)).where(
            Upload.user_id == user_id, Upload.created_at >= since
        )
    ).one()
    return int(total), oldest or since


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    return session.get(Upload, upload_id)

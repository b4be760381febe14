from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, select
from sqlalchemy.orm import Session

from verae.models import ApiKey, Job, Organisation, Result, Upload
from verae.models.job import QUEUED, RUNNING

# Authentication reads the key and its organisation's principal in one statement, before the request's
# session begins (the rate limit's own transaction comes between them).
_KEY_BY_PREFIX = (
    select(
        ApiKey.id,
        ApiKey.secret_hash,
        ApiKey.scopes,
        ApiKey.rate_limit_per_minute,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        Organisation.user_id,
    )
    .join(Organisation, Organisation.id == ApiKey.organisation_id)
    .where(ApiKey.prefix == bindparam("prefix"))
)


def key_by_prefix(connection: Connection, prefix: str) -> Row[Any] | None:
    return connection.execute(_KEY_BY_PREFIX, {"prefix": prefix}).first()


def find_organisation(session: Session, name_or_id: str) -> Organisation | None:
    try:
        by_id = session.get(Organisation, uuid.UUID(name_or_id))
    except ValueError:
        by_id = None
    return by_id or organisation_named(session, name_or_id)


def organisation_named(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def organisation_of_user(session: Session, user_id: uuid.UUID) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.user_id == user_id))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisations_with_retention(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.retention_days.is_not(None))))


def get_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def keys_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[ApiKey]:
    newest_first = select(ApiKey).where(ApiKey.organisation_id == organisation_id)
    return list(session.scalars(newest_first.order_by(ApiKey.created_at.desc())))


def key_is_usable(key: ApiKey | Row[Any], now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def expired_uploads(session: Session, user_id: uuid.UUID, before: datetime, limit: int) -> list[Row[Any]]:
    """(upload_id, blob_key, document_sha256, result_id, report, risk) of the principal's uploads made
    before `before`, except those whose job is queued or running (a worker may be reading them)."""
    busy = select(Job.id).where(Job.upload_id == Upload.id, Job.state.in_((QUEUED, RUNNING))).exists()
    query = (
        select(
            Upload.id.label("upload_id"),
            Upload.blob_key,
            Upload.sha256.label("document_sha256"),
            Result.id.label("result_id"),
            Result.report,
            Result.risk,
        )
        .outerjoin(Result, Result.upload_id == Upload.id)
        .where(Upload.user_id == user_id, Upload.created_at < before, ~busy)
        .order_by(Upload.created_at)
        .limit(limit)
    )
    return list(session.execute(query).all())


def delete_upload(session: Session, upload_id: uuid.UUID) -> bool:
    """Delete the upload (its job and result go with it, ON DELETE CASCADE); False if already gone."""
    gone = session.execute(delete(Upload).where(Upload.id == upload_id).returning(Upload.id)).first()
    return gone is not None

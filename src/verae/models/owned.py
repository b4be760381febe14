"""The one query every "my things" list uses: a person's rows, newest first, one page at a time."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verae.models.job import Job
from verae.models.result import Result
from verae.models.upload import Upload

Owned = TypeVar("Owned", Job, Result, Upload)


def newest_first_page(
    session: Session, model: type[Owned], user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Owned], int]:
    """One page of the person's rows, newest first, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) or 0
    rows = session.scalars(
        select(model)
        .where(model.user_id == user_id)
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total

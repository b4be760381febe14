from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verae.models import Result


def get_result_of_user(session: Session, result_id: uuid.UUID, user_id: uuid.UUID) -> Result | None:
    return session.scalar(select(Result).where(Result.id == result_id, Result.user_id == user_id))


def list_results_of_user(
    session: Session, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Result], int]:
    total = session.scalar(select(func.count()).select_from(Result).where(Result.user_id == user_id)) or 0
    results = session.scalars(
        select(Result)
        .where(Result.user_id == user_id)
        .order_by(Result.created_at.desc(), Result.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(results), total

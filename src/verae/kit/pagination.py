from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class PageMeta(BaseModel):
    total: int
    limit: int
    offset: int


def page_of(session: Session, query: Select[Row], params: PageParams) -> tuple[list[Row], int]:
    """One page of a query's rows (in the query's order) and how many rows there are in all."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(session.scalars(query.limit(params.limit).offset(params.offset)).all()), total

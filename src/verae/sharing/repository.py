from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from verae.models import Result, ShareAccess, ShareLink

OPENED = "opened"
# Audited under the owner but done by a visitor: the owner's export leaves out the visitor's address.
VISITOR_ACTIONS = frozenset({"share.opened", "share.pin_wrong"})


def add_link(session: Session, link: ShareLink) -> None:
    session.add(link)
    session.flush()


def get_link_by_token_hash(session: Session, token_hash: str) -> ShareLink | None:
    return session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash))


def get_link_of_user(session: Session, link_id: uuid.UUID, user_id: uuid.UUID) -> ShareLink | None:
    return session.scalar(select(ShareLink).where(ShareLink.id == link_id, ShareLink.user_id == user_id))


def list_links_of_user(
    session: Session, user_id: uuid.UUID, result_id: uuid.UUID | None
) -> list[tuple[ShareLink, int, datetime | None]]:
    """The person's links, newest first, each with its count of openings and the last one."""
    opened = (
        select(
            ShareAccess.link_id,
            func.count().label("count"),
            func.max(ShareAccess.created_at).label("last"),
        )
        .where(ShareAccess.outcome == OPENED)
        .group_by(ShareAccess.link_id)
        .subquery()
    )
    query = (
        select(ShareLink, func.coalesce(opened.c.count, 0), opened.c.last)
        .outerjoin(opened, opened.c.link_id == ShareLink.id)
        .where(ShareLink.user_id == user_id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    )
    if result_id is not None:
        query = query.where(ShareLink.result_id == result_id)
    return [(link, int(count), last) for link, count, last in session.execute(query).all()]


def accesses_of_link(session: Session, link_id: uuid.UUID) -> list[ShareAccess]:
    query = select(ShareAccess).where(ShareAccess.link_id == link_id)
    return list(session.scalars(query.order_by(ShareAccess.created_at.desc(), ShareAccess.id.desc())))


def add_access(session: Session, access: ShareAccess) -> None:
    session.add(access)


def count_failed_pin(session: Session, link_id: uuid.UUID) -> int:
    """Add one wrong PIN to the link atomically (concurrent guesses all count); the new total."""
    session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id)
        .values(failed_pin_attempts=ShareLink.failed_pin_attempts + 1)
    )
    return int(session.scalar(select(ShareLink.failed_pin_attempts).where(ShareLink.id == link_id)) or 0)


def results_shared(session: Session, link: ShareLink) -> list[Result]:
    query = select(Result).where(Result.user_id == link.user_id)
    if link.result_id is not None:
        query = query.where(Result.id == link.result_id)
    return list(session.scalars(query.order_by(Result.created_at.desc(), Result.id.desc())))


def delete_links_ended_before(session: Session, moment: datetime) -> int:
    """Links that expired or were revoked before `moment`, with their access logs (cascade)."""
    ended = or_(ShareLink.expires_at < moment, ShareLink.revoked_at < moment)
    deleted = session.execute(delete(ShareLink).where(ended))
    return int(deleted.rowcount)  # type: ignore[attr-defined]

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from verae.auth.tokens import AccessClaims
from verae.models import LoginAttempt, PasswordResetToken, RefreshToken, User


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def get_refresh_token(session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


def mark_rotated(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    """Compare-and-set: only one of two concurrent refreshes with the same token wins."""
    result = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None), RefreshToken.revoked_at.is_(None)
        )
        .values(rotated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# Built once and run with {"user_id": ..., "family_id": ...}: authentication runs on every request, and
# building a statement costs more than running it.
SESSION_IS_ACTIVE = exists().where(
    RefreshToken.family_id == bindparam("family_id"),
    RefreshToken.user_id == bindparam("user_id"),
    RefreshToken.revoked_at.is_(None),
)
"""True while the token's login session (refresh-token family) has not been revoked; for any query."""
_USER_IN_ACTIVE_SESSION = select(User).where(User.id == bindparam("user_id"), SESSION_IS_ACTIVE)


def session_parameters(claims: AccessClaims) -> dict[str, uuid.UUID]:
    return {"user_id": claims.user_id, "family_id": claims.session_id}


def get_user_in_active_session(session: Session, claims: AccessClaims) -> User | None:
    """The user, provided the login session has not been revoked."""
    return session.scalar(_USER_IN_ACTIVE_SESSION, session_parameters(claims))


def count_failed_logins(
    session: Session, *, since: datetime, email_hash: str | None = None, ip: str | None = None
) -> tuple[int, datetime | None]:
    """How many failed logins since `since` for the account or the address, and the oldest of them."""
    query = select(func.count(), func.min(LoginAttempt.created_at)).where(
        LoginAttempt.created_at >= since, LoginAttempt.succeeded.is_(False)
    )
    if email_hash is not None:
        query = query.where(LoginAttempt.email_hash == email_hash)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    count, oldest = session.execute(query).one()
    return int(count), oldest


def revoke_sessions_of_user(
    session: Session, user_id: uuid.UUID, now: datetime, *, keep_family_id: uuid.UUID | None = None
) -> int:
    """End every login session of the person (but `keep_family_id`); how many sessions ended."""
    query = select(func.count(func.distinct(RefreshToken.family_id))).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    revoke = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if keep_family_id is not None:
        query = query.where(RefreshToken.family_id != keep_family_id)
        revoke = revoke.where(RefreshToken.family_id != keep_family_id)
    ended = int(session.scalar(query) or 0)
    session.execute(revoke.values(revoked_at=now))
    return ended


def get_reset_token(session: Session, token_hash: str) -> PasswordResetToken | None:
    return session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash))


def count_reset_tokens_since(session: Session, user_id: uuid.UUID, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                PasswordResetToken.user_id == user_id, PasswordResetToken.created_at >= since
            )
        )
        or 0
    )


def mark_reset_token_used(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    """Compare-and-set: of two concurrent uses of one token, only one wins."""
    result = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def retire_reset_tokens_of_user(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    """Other links still in the mailbox stop working once the password has been reset."""
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )

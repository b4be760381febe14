from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session

from verae.auth.tokens import AccessClaims
from verae.models import AuditLog, LoginAttempt, PasswordResetToken, RefreshToken, User


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
_USER_IN_ACTIVE_SESSION = select(User).where(
    User.id == bindparam("user_id"), User.disabled_at.is_(None), SESSION_IS_ACTIVE
)


def session_parameters(claims: AccessClaims) -> dict[str, uuid.UUID]:
    return {"user_id": claims.user_id, "family_id": claims.session_id}


def get_user_in_active_session(session: Session, claims: AccessClaims) -> User | None:
    """The user, provided the login session has not been revoked."""
    return session.scalar(_USER_IN_ACTIVE_SESSION, session_parameters(claims))


@dataclass(frozen=True)
class Occurrences:
    """How many rows fell in a window, and the first and last of them (the window's start when none)."""

    count: int
    oldest: datetime
    newest: datetime


def _occurrences(session: Session, created_at: Any, since: datetime, *conditions: Any) -> Occurrences:
    """How many rows match since `since` (by their `created_at` column), and the first and last of them."""
    count, oldest, newest = session.execute(
        select(func.count(), func.min(created_at), func.max(created_at)).where(
            created_at >= since, *conditions
        )
    ).one()
    return Occurrences(int(count), oldest or since, newest or since)


def failed_logins(
    session: Session, *, since: datetime, email_hash: str | None = None, ip: str | None = None
) -> Occurrences:
    """The failed logins since `since` for the account, the address, or both: how many, oldest, newest."""
    conditions: list[ColumnElement[bool]] = [LoginAttempt.succeeded.is_(False)]
    if email_hash is not None:
        conditions.append(LoginAttempt.email_hash == email_hash)
    if ip is not None:
        conditions.append(LoginAttempt.ip == ip)
    return _occurrences(session, LoginAttempt.created_at, since, *conditions)


def audited_from_address(session: Session, actions: tuple[str, ...], ip: str, since: datetime) -> Occurrences:
    return _occurrences(session, AuditLog.created_at, since, AuditLog.action.in_(actions), AuditLog.ip == ip)


def refreshes_of_session(session: Session, family_id: uuid.UUID, *, since: datetime) -> Occurrences:
    """The refresh tokens issued in the login session since `since` (one per refresh)."""
    return _occurrences(session, RefreshToken.created_at, since, RefreshToken.family_id == family_id)


def lock_login_throttle(session: Session, email_hash: str, ip: str) -> None:
    """Serialise the attempts on this account and from this address until the transaction ends. PostgreSQL
    takes two transaction-scoped advisory locks (in one global order, so two attempts cannot deadlock);
    SQLite's write transaction (BEGIN IMMEDIATE) already serialises every writer."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted((f"login-account:{email_hash}", f"login-address:{ip}")):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def add_failed_login(session: Session, email_hash: str, ip: str) -> uuid.UUID:
    attempt = LoginAttempt(email_hash=email_hash, ip=ip, succeeded=False)
    session.add(attempt)
    session.flush()
    return attempt.id


def mark_login_succeeded(session: Session, attempt_id: uuid.UUID) -> None:
    session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))


def delete_login_attempts_before(session: Session, moment: datetime) -> int:
    deleted = session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < moment))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


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

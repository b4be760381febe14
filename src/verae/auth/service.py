"""Registration, login with throttling, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from verae.auth import repository, throttle
from verae.auth.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidResetToken,
    InvalidToken,
    SessionExpired,
    TokenExpired,
    TokenReused,
    TooManyAttempts,
    TooManyRefreshes,
    TooManyRegistrations,
    WeakPassword,
    WrongPassword,
)
from verae.auth.passwords import hash_password, password_problem, verify_password
from verae.auth.schemas import AuthResponse, ProfileUpdate, UserOut
from verae.auth.tokens import (
    AccessClaims,
    hash_refresh_token,
    hash_reset_token,
    issue_access_token,
    new_refresh_token,
)
from verae.config import Settings
from verae.kit.db import Database
from verae.kit.runtime import effective_settings
from verae.kit.time import seconds_until, utcnow
from verae.models import PasswordResetToken, RefreshToken, User
from verae.observability.audit import record_audit, record_event
from verae.uploads import repository as uploads

# Audit actions the limits below count.
REGISTERED, REGISTRATION_REFUSED = "user.registered", "auth.registration_refused"
RESET_REQUESTED, RESET_THROTTLED = "auth.password_reset_requested", "auth.password_reset_throttled"
RESET_FOR_NO_ACCOUNT = "auth.password_reset_for_no_account"
RESET_REQUEST_ACTIONS = (RESET_REQUESTED, RESET_THROTTLED, RESET_FOR_NO_ACCOUNT)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _issue_tokens(
    session: Session,
    settings: Settings,
    user: User,
    family_id: uuid.UUID,
    session_started_at: datetime | None = None,
) -> AuthResponse:
    """New tokens for the login session `family_id`; neither outlives the session's absolute end
    (VERAE_SESSION_MAX_AGE_DAYS after its login, `session_started_at`, now for a new login)."""
    now = utcnow()
    session_started_at = session_started_at or now
    session_ends_at = session_started_at + settings.session_max_age
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_refresh_token(refresh_token),
            expires_at=min(now + timedelta(seconds=settings.refresh_token_ttl_seconds), session_ends_at),
            session_started_at=session_started_at,
        )
    )
    access_ttl = min(settings.access_token_ttl_seconds, max(1, int((session_ends_at - now).total_seconds())))
    return AuthResponse(
        access_token=issue_access_token(
            settings.jwt_secret.get_secret_value(), access_ttl, user.id, family_id
        ),
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
        user=UserOut.model_validate(user),
    )


def register(
    session: Session, db: Database, settings: Settings, email: str, password: str, ip: str
) -> AuthResponse:
    _refuse_frequent_registrations(session, settings, ip)
    _refuse_weak_password(password, email)
    email = normalize_email(email)
    if repository.get_user_by_email(session, email) is not None:
        # Counted against the address, since answering is a way to learn whether an email has an account.
        with db.own_unit_of_work(ending=session) as audit_session:
            record_audit(audit_session, REGISTRATION_REFUSED, user_id=None, ip=ip)
        raise EmailTaken()
    user = User(email=email, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent registration won the race for this email
        raise EmailTaken() from error
    record_audit(session, REGISTERED, user_id=user.id, object_type="user", object_id=user.id, ip=ip)
    record_event(session, "signup", user_id=user.id)
    return _issue_tokens(session, settings, user, family_id=uuid.uuid4())


def login(
    session: Session, db: Database, settings: Settings, email: str, password: str, ip: str
) -> AuthResponse:
    email = normalize_email(email)
    attempt_id = _admit_password_attempt(session, db, settings, email, ip)
    user = repository.get_user_by_email(session, email)
    verified = verify_password(user.password_hash if user else None, password)
    # A disabled account (admin console) answers like a wrong password: nothing to probe.
    if not verified or user is None or user.disabled_at is not None:
        user_id = user.id if user else None
        with db.own_unit_of_work(ending=session) as audit_session:
            record_audit(audit_session, "auth.login_failed", user_id=user_id, ip=ip)
        raise InvalidCredentials()
    repository.mark_login_succeeded(session, attempt_id)
    record_audit(session, "auth.login_succeeded", user_id=user.id, ip=ip)
    return _issue_tokens(session, settings, user, family_id=uuid.uuid4())


def _refuse_frequent_registrations(session: Session, settings: Settings, ip: str) -> None:
    """Each registration costs a 64 MiB password hash and tells whether an email is taken: at most
    `registration_max_per_ip_per_hour` from one address, taken or not."""
    since = utcnow() - timedelta(hours=1)
    recent = repository.audited_from_address(session, (REGISTERED, REGISTRATION_REFUSED), ip, since)
    if recent.count >= settings.registration_max_per_ip_per_hour:
        raise TooManyRegistrations(retry_after_seconds=seconds_until(recent.oldest + timedelta(hours=1)))


def refresh(session: Session, db: Database, settings: Settings, refresh_token: str, ip: str) -> AuthResponse:
    stored = repository.get_refresh_token(session, hash_refresh_token(refresh_token))
    if stored is None or stored.revoked_at is not None:
        raise InvalidToken("The refresh token is not valid.")
    now = utcnow()
    if stored.session_started_at + settings.session_max_age <= now:
        raise SessionExpired()
    if stored.expires_at <= now:
        raise TokenExpired("The refresh token has expired. Log in again.")
    if not repository.mark_rotated(session, stored.id, now):
        # A rotated token came back: someone holds a stolen copy. End the whole session, in its own
        # transaction because the request's rolls back with the error.
        family_id, user_id = stored.family_id, stored.user_id
        with db.own_unit_of_work(ending=session) as revoke_session:
            repository.revoke_family(revoke_session, family_id, now)
            record_audit(revoke_session, "auth.refresh_token_reused", user_id=user_id, ip=ip)
        raise TokenReused()
    window_start = now - timedelta(minutes=1)
    recent = repository.refreshes_of_session(session, stored.family_id, since=window_start)
    if recent.count >= settings.refresh_max_per_session_per_minute:
        raise TooManyRefreshes(retry_after_seconds=seconds_until(recent.oldest + timedelta(minutes=1)))
    user = repository.get_user(session, stored.user_id)
    if user is None:
        raise InvalidToken("The refresh token is not valid.")
    record_audit(session, "auth.refreshed", user_id=user.id, ip=ip)
    return _issue_tokens(
        session, settings, user, family_id=stored.family_id, session_started_at=stored.session_started_at
    )


def logout(session: Session, user_id: uuid.UUID, session_id: uuid.UUID, ip: str) -> None:
    repository.revoke_family(session, session_id, utcnow())
    record_audit(session, "auth.logout", user_id=user_id, ip=ip)


def user_in_active_session(session: Session, claims: AccessClaims) -> User:
    user = repository.get_user_in_active_session(session, claims)
    if user is None:
        raise InvalidToken("The session has ended. Log in again.")
    return user


def update_profile(session: Session, user: User, update: ProfileUpdate) -> User:
    for field in update.model_fields_set:
        setattr(user, field, getattr(update, field))
    # Names of the fields only: the profile holds health-related values (sex, birth date, weight).
    details = {"fields": sorted(update.model_fields_set)}
    record_audit(
        session,
        "user.profile_updated",
        user_id=user.id,
        object_type="user",
        object_id=user.id,
        details=details,
    )
    return user


def delete_account(
    session: Session, db: Database, settings: Settings, user: User, password: str, ip: str
) -> list[str]:
    """Delete the person and (by cascade) every row of theirs; returns their documents' blob keys, for
    the caller to delete once the deletion has committed. Needs the account's password."""
    _reauthenticate(session, db, settings, user, password, ip)
    blob_keys = uploads.blob_keys_of_user(session, user.id)
    record_audit(session, "user.deleted", user_id=user.id, object_type="user", object_id=user.id, ip=ip)
    session.delete(user)
    return blob_keys


# Account safety: re-authentication, password change and reset, ending every session.


def _refuse_weak_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        reason, message = problem
        raise WeakPassword(message, details={"reason": reason})


def _reauthenticate(
    session: Session, db: Database, settings: Settings, user: User, password: str, ip: str
) -> None:
    """A logged-in person proves it is them before a sensitive change. Guesses count towards the same
    throttle as logins, so a stolen access token cannot be used to find the password."""
    user_id = user.id
    attempt_id = _admit_password_attempt(session, db, settings, user.email, ip)
    if not verify_password(user.password_hash, password):
        with db.own_unit_of_work(ending=session) as audit_session:
            record_audit(audit_session, "auth.reauthentication_failed", user_id=user_id, ip=ip)
        raise WrongPassword()
    repository.mark_login_succeeded(session, attempt_id)


def _admit_password_attempt(
    session: Session, db: Database, settings: Settings, email: str, ip: str
) -> uuid.UUID:
    """Count a password check before it runs (auth/throttle.py); a refused one is audited apart, since the
    request's transaction rolls back with the error."""
    limits = effective_settings(db, settings)  # an admin may have changed the limits at runtime
    try:
        return throttle.admit_login_attempt(
            db, limits, throttle.email_key(settings, email), ip, request_session=session
        )
    except TooManyAttempts:
        with db.own_unit_of_work(ending=session) as audit_session:
            record_audit(audit_session, "auth.login_throttled", user_id=None, ip=ip)
        raise


def change_password(
    session: Session,
    db: Database,
    settings: Settings,
    user: User,
    current_session_id: uuid.UUID,
    current_password: str,
    new_password: str,
    ip: str,
) -> None:
    """Set a new password and end every other login session of the person; this one stays."""
    _reauthenticate(session, db, settings, user, current_password, ip)
    _refuse_weak_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    ended = repository.revoke_sessions_of_user(session, user.id, utcnow(), keep_family_id=current_session_id)
    record_audit(session, "auth.password_changed", user_id=user.id, ip=ip, details={"sessions_ended": ended})


def logout_all(session: Session, user_id: uuid.UUID, ip: str) -> None:
    ended = repository.revoke_sessions_of_user(session, user_id, utcnow())
    record_audit(session, "auth.logout_all", user_id=user_id, ip=ip, details={"sessions_ended": ended})


@dataclass(frozen=True)
class ResetEmail:
    """What the caller sends once the request has committed."""

    to: str
    token: str


def request_password_reset(session: Session, settings: Settings, email: str, ip: str) -> ResetEmail | None:
    """A single-use reset token for the account, if there is one and it has not asked too often; the caller
    answers the same either way, so the answer does not tell whether the address has an account."""
    user = repository.get_user_by_email(session, normalize_email(email))
    now = utcnow()
    # Every request counts against its address, an unknown email's too, so that one client cannot send
    # mail to many accounts; the answer stays the same either way.
    recent = repository.audited_from_address(session, RESET_REQUEST_ACTIONS, ip, now - timedelta(hours=1))
    if recent.count >= settings.password_reset_requests_per_ip_per_hour:
        record_audit(session, RESET_THROTTLED, user_id=user.id if user else None, ip=ip)
        return None
    if user is None:
        record_audit(session, RESET_FOR_NO_ACCOUNT, user_id=None, ip=ip)
        return None
    if repository.count_reset_tokens_since(session, user.id, now - timedelta(hours=1)) >= (
        settings.password_resets_per_hour
    ):
        record_audit(session, RESET_THROTTLED, user_id=user.id, ip=ip)
        return None
    token = new_refresh_token()
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_reset_token(token),
            expires_at=now + timedelta(minutes=settings.password_reset_ttl_minutes),
        )
    )
    record_audit(session, RESET_REQUESTED, user_id=user.id, ip=ip)
    return ResetEmail(to=user.email, token=token)


def reset_password(session: Session, token: str, new_password: str, ip: str) -> None:
    """Use a reset token (once) to set a new password; every login session of the account ends."""
    stored = repository.get_reset_token(session, hash_reset_token(token))
    now = utcnow()
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise InvalidResetToken()
    user = repository.get_user(session, stored.user_id)
    if user is None:
        raise InvalidResetToken()
    _refuse_weak_password(new_password, user.email)
    if not repository.mark_reset_token_used(session, stored.id, now):  # a concurrent use won
        raise InvalidResetToken()
    repository.retire_reset_tokens_of_user(session, user.id, now)
    user.password_hash = hash_password(new_password)
    ended = repository.revoke_sessions_of_user(session, user.id, now)
    record_audit(
        session, "auth.password_reset_used", user_id=user.id, ip=ip, details={"sessions_ended": ended}
    )

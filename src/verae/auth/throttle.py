"""Login throttling (SECURITY.md, "Logins"): each attempt is counted before its password is checked, in
one transaction that also checks the limits, so parallel guesses cannot slip past them.

- Per account and address: `login_max_failures_per_account_and_address` failures in the window refuse
  further tries from that address (429 with Retry-After).
- Per address: `login_max_failures_per_ip` failures over all accounts refuse that address.
- Per account, from anywhere: past `login_account_slowdown_after` failures the account slows down —
  an address that has already failed on it gets one try per `login_account_slowdown_seconds` — but an
  address with no failures on the account is never held back by others' failures, so nobody can lock
  a person out of their own account.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from verae.auth import repository
from verae.auth.errors import TooManyAttempts
from verae.config import Settings
from verae.kit.db import Database
from verae.kit.time import seconds_until, utcnow

_EMAIL_KEY_PURPOSE = b"verae login_attempts email key"


def email_key(settings: Settings, normalized_email: str) -> str:
    """What login_attempts stores for an email: a keyed hash, which nobody without the server's secret can
    match against a list of addresses (a plain SHA-256 can be)."""
    key = hmac.new(settings.jwt_secret.get_secret_value().encode(), _EMAIL_KEY_PURPOSE, hashlib.sha256)
    return hmac.new(key.digest(), normalized_email.encode(), hashlib.sha256).hexdigest()


def admit_login_attempt(
    db: Database, settings: Settings, account: str, ip: str, *, request_session: Session
) -> uuid.UUID:
    """Check the limits and count this attempt as a failure until it succeeds, atomically (a write
    transaction of its own, committed before the password is checked; the request's, which has written
    nothing yet, is ended first). Raises TooManyAttempts."""
    with db.own_unit_of_work(ending=request_session) as session:
        repository.lock_login_throttle(session, account, ip)
        _refuse_if_throttled(session, settings, account, ip, utcnow())
        return repository.add_failed_login(session, account, ip)


def _refuse_if_throttled(session: Session, settings: Settings, account: str, ip: str, now: datetime) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    from_here = repository.failed_logins(session, since=since, email_hash=account, ip=ip)
    if from_here.count >= settings.login_max_failures_per_account_and_address:
        raise TooManyAttempts(retry_after_seconds=seconds_until(from_here.oldest + window, now))
    from_address = repository.failed_logins(session, since=since, ip=ip)
    if from_address.count >= settings.login_max_failures_per_ip:
        raise TooManyAttempts(retry_after_seconds=seconds_until(from_address.oldest + window, now))
    if from_here.count == 0:
        return  # this address has not failed on the account: others' failures never hold it back
    on_account = repository.failed_logins(session, since=since, email_hash=account)
    if on_account.count >= settings.login_account_slowdown_after:
        next_try = on_account.newest + timedelta(seconds=settings.login_account_slowdown_seconds)
        if next_try > now:
            raise TooManyAttempts(retry_after_seconds=seconds_until(next_try, now))

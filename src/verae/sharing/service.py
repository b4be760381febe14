from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from verae.kit.db import Database
from verae.kit.time import utcnow
from verae.models import Result, ShareAccess, ShareLink
from verae.observability.audit import record_audit
from verae.results import repository as results_repository
from verae.results.errors import ResultNotFound
from verae.sharing import repository
from verae.sharing.client import rough_client, rough_network
from verae.sharing.errors import (
    ShareLinkExpired,
    ShareLinkLocked,
    ShareLinkNotFound,
    ShareLinkRevoked,
    SharePinRequired,
    SharePinWrong,
)
from verae.sharing.schemas import (
    ShareAccessList,
    ShareAccessOut,
    ShareCreate,
    ShareLinkCreated,
    ShareLinkList,
    ShareLinkOut,
    ShareStatus,
)

# Wrong PINs after which a link closes for good: with 4 digits, 10 guesses find a PIN one time in 1,000.
MAX_PIN_FAILURES = 10
View = Literal["json", "pdf"]
# OWASP's minimum argon2id parameters, not the login's: no hash keeps a 4–8 digit PIN from an offline
# search (the token, stored as a hash, is what guards a link), and a guess on a public route stays cheap.
_pin_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_token(token: str) -> str:
    # A plain hash suffices: the token is random and long, so there is nothing to guess from it.
    return hashlib.sha256(token.encode()).hexdigest()


def status_of(link: ShareLink, now: datetime) -> ShareStatus:
    if link.revoked_at is not None:
        return "revoked"
    if link.failed_pin_attempts >= MAX_PIN_FAILURES:
        return "locked"
    return "expired" if link.expires_at <= now else "active"


def create_link(session: Session, user_id: uuid.UUID, body: ShareCreate) -> ShareLinkCreated:
    if (
        body.result_id is not None
        and results_repository.get_result_of_user(session, body.result_id, user_id) is None
    ):
        raise ResultNotFound()
    token = new_token()
    link = ShareLink(
        user_id=user_id,
        result_id=body.result_id,
        token_hash=hash_token(token),
        label=body.label,
        pin_hash=_pin_hasher.hash(body.pin) if body.pin else None,
        expires_at=utcnow() + timedelta(hours=body.expires_in_hours),
    )
    repository.add_link(session, link)
    record_audit(
        session,
        "share.created",
        user_id=user_id,
        object_type="share_link",
        object_id=link.id,
        details={"scope": "history" if body.result_id is None else "result", "hours": body.expires_in_hours},
    )
    out = ShareLinkOut.of(link, "active", 0, None)
    return ShareLinkCreated(**out.model_dump(), token=token, path=f"/shared#{token}")


def list_links(session: Session, user_id: uuid.UUID, result_id: uuid.UUID | None) -> ShareLinkList:
    now = utcnow()
    return ShareLinkList(
        items=[
            ShareLinkOut.of(link, status_of(link, now), count, last)
            for link, count, last in repository.list_links_of_user(session, user_id, result_id)
        ]
    )


def revoke_link(session: Session, user_id: uuid.UUID, link_id: uuid.UUID) -> None:
    """Revoking twice is harmless; the link answers 410 from the moment this commits."""
    link = _link_of_user(session, user_id, link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record_audit(session, "share.revoked", user_id=user_id, object_type="share_link", object_id=link.id)


def list_accesses(session: Session, user_id: uuid.UUID, link_id: uuid.UUID) -> ShareAccessList:
    link = _link_of_user(session, user_id, link_id)
    return ShareAccessList(
        items=[
            ShareAccessOut(
                at=access.created_at,
                view=access.view,
                outcome=access.outcome,
                network=access.network,
                client=access.client,
            )
            for access in repository.accesses_of_link(session, link.id)
        ]
    )


def _link_of_user(session: Session, user_id: uuid.UUID, link_id: uuid.UUID) -> ShareLink:
    link = repository.get_link_of_user(session, link_id, user_id)
    if link is None:
        raise ShareLinkNotFound()
    return link


@dataclass(frozen=True)
class Visitor:
    ip: str
    user_agent: str

    def access(self, link_id: uuid.UUID, view: View, outcome: str) -> ShareAccess:
        return ShareAccess(
            link_id=link_id,
            view=view,
            outcome=outcome,
            network=rough_network(self.ip),
            client=rough_client(self.user_agent),
        )


@dataclass(frozen=True)
class Opened:
    scope: Literal["result", "history"]
    expires_at: datetime
    results: list[Result]


def open_link(
    session: Session, db: Database, token: str, pin: str | None, view: View, visitor: Visitor
) -> Opened:
    """What a link shows, after its checks: unknown 404; revoked, locked or expired 410; PIN 401. Every
    opening and every wrong PIN is logged for the owner and audited."""
    link = repository.get_link_by_token_hash(session, hash_token(token))
    if link is None:
        raise ShareLinkNotFound()
    status = status_of(link, utcnow())
    if status == "revoked":
        raise ShareLinkRevoked()
    if status == "locked":
        raise ShareLinkLocked()
    if status == "expired":
        raise ShareLinkExpired()
    if link.pin_hash is not None:
        if not pin:
            raise SharePinRequired()
        if not _pin_matches(link.pin_hash, pin):
            _record_wrong_pin(session, db, link, view, visitor)
    repository.add_access(session, visitor.access(link.id, view, repository.OPENED))
    record_audit(
        session,
        "share.opened",
        user_id=link.user_id,
        object_type="share_link",
        object_id=link.id,
        ip=visitor.ip,
        details={"view": view},
    )
    return Opened(
        scope="history" if link.result_id is None else "result",
        expires_at=link.expires_at,
        results=repository.results_shared(session, link),
    )


def _pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _pin_hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _record_wrong_pin(session: Session, db: Database, link: ShareLink, view: View, visitor: Visitor) -> None:
    """Count the guess in a transaction of its own (the request's rolls back with the error), then refuse."""
    link_id, owner_id = link.id, link.user_id
    with db.own_unit_of_work(ending=session) as own:
        failures = repository.count_failed_pin(own, link_id)
        locked = failures >= MAX_PIN_FAILURES
        repository.add_access(own, visitor.access(link_id, view, "locked" if locked else "wrong_pin"))
        record_audit(
            own,
            "share.pin_wrong",
            user_id=owner_id,
            object_type="share_link",
            object_id=link_id,
            ip=visitor.ip,
            details={"failures": failures},
        )
    if locked:
        raise ShareLinkLocked()
    raise SharePinWrong(details={"attempts_left": MAX_PIN_FAILURES - failures})

"""Authenticating an API key: one read for the key, its per-key rate limit, then its scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from verae.kit.db import Database
from verae.kit.limiter import DatabaseLimiter
from verae.kit.time import utcnow
from verae.orgs import repository
from verae.orgs.errors import ApiKeyRateLimited, InsufficientScope, InvalidApiKey
from verae.orgs.keys import secret_matches, split_key
from verae.orgs.scopes import Scope

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class KeyHolder:
    key_id: uuid.UUID
    user_id: uuid.UUID  # the organisation's service principal
    scopes: tuple[str, ...]


def authenticate_key(db: Database, token: str, required: tuple[Scope, ...] | None) -> KeyHolder:
    """The organisation behind a key (401 `invalid_api_key`), counted against the key's requests per
    minute (429, shared by every API process), allowed the route's scopes (403 `insufficient_scope`;
    `required` None: keys may not call the route)."""
    parts = split_key(token)
    if parts is None:
        raise InvalidApiKey()
    prefix, secret = parts
    # Before the request's session begins: the limiter commits on its own (on SQLite it takes the write
    # lock, which a request session that had begun writing would hold).
    with db.single_statement() as connection:
        key = repository.key_by_prefix(connection, prefix)
    if (
        key is None
        or not secret_matches(secret, key.secret_hash)
        or not repository.key_is_usable(key, utcnow())
    ):
        raise InvalidApiKey()
    DatabaseLimiter(db).hit(
        f"api_key:{key.id}",
        limit=key.rate_limit_per_minute,
        window_seconds=RATE_WINDOW_SECONDS,
        error=ApiKeyRateLimited,
    )
    if required is None or not set(required) <= set(key.scopes):
        raise InsufficientScope(details={"required": list(required or ()), "granted": list(key.scopes)})
    return KeyHolder(key_id=key.id, user_id=key.user_id, scopes=tuple(key.scopes))

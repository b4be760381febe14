"""Short-lived access JWTs and opaque refresh tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from verae.auth.errors import InvalidToken, TokenExpired
from verae.kit.time import utcnow

ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(secret: str, ttl_seconds: int, user_id: uuid.UUID, session_id: uuid.UUID) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(keys: Sequence[str], token: str) -> AccessClaims:
    """The claims of a token signed with any of the keys (the current one, then the previous during a
    rotation)."""
    claims = _verified_claims(keys, token)
    try:
        if claims.get("typ") != "access":
            raise ValueError("not an access token")
        return AccessClaims(user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"]))
    except (ValueError, TypeError) as error:
        raise InvalidToken() from error


def _verified_claims(keys: Sequence[str], token: str) -> dict[str, Any]:
    for key in keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"]}
            )
            return claims
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError as error:
            raise TokenExpired() from error
        except jwt.PyJWTError as error:
            raise InvalidToken() from error
    raise InvalidToken()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_reset_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

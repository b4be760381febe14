"""API keys: `vk_<prefix>_<secret>`. The prefix (48 random bits) finds the row; the secret (256 random bits)
is kept only as its SHA-256, which is enough for a secret that cannot be guessed (no password stretching)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARK = "vk_"


@dataclass(frozen=True)
class NewKey:
    token: str  # shown once
    prefix: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> NewKey:
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return NewKey(token=f"{KEY_MARK}{prefix}_{secret}", prefix=prefix, secret_hash=hash_secret(secret))


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_MARK)


def split_key(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)

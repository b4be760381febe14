"""`Verae-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`,
the scheme the well-known payment providers use: the timestamp inside the signed text stops replays of an
old body, and `v1=` leaves room for another scheme beside it during a change."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Verae-Signature"
EVENT_ID_HEADER = "Verae-Event-Id"
SECRET_MARK = "whsec_"


def new_secret() -> str:
    return SECRET_MARK + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"

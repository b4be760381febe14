"""Argon2id password hashing and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps login timing the same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")

MIN_LENGTH, MAX_LENGTH = 8, 128


def password_problem(password: str) -> str | None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"The password must be {MIN_LENGTH}–{MAX_LENGTH} characters long."
    if not any(character.isalpha() for character in password) or not any(
        character.isdigit() for character in password
    ):
        return "The password must contain both letters and digits."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False

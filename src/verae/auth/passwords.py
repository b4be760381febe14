"""Argon2id password hashing and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps login timing the same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")

MIN_LENGTH, MAX_LENGTH = 8, 128
# An email's local part shorter than this ("a@…") would refuse too many good passwords.
MIN_LOCAL_PART = 3


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, from leaked password sets; MIT licence), loaded
    on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str | None = None) -> tuple[str, str] | None:
    """(reason code, message) when the password breaks a rule; None when it is acceptable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "length", f"The password must be {MIN_LENGTH}–{MAX_LENGTH} characters long."
    if not any(character.isalpha() for character in password) or not any(
        character.isdigit() for character in password
    ):
        return "letters_and_digits", "The password must contain both letters and digits."
    if password.lower() in common_passwords():
        return "common", "This password is one of the most common ones; choose another."
    local_part = email.split("@", 1)[0].strip().lower() if email else ""
    if len(local_part) >= MIN_LOCAL_PART and local_part in password.lower():
        return "contains_email", "The password must not contain your email address."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False

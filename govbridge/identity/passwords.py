"""Password hashing (argon2id) and the reuse check against recent hashes."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when a username does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("govbridge-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def verify_or_burn(password_hash: str | None, password: str) -> bool:
    """Check `password` against `password_hash`, or spend the same work and fail when
    there is none (no such account, or one that may not log in): one argon2 run
    either way, so the time taken does not tell whether a name exists."""
    if password_hash is None:
        burn_time(password)
        return False
    return verify_password(password_hash, password)


def matches_any(hashes: Iterable[str], password: str) -> bool:
    return any(verify_password(h, password) for h in hashes)

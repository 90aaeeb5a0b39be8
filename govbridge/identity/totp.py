"""TOTP second factor (RFC 6238) with a replay guard; seeds are encrypted at rest."""

from __future__ import annotations

from datetime import datetime

import pyotp

from govbridge.security.at_rest import seal, unseal

PURPOSE = "totp-seed"
ISSUER = "govbridge"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32(32)


def encrypt_secret(master: bytes, secret: str) -> bytes:
    return seal(master, PURPOSE, secret.encode())


def decrypt_secret(master: bytes, blob: bytes) -> str:
    return unseal(master, PURPOSE, blob).decode()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None.

    A step at or before `last_step` was already used and is refused (replay).
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None

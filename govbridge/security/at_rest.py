"""Encrypt small secrets at rest (TOTP seeds, later seal keys) with AES-256-GCM.

Each purpose gets its own key derived by HKDF from the installation secret, so
a value encrypted for one purpose cannot be decrypted as another.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


def _key(master: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"govbridge:" + purpose.encode()
    ).derive(master)


def seal(master: bytes, purpose: str, plaintext: bytes) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(_key(master, purpose)).encrypt(nonce, plaintext, None)


def unseal(master: bytes, purpose: str, blob: bytes) -> bytes:
    if not blob or blob[:1] != _VERSION:
        raise ValueError("unknown at-rest format")
    return AESGCM(_key(master, purpose)).decrypt(blob[1:13], blob[13:], None)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Hash of a high-entropy bearer secret; a plain SHA-256 suffices at 256 bits."""
    return hashlib.sha256(token.encode()).hexdigest()

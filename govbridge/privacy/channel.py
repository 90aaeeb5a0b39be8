"""End-to-end encryption between two parties of a job, through the hub's relay. No I/O.

Each party makes a fresh X25519 key pair per job and broadcasts the public key through the
hub; two parties derive the same 32-byte secret (X25519, then HKDF-SHA256 bound to the job
and the pair), which the hub, seeing only public keys, cannot. Messages between them are
AES-256-GCM with a random 96-bit nonce. The same pair secret keys the tokens and masks of
`psi.sum` (`token`, `mask`). The hub is trusted to relay public keys faithfully (honest but
curious): an active hub swapping keys could read shares, which the parties would notice
only by comparing key fingerprints out of band.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from govbridge.privacy.sharing import P


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class KeyPair:
    def __init__(self) -> None:
        self._private = X25519PrivateKey.generate()

    @property
    def public(self) -> str:
        return b64(self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    def shared(self, their_public: str, job: str, me: str, them: str) -> bytes:
        """The pair's secret: the same on both sides whichever computes it."""
        raw = self._private.exchange(X25519PublicKey.from_public_bytes(unb64(their_public)))
        pair = "|".join(sorted((me, them)))
        return HKDF(SHA256(), 32, salt=None, info=f"govbridge-privacy|{job}|{pair}".encode()
                    ).derive(raw)


def seal(key: bytes, obj: Any) -> str:
    nonce = os.urandom(12)
    data = json.dumps(obj, separators=(",", ":")).encode()
    return b64(nonce + AESGCM(key).encrypt(nonce, data, None))


def open_sealed(key: bytes, text: str) -> Any:
    raw = unb64(text)
    return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], None))


def _sub(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, label, hashlib.sha256).digest()


def token(key: bytes, subject: str) -> str:
    """A subject's pseudonym under the pair's secret (unlinkable across jobs)."""
    return b64(hmac.new(_sub(key, b"token"), subject.encode(), hashlib.sha256).digest()[:16])


def mask(key: bytes, subject: str) -> int:
    """A field element only the pair can compute for the subject."""
    digest = hmac.new(_sub(key, b"mask"), subject.encode(), hashlib.sha512).digest()
    return int.from_bytes(digest, "big") % P

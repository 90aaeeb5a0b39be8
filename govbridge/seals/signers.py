"""Signing keys behind one interface: Ed25519 (default), ECDSA P-256, SM2.

Pure apart from randomness. A `Signer` signs bytes under a JWS `alg` and names its key
(`kid`); `headers` are the protected-header members that carry its credential (an X.509
chain in `x5c`, or for SM2 the platform's attestation). A `Verifier` checks a signature.

| key algorithm | JWS alg | signature bytes | library |
| --- | --- | --- | --- |
| `Ed25519` | `EdDSA` (RFC 8037; RFC 9864's `Ed25519` accepted) | 64 bytes | cryptography |
| `P-256` | `ES256` (RFC 7518 §3.4) | r‖s, 64 bytes (not DER) | cryptography |
| `SM2` | `SM2SM3` (**not** a registered JOSE alg) | r‖s, 64 bytes | gmssl (pure Python) |

`SM2SM3` is our name for SM2 signatures (GB/T 32918.2) over e = SM3(Z_A ‖ M), with
Z_A computed for the default signer ID "1234567812345678" (GM/T 0009). No standard JOSE
library knows it; SM2 seals verify only with govbridge (or any SM2 implementation following
this note). gmssl signs only ~170/s: keep callers on the `Signer` protocol so a faster
implementation can replace `SM2Signer` without touching them.

Stored private key material (`private_bytes`): PKCS#8 DER for Ed25519 and P-256, the 32-byte
big-endian scalar d for SM2. Public key bytes (`public_bytes`): raw 32 bytes for Ed25519,
the uncompressed point 04‖x‖y (65 bytes) for P-256 and SM2.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ED25519 = "Ed25519"
P256 = "P-256"
SM2 = "SM2"
KEY_ALGORITHMS: dict[str, str] = {ED25519: "EdDSA", P256: "ES256", SM2: "SM2SM3"}
JWS_ALGS: dict[str, str] = {v: k for k, v in KEY_ALGORITHMS.items()}


@runtime_checkable
class Verifier(Protocol):
    alg: str

    def verify(self, data: bytes, signature: bytes) -> bool: ...


@runtime_checkable
class Signer(Protocol):
    alg: str
    kid: str
    headers: Mapping[str, Any]

    def sign(self, data: bytes) -> bytes: ...

    def public_bytes(self) -> bytes: ...

    def verifier(self) -> Verifier: ...


# --- Ed25519 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ed25519Verifier:
    key: Ed25519PublicKey
    alg: str = "EdDSA"

    def verify(self, data: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, repr=False)
class Ed25519Signer:
    private_key: Ed25519PrivateKey
    kid: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    alg: str = "EdDSA"

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)

    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_bytes(self) -> bytes:
        return self.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.public_key())

    def __repr__(self) -> str:
        return f"Ed25519Signer(kid={self.kid!r})"


# --- ECDSA P-256 -------------------------------------------------------------------------


@dataclass(frozen=True)
class ES256Verifier:
    key: ec.EllipticCurvePublicKey
    alg: str = "ES256"

    def verify(self, data: bytes, signature: bytes) -> bool:
        if len(signature) != 64 or not isinstance(self.key.curve, ec.SECP256R1):
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        try:
            self.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, repr=False)
class ES256Signer:
    private_key: ec.EllipticCurvePrivateKey
    kid: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    alg: str = "ES256"

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_bytes(self) -> bytes:
        return self.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def verifier(self) -> ES256Verifier:
        return ES256Verifier(self.public_key())

    def __repr__(self) -> str:
        return f"ES256Signer(kid={self.kid!r})"


# --- SM2 (gmssl) -------------------------------------------------------------------------

_SM2_P = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
_SM2_A = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC", 16)
_SM2_B = int("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", 16)
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
_SM2_GX = int("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", 16)
_SM2_GY = int("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", 16)
SM2_DEFAULT_ID = b"1234567812345678"


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _crypt(private_hex: str, public_hex: str) -> Any:
    from gmssl.sm2 import CryptSM2

    crypt = CryptSM2(private_key=private_hex, public_key="")
    # gmssl's constructor strips a "04" prefix with str.lstrip, which also eats leading
    # '0'/'4' digits of x; set the 128-hex-digit x‖y ourselves.
    crypt.public_key = public_hex
    return crypt


def sm2_digest(public_point: bytes, message: bytes, user_id: bytes = SM2_DEFAULT_ID) -> bytes:
    """e = SM3(Z_A ‖ M) with Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    z = _sm3(
        entl
        + user_id
        + b"".join(v.to_bytes(32, "big") for v in (_SM2_A, _SM2_B, _SM2_GX, _SM2_GY))
        + public_point[1:]
    )
    return _sm3(z + message)


def sm2_point_is_valid(point: bytes) -> bool:
    if len(point) != 65 or point[0] != 4:
        return False
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    if not (0 <= x < _SM2_P and 0 <= y < _SM2_P):
        return False
    return (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P == 0


def sm2_public_from_private(d: int) -> bytes:
    crypt = _crypt(f"{d:064x}", "")
    xy = crypt._kg(d, f"{_SM2_GX:064x}{_SM2_GY:064x}")
    return b"\x04" + bytes.fromhex(xy)


@dataclass(frozen=True)
class SM2Verifier:
    point: bytes  # 04‖x‖y
    alg: str = "SM2SM3"

    def verify(self, data: bytes, signature: bytes) -> bool:
        if len(signature) != 64 or not sm2_point_is_valid(self.point):
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (1 <= r < _SM2_N and 1 <= s < _SM2_N):
            return False
        crypt = _crypt("", self.point[1:].hex())
        try:
            return bool(crypt.verify(signature.hex(), sm2_digest(self.point, data)))
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True, repr=False)
class SM2Signer:
    d: int
    kid: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    alg: str = "SM2SM3"
    point: bytes = b""

    def __post_init__(self) -> None:
        if not 1 <= self.d < _SM2_N - 1:
            raise ValueError("SM2 private key out of range")
        if not self.point:
            object.__setattr__(self, "point", sm2_public_from_private(self.d))

    def sign(self, data: bytes) -> bytes:
        crypt = _crypt(f"{self.d:064x}", self.point[1:].hex())
        e = sm2_digest(self.point, data)
        while True:
            k = secrets.randbelow(_SM2_N - 1) + 1  # gmssl's own nonce uses `random`: not ours
            sig = crypt.sign(e, f"{k:064x}")
            if sig is not None:
                return bytes.fromhex(sig)

    def public_bytes(self) -> bytes:
        return self.point

    def verifier(self) -> SM2Verifier:
        return SM2Verifier(self.point)

    def __repr__(self) -> str:
        return f"SM2Signer(kid={self.kid!r})"


# --- keys as stored ----------------------------------------------------------------------


def generate_private_key(algorithm: str) -> bytes:
    """New private key material as stored (encrypted) at rest."""
    if algorithm == ED25519:
        key: Any = Ed25519PrivateKey.generate()
    elif algorithm == P256:
        key = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == SM2:
        return (secrets.randbelow(_SM2_N - 2) + 1).to_bytes(32, "big")
    else:
        raise ValueError(f"unknown key algorithm {algorithm!r}")
    return key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signer(
    algorithm: str, private: bytes, kid: str, headers: Mapping[str, Any] | None = None
) -> Ed25519Signer | ES256Signer | SM2Signer:
    hdrs = dict(headers or {})
    if algorithm == SM2:
        return SM2Signer(int.from_bytes(private, "big"), kid, hdrs)
    key = serialization.load_der_private_key(private, password=None)
    if algorithm == ED25519 and isinstance(key, Ed25519PrivateKey):
        return Ed25519Signer(key, kid, hdrs)
    if (
        algorithm == P256
        and isinstance(key, ec.EllipticCurvePrivateKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return ES256Signer(key, kid, hdrs)
    raise ValueError(f"stored key does not match algorithm {algorithm!r}")


def verifier_for(alg: str, public_key: object) -> Verifier | None:
    """A verifier for a JWS `alg` and a public key, or None when they do not match.

    `public_key` is a cryptography public key (EdDSA, ES256) or the 65-byte SM2 point.
    Refusing a mismatch is what stops algorithm confusion.
    """
    if alg in ("EdDSA", "Ed25519") and isinstance(public_key, Ed25519PublicKey):
        return Ed25519Verifier(public_key, alg)
    if (
        alg == "ES256"
        and isinstance(public_key, ec.EllipticCurvePublicKey)
        and isinstance(public_key.curve, ec.SECP256R1)
    ):
        return ES256Verifier(public_key)
    if alg == "SM2SM3" and isinstance(public_key, bytes) and sm2_point_is_valid(public_key):
        return SM2Verifier(public_key)
    return None

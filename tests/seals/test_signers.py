"""Signers and verifiers: Ed25519, ES256, SM2 behind one protocol."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govbridge.seals import signers
from govbridge.seals.signers import (
    KEY_ALGORITHMS,
    Signer,
    Verifier,
    generate_private_key,
    load_signer,
    sm2_point_is_valid,
    verifier_for,
)


@pytest.mark.parametrize("algorithm", list(KEY_ALGORITHMS))
def test_round_trip_and_tamper(algorithm):
    signer = load_signer(algorithm, generate_private_key(algorithm), "k1")
    assert isinstance(signer, Signer)
    assert signer.alg == KEY_ALGORITHMS[algorithm]
    sig = signer.sign(b"payload")
    assert len(sig) == 64
    verifier = signer.verifier()
    assert isinstance(verifier, Verifier)
    assert verifier.verify(b"payload", sig)
    assert not verifier.verify(b"payloaD", sig)
    assert not verifier.verify(b"payload", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not verifier.verify(b"payload", sig[:63])
    assert "k1" in repr(signer) and "private" not in repr(signer).lower()


def test_sm2_interoperates_with_gmssls_own_sm3_path():
    """Our Z_A/SM3 (cryptography) and gmssl's sign_with_sm3/verify_with_sm3 agree."""
    private = generate_private_key("SM2")
    signer = load_signer("SM2", private, "k")
    crypt = signers._crypt(private.hex(), signer.public_bytes()[1:].hex())
    ours = signer.sign(b"abc")
    assert crypt.verify_with_sm3(ours.hex(), b"abc")
    theirs = bytes.fromhex(crypt.sign_with_sm3(b"abc"))
    assert signer.verifier().verify(b"abc", theirs)


def test_sm2_rejects_out_of_range_signatures_and_bad_points():
    signer = load_signer("SM2", generate_private_key("SM2"), "k")
    v = signer.verifier()
    assert not v.verify(b"m", b"\x00" * 64)
    assert not v.verify(b"m", b"\xff" * 64)
    point = bytearray(signer.public_bytes())
    point[-1] ^= 1
    assert not sm2_point_is_valid(bytes(point))
    assert verifier_for("SM2SM3", bytes(point)) is None


def test_verifier_for_refuses_alg_key_mismatch():
    ed = Ed25519PrivateKey.generate().public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    assert verifier_for("EdDSA", ed) is not None
    assert verifier_for("ES256", p256) is not None
    assert verifier_for("ES256", ed) is None
    assert verifier_for("EdDSA", p256) is None
    assert verifier_for("ES256", p384) is None
    assert verifier_for("HS256", ed) is None
    assert verifier_for("none", ed) is None


def test_load_signer_checks_the_stored_algorithm():
    with pytest.raises(ValueError):
        load_signer("P-256", generate_private_key("Ed25519"), "k")
    with pytest.raises(ValueError):
        generate_private_key("RSA")

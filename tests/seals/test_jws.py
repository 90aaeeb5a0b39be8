"""Sealed JSON (JWS compact): round trip, an independent JOSE library, and every forgery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jws as jrfc
from joserfc.jwk import ECKey, OKPKey
from joserfc.jws import JWSRegistry

from govbridge.seals import jcs
from govbridge.seals.certs import b64url
from govbridge.seals.jws import SealInvalid, seal_json, split, verify_json

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # the `pki` fixture's start (conftest.T0)
ORG = "11320500000000019T"
PAYLOAD = {"dataset": "RS-0001", "rows": [{"name": "张三", "n": 1}], "ok": True, "x": None}
AT = T0 + timedelta(days=1)
# joserfc warns that RFC 9864 deprecates "EdDSA"; we produce it for the widest compatibility.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _dec(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _reassemble(header: dict, payload_b64: str, sig_b64: str) -> str:
    return f"{b64url(json.dumps(header).encode())}.{payload_b64}.{sig_b64}"


def _reason(token: str, pki, **kw) -> str:
    with pytest.raises(SealInvalid) as exc:
        verify_json(token, trust_anchor_pem=pki.ca_pem, **{"at": AT, **kw})
    return exc.value.reason


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256", "SM2"])
def test_round_trip(pki, algorithm):
    signer = pki.signer(algorithm, kid=f"{ORG}-aa")
    token = seal_json(signer, PAYLOAD, headers={"iat": 1})
    seal = verify_json(token, trust_anchor_pem=pki.ca_pem, at=AT)
    assert seal.payload == PAYLOAD
    assert seal.kid == f"{ORG}-aa" and seal.alg == signer.alg
    assert seal.organization_code == ORG and seal.organization_name == "苏州市测试局"
    assert seal.header["iat"] == 1 and seal.header["typ"] == "gb-sealed+json"
    # The payload part is exactly the canonical JSON.
    assert _dec(token.split(".")[1]) == jcs.canonical(PAYLOAD)


def test_headers_cannot_override_alg_or_kid(pki):
    with pytest.raises(ValueError):
        seal_json(pki.signer(), PAYLOAD, headers={"alg": "none"})


def _public_pem(token: str) -> bytes:
    from cryptography import x509

    header = split(token)[0]
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    return leaf.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _registry(alg: str) -> JWSRegistry:
    # x5c with two certificates makes the header ~2 kB; joserfc's default cap is 512 bytes.
    registry = JWSRegistry(algorithms=[alg])
    registry.max_header_length = 8192
    return registry


def test_ed25519_seal_verifies_with_joserfc(pki):
    token = seal_json(pki.signer("Ed25519"), PAYLOAD)
    key = OKPKey.import_key(_public_pem(token))
    obj = jrfc.deserialize_compact(token, key, registry=_registry("EdDSA"))
    assert obj.protected["alg"] == "EdDSA"
    assert json.loads(obj.payload) == PAYLOAD
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):
        jrfc.deserialize_compact(tampered, key, registry=_registry("EdDSA"))


def test_es256_seal_verifies_with_joserfc(pki):
    token = seal_json(pki.signer("P-256"), PAYLOAD)
    key = ECKey.import_key(_public_pem(token))
    obj = jrfc.deserialize_compact(token, key, registry=_registry("ES256"))
    assert json.loads(obj.payload) == PAYLOAD


def test_joserfc_made_token_with_our_key_verifies_with_us(pki):
    """The other direction: a JWS produced by joserfc with a certified key passes our check."""
    signer = pki.signer("Ed25519", kid="K1")
    key = OKPKey.import_key(signer.private_key)
    header = {"alg": "EdDSA", "kid": "K1", "x5c": signer.headers["x5c"]}
    token = jrfc.serialize_compact(header, json.dumps(PAYLOAD).encode(), key,
                                   registry=_registry("EdDSA"))
    assert verify_json(token, trust_anchor_pem=pki.ca_pem, at=AT).payload == PAYLOAD


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256", "SM2"])
def test_altered_payload_is_rejected(pki, algorithm):
    token = seal_json(pki.signer(algorithm), PAYLOAD)
    h, p, s = token.split(".")
    altered = b64url(jcs.canonical({**PAYLOAD, "ok": False}))
    assert _reason(f"{h}.{altered}.{s}", pki) == "bad-signature"
    # one flipped byte inside the payload
    raw = bytearray(_dec(p))
    raw[raw.index(b"RS-0001")] ^= 0x01
    assert _reason(f"{h}.{b64url(bytes(raw))}.{s}", pki) == "bad-signature"


@pytest.mark.parametrize("algorithm", ["Ed25519", "SM2"])
def test_swapped_signature_is_rejected(pki, algorithm):
    signer = pki.signer(algorithm)
    one = seal_json(signer, PAYLOAD)
    other = seal_json(signer, {"something": "else"})
    h, p, _ = one.split(".")
    assert _reason(f"{h}.{p}.{other.split('.')[2]}", pki) == "bad-signature"


def test_altered_header_is_rejected(pki):
    token = seal_json(pki.signer(), PAYLOAD)
    header, _, _, _ = split(token)
    _, p, s = token.split(".")
    assert _reason(_reassemble({**header, "typ": "other"}, p, s), pki) == "bad-signature"


def test_forged_by_an_uncertified_key(pki):
    """A key that copies someone's x5c but is not the certified key cannot seal."""
    real = pki.signer("Ed25519", kid="K1")
    forger = pki.signer("Ed25519", kid="K1")
    forged = seal_json(type(forger)(forger.private_key, "K1", real.headers), PAYLOAD)
    assert _reason(forged, pki) == "bad-signature"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES512", "", None])
def test_unaccepted_algs_are_refused(pki, alg):
    token = seal_json(pki.signer(), PAYLOAD)
    header, _, _, _ = split(token)
    _, p, _ = token.split(".")
    # "none" with an empty signature, HS256 keyed with the CA's public key (classic confusion)
    mac = hmac.new(pki.ca_pem.encode(), f"x.{p}".encode(), hashlib.sha256).digest()
    assert _reason(_reassemble({**header, "alg": alg}, p, b64url(mac)), pki) == "unsupported-alg"
    assert _reason(_reassemble({**header, "alg": alg}, p, ""), pki) == "unsupported-alg"


def test_alg_confusion_between_supported_algs(pki):
    """ES256 claimed over an Ed25519 certificate (and SM2SM3 without attestation) is refused."""
    signer = pki.signer("Ed25519")
    token = seal_json(signer, PAYLOAD)
    header, _, _, _ = split(token)
    _, p, s = token.split(".")
    assert _reason(_reassemble({**header, "alg": "ES256"}, p, s), pki) == "alg-mismatch"
    assert _reason(_reassemble({**header, "alg": "SM2SM3"}, p, s), pki) == "malformed"


def test_certificate_from_another_ca(pki, make_pki):
    other = make_pki("another CA")
    token = seal_json(other.signer("Ed25519"), PAYLOAD)
    assert _reason(token, pki) == "untrusted-certificate"
    sm2 = seal_json(other.signer("SM2"), PAYLOAD)
    assert _reason(sm2, pki) == "untrusted-certificate"


def test_ca_with_same_name_but_other_key(pki, make_pki):
    impostor = make_pki("test CA")  # same subject as the real anchor
    assert _reason(seal_json(impostor.signer(), PAYLOAD), pki) == "untrusted-certificate"


def test_ca_certificate_cannot_seal(pki):
    from govbridge.seals.jws import x5c_header
    from govbridge.seals.signers import Ed25519Signer

    ca_signer = Ed25519Signer(pki.ca_key, "K1", x5c_header(pki.ca_der, pki.ca_der))
    assert _reason(seal_json(ca_signer, PAYLOAD), pki) == "untrusted-certificate"


@pytest.mark.parametrize("algorithm", ["Ed25519", "SM2"])
def test_validity_window(pki, algorithm):
    token = seal_json(pki.signer(algorithm, days=30), PAYLOAD)
    assert _reason(token, pki, at=T0 + timedelta(days=31)) == "expired"
    assert _reason(token, pki, at=T0 - timedelta(hours=1)) == "not-yet-valid"
    assert verify_json(token, trust_anchor_pem=pki.ca_pem, at=T0 + timedelta(days=29))


def test_revoked_set(pki):
    token = seal_json(pki.signer(kid="K9"), PAYLOAD)
    assert _reason(token, pki, revoked={"K9"}) == "revoked"
    assert verify_json(token, trust_anchor_pem=pki.ca_pem, at=AT, revoked={"K8"})


def test_kid_must_match_certificate(pki):
    signer = pki.signer(kid="K1")
    relabelled = type(signer)(signer.private_key, "K2", signer.headers)
    assert _reason(seal_json(relabelled, PAYLOAD), pki) == "kid-mismatch"
    sm2 = pki.signer("SM2", kid="S1")
    assert _reason(seal_json(type(sm2)(sm2.d, "S2", sm2.headers), PAYLOAD), pki) == "kid-mismatch"


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "!!!.e30.AA", "e30.e30.AA", "W10.e30.", "eyJhbGciOiJFZERTQSJ9.W10.AA",
     b64url(b'{"alg":"EdDSA","alg":"ES256","kid":"k"}') + ".e30.AA"],
)
def test_malformed_tokens(pki, token):
    assert _reason(token, pki) in {"malformed", "unsupported-alg"}


def test_crit_and_unencoded_payload_are_refused(pki):
    token = seal_json(pki.signer(), PAYLOAD, headers={"crit": ["exp"], "exp": 1})
    assert _reason(token, pki) == "unsupported-header"


def test_sm2_altered_attestation_is_refused(pki):
    signer = pki.signer("SM2", kid="S1")
    att = signer.headers["gbatt"]
    h, p, s = att.split(".")
    claims = json.loads(_dec(p))
    claims["org_code"] = "91110000600037341L"
    forged_att = f"{h}.{b64url(json.dumps(claims).encode())}.{s}"
    token = seal_json(type(signer)(signer.d, "S1", {"gbatt": forged_att}), PAYLOAD)
    assert _reason(token, pki) == "untrusted-certificate"

"""The CMS written directly (`cms.py`) is the one pyHanko builds for the same seal."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers

from govbridge.certificates import pdf


class _Seal:
    """A P-256 seal as `govbridge.seals.signers.ES256Signer` shows itself (alg, kid, x5c)."""

    alg = "ES256"
    kid = "test-seal"

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        ca_key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "政务数据平台根证书"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试市大数据局")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(1)
              .not_valid_before(now - timedelta(days=1))
              .not_valid_after(now + timedelta(days=30)).sign(ca_key, hashes.SHA256()))
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "市场监管局")]))
                .issuer_name(ca_name).public_key(self.key.public_key())
                .serial_number(0x80 << 120)  # high bit set: a leading zero octet in DER
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=30)).sign(ca_key, hashes.SHA256()))
        self.leaf = leaf
        self.headers = {"x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER))
                                .decode() for c in (leaf, ca)]}

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_signed_attributes_and_signer_match_pyhankos_and_the_signature_verifies():
    seal = _Seal()
    signer = pdf._pyhanko_signer(seal)
    digest = hashlib.sha256(b"the document's byte ranges").digest()
    ours = asyncio.run(signer.async_sign(digest, "sha256", use_pades=True))
    theirs = asyncio.run(signers.Signer.async_sign(signer, digest, "sha256", use_pades=True))
    mine, ref = ours["content"], theirs["content"]
    ours_info, ref_info = mine["signer_infos"][0], ref["signer_infos"][0]
    assert ours_info["signed_attrs"].dump() == ref_info["signed_attrs"].dump()
    for field in ("version", "sid", "digest_algorithm", "signature_algorithm"):
        assert ours_info[field].dump() == ref_info[field].dump(), field
    for field in ("version", "digest_algorithms", "encap_content_info"):
        assert mine[field].dump() == ref[field].dump(), field
    assert {c.chosen.dump() for c in mine["certificates"]} == {
        c.chosen.dump() for c in ref["certificates"]}
    # the value is the seal's signature over the attributes as a SET
    signed = ours_info["signed_attrs"].untag().dump()
    seal.leaf.public_key().verify(ours_info["signature"].native, signed,
                                  ec.ECDSA(hashes.SHA256()))
    # re-encoding the parsed structure changes nothing: the DER is canonical
    assert ours.dump(force=True) == ours.dump()

"""The CMS SignedData of a PAdES B-B seal, written as DER from parts prepared once a seal.

Pure (DER in, DER out; no I/O). Why: pyHanko assembles the same CMS through asn1crypto's
generic objects, ~half of sealing a certificate (~10-30 ms on a 2-vCPU machine); here all
but the document's digest and the signature value is fixed per seal certificate, so the
signature is a few concatenations. The content is exactly what pyHanko writes for our
seals (checked by `pdf.validate`, i.e. pyHanko's own validation, and by poppler's pdfsig
in the tests):

    ContentInfo { signedData, SignedData v1 { digestAlgorithms {sha256},
      encapContentInfo {data, detached}, certificates [0] {leaf, issuers...},
      signerInfos { SignerInfo v1 { issuerAndSerialNumber, sha256,
        signedAttrs [0] { contentType data, messageDigest, signingCertificateV2 },
        ecdsa-with-SHA256, signature } } } }
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cmp_to_key

OID_DATA = bytes.fromhex("06092a864886f70d010701")
OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
OID_CONTENT_TYPE = bytes.fromhex("06092a864886f70d010903")
OID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
OID_SIGNING_CERTIFICATE_V2 = bytes.fromhex("060b2a864886f70d010910022f")
SHA256 = bytes.fromhex("300d06096086480165030402010500")  # with NULL parameters, as pyHanko
ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
SEQUENCE, SET, OCTET_STRING, CONTEXT_0, DIRECTORY_NAME = 0x30, 0x31, 0x04, 0xA0, 0xA4
VERSION_1 = bytes.fromhex("020101")


def tlv(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, contents."""
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def _der_order(a: bytes, b: bytes) -> int:
    """X.690 11.6: SET OF components ascending as octet strings, the shorter padded with
    zeros at its end."""
    width = max(len(a), len(b))
    pa, pb = a.ljust(width, b"\0"), b.ljust(width, b"\0")
    return (pa > pb) - (pa < pb)


@dataclass(frozen=True)
class SealParts:
    """What every signature of one seal certificate shares."""

    certificates: bytes  # the [0] IMPLICIT certificate set's contents: leaf, then issuers
    issuer_and_serial: bytes  # the leaf's IssuerAndSerialNumber
    signing_certificate: bytes  # the signingCertificateV2 attribute


def seal_parts(chain_der: list[bytes], issuer_der: bytes, serial_der: bytes) -> SealParts:
    """`chain_der` the leaf certificate first; `issuer_der` and `serial_der` the leaf's
    issuer Name and serialNumber INTEGER as they are encoded in it."""
    leaf_hash = hashlib.sha256(chain_der[0]).digest()
    issuer_serial = tlv(SEQUENCE, tlv(SEQUENCE, tlv(DIRECTORY_NAME, issuer_der)) + serial_der)
    ess_cert_id = tlv(SEQUENCE, tlv(OCTET_STRING, leaf_hash) + issuer_serial)
    attribute = tlv(SEQUENCE, OID_SIGNING_CERTIFICATE_V2 + tlv(SET, tlv(
        SEQUENCE, tlv(SEQUENCE, ess_cert_id))))
    return SealParts(certificates=b"".join(chain_der),
                     issuer_and_serial=tlv(SEQUENCE, issuer_der + serial_der),
                     signing_certificate=attribute)


def signed_attributes(parts: SealParts, document_digest: bytes) -> bytes:
    """The signed attributes' contents (DER-sorted); the signature covers them as a SET."""
    attributes = [
        tlv(SEQUENCE, OID_CONTENT_TYPE + tlv(SET, OID_DATA)),
        tlv(SEQUENCE, OID_MESSAGE_DIGEST + tlv(SET, tlv(OCTET_STRING, document_digest))),
        parts.signing_certificate,
    ]
    return b"".join(sorted(attributes, key=cmp_to_key(_der_order)))


def to_be_signed(attributes: bytes) -> bytes:
    """What the seal signs (RFC 5652 5.4: the attributes with an explicit SET tag)."""
    return tlv(SET, attributes)


def signed_data(parts: SealParts, attributes: bytes, signature_der: bytes) -> bytes:
    """The ContentInfo holding the detached SignedData; `signature_der` the ECDSA value."""
    signer_info = tlv(SEQUENCE, VERSION_1 + parts.issuer_and_serial + SHA256
                      + tlv(CONTEXT_0, attributes) + ECDSA_SHA256
                      + tlv(OCTET_STRING, signature_der))
    content = tlv(SEQUENCE, VERSION_1 + tlv(SET, SHA256) + tlv(SEQUENCE, OID_DATA)
                  + tlv(CONTEXT_0, parts.certificates) + tlv(SET, signer_info))
    return tlv(SEQUENCE, OID_SIGNED_DATA + tlv(CONTEXT_0, content))

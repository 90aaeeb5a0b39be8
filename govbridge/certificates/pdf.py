"""The certificate as a PDF: one A4 page, sealed with pyHanko as PAdES (B-B).

- Drawing (`render`): the page is written directly (`pdf_page.py`) with a subset of a CJK
  font from the Debian package `fonts-wqy-microhei` (or `fonts-wqy-zenhei`), looked up
  under /usr/share/fonts, parsed once per process (`truetype.py`) and cut per document
  to the characters it shows: ~5 ms a page, where fpdf2 took ~0.4-1 s parsing and
  subsetting the 5 MB font for every PDF. A face with CFF outlines (`fonts-noto-cjk`) or
  no CJK font at all goes through fpdf2 as before (Helvetica, CJK shown as "?"; the
  sealed VC inside is unaffected).
- A red visible seal (circle, star, issuer name) and a QR code (segno, a fixed mask) with
  the public verification URL `/verify/{identifier}`.
- The sealed VC 2.0 JSON travels inside as an embedded file `certificate.vc.jwt`; the
  identifier is the document's /Subject.
- The signature (`sign`) is PAdES (SubFilter ETSI.CAdES.detached, SHA-256) by the issuing
  organization's **P-256** PDF seal key (`govbridge.seals.usecases.pdf_signer_for`), whose
  certificate the platform CA issued: poppler (NSS) cannot verify Ed25519 in a PDF, ECDSA
  P-256 it can. The signature widget shows the seal's kid and the signing time. pyHanko
  writes the signature field, widget and byte ranges; the CMS itself is written directly
  (`cms.py`, parts prepared once per seal certificate: the same DER pyHanko builds), and
  the signature's room is sized from the chain rather than by a trial signature: ~17 ms
  a seal on a busy 2-vCPU machine, where pyHanko alone took ~55 ms.

Validation (`validate`) follows pyHanko's `bottom_line` (intact, valid, trusted under the
platform CA) and also requires that the signature covers the entire file.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import logging
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from asn1crypto import algos
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fpdf import FPDF

from govbridge.certificates import cms, pdf_page, truetype
from govbridge.certificates.pdf_page import VC_ATTACHMENT, Sheet
from govbridge.seals.signers import Signer as SealSigner

__all__ = ["VC_ATTACHMENT", "PdfCheck", "Sheet", "peek", "render", "sign", "validate"]
log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
FIELD_NAME = "GovbridgeSeal"
QR_MASK = 2
SEAL_RED = (200, 16, 46)


def cjk_font() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


@functools.cache
def _face() -> truetype.Face | None:
    """The CJK face, parsed once per process (~50 ms); None without a font we subset."""
    path = cjk_font()
    if path is None:
        return None
    try:
        return truetype.load(path.read_bytes(), 0)
    except (truetype.UnsupportedFace, struct.error, IndexError) as exc:
        log.warning("certificate font %s: %s; drawing through fpdf2", path, exc)
        return None


def render(sheet: Sheet) -> bytes:
    """The unsigned PDF (one A4 page)."""
    face = _face()
    # A fixed mask: segno otherwise scores all eight (~60 % of drawing the page); any mask
    # makes a valid code, readers undo it.
    qr = segno.make(sheet.verify_url, error="m", mask=QR_MASK)
    if face is not None:
        return pdf_page.draw(sheet, face, _bordered(qr.matrix, 2))
    return _render_fpdf(sheet, qr)


def _bordered(matrix: Any, border: int) -> list[bytes]:
    size = len(matrix) + 2 * border
    blank = bytes(size)
    side = bytes(border)
    return [blank] * border + [side + bytes(row) + side for row in matrix] + [blank] * border


def _font(pdf: FPDF) -> tuple[str, bool]:
    path = cjk_font()
    if path is None:
        return "helvetica", False
    pdf.add_font("cjk", fname=str(path), collection_font_number=0)
    return "cjk", True


def _text(value: str, cjk: bool) -> str:
    return value if cjk else value.encode("latin-1", "replace").decode("latin-1")


def _render_fpdf(sheet: Sheet, code: Any) -> bytes:
    """The same page through fpdf2, for a font `truetype` does not subset (CFF outlines)
    or none at all (Helvetica, CJK shown as "?"): slow with a CJK font (~0.5 s)."""
    pdf = FPDF(format="A4")
    pdf.set_title(_text(sheet.type_name, True))
    pdf.set_subject(sheet.identifier)
    pdf.set_creator("govbridge")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family, cjk = _font(pdf)

    def line(label: str, value: str, size: float) -> None:
        pdf.set_font(family, size=size)
        pdf.set_x(20)
        pdf.cell(45, 9, _text(label, cjk))
        pdf.multi_cell(125, 9, _text(value, cjk), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, size=24)
    pdf.set_y(22)
    pdf.cell(0, 14, _text(sheet.type_name, cjk), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    pdf.cell(0, 6, _text(f"证照标识 {sheet.identifier}", cjk), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for label, value, size in sheet.rows():
        line(label, value, size)

    # The visible seal: a red ring, a star, the issuer's name.
    cx, cy, r = 150.0, 228.0, 22.0
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_fill_color(*SEAL_RED)
    pdf.set_text_color(*SEAL_RED)
    pdf.set_line_width(1.2)
    pdf.circle(x=cx, y=cy, radius=r, style="D")
    pdf.star(x=cx, y=cy, r_in=2.6, r_out=7, corners=5, rotate_degrees=90, style="F")
    pdf.set_font(family, size=8)
    pdf.set_xy(cx - r, cy + 8)
    pdf.cell(2 * r, 5, _text(sheet.issuer_name[:14], cjk), align="C")
    pdf.set_xy(cx - r, cy - 14)
    pdf.cell(2 * r, 5, _text("电子证照专用章", cjk), align="C")
    pdf.set_text_color(0, 0, 0)

    # The QR code: the public verification page of this certificate.
    qr = io.BytesIO()
    code.save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=22, y=200, w=45, h=45)
    pdf.set_font(family, size=8)
    pdf.set_xy(20, 246)
    pdf.cell(60, 5, _text("扫码核验 Scan to verify", cjk))
    pdf.set_xy(20, 251)
    pdf.cell(120, 5, sheet.verify_url[:100])

    pdf.embed_file(bytes=sheet.vc_jws.encode("ascii"), basename=VC_ATTACHMENT,
                   desc="Sealed W3C VC 2.0 (compact JWS)", compress=True)
    return bytes(pdf.output())


# --- signing (pyHanko) -------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _chain(x5c: tuple[str, ...]) -> tuple[ax509.Certificate, ...]:
    """The seal's certificates, parsed once and kept: asn1crypto parses a field when first
    read and keeps it, so signing with a certificate read before is ~2x faster than with
    a fresh copy (the signing-certificate attribute and the signer id read it each time)."""
    chain = tuple(ax509.Certificate.load(base64.b64decode(c)) for c in x5c)
    for cert in chain:  # parse what signing reads now, once
        _ = (cert.issuer, cert.serial_number, cert.subject, cert.public_key)
    return chain


@functools.lru_cache(maxsize=256)
def _seal_parts(x5c: tuple[str, ...]) -> cms.SealParts:
    """What every CMS of this seal certificate shares, prepared once."""
    from cryptography import x509 as cx509

    chain = [base64.b64decode(c) for c in x5c]
    leaf = cx509.load_der_x509_certificate(chain[0])
    serial = leaf.serial_number
    serial_der = cms.tlv(0x02, serial.to_bytes((serial.bit_length() + 8) // 8, "big"))
    return cms.seal_parts(chain, leaf.issuer.public_bytes(), serial_der)


def _der_chain(seal: SealSigner) -> tuple[ax509.Certificate, list[ax509.Certificate]]:
    chain = _chain(tuple(seal.headers["x5c"]))
    return chain[0], list(chain[1:])


def _pyhanko_signer(seal: SealSigner) -> Any:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if seal.alg != "ES256":
        raise ValueError("a PDF seal is an ECDSA P-256 key")
    leaf, rest = _der_chain(seal)

    parts = _seal_parts(tuple(seal.headers["x5c"]))

    class _SealSigner(signers.Signer):
        async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                                 dry_run: bool = False) -> bytes:
            if dry_run:
                return bytes(72)
            raw = seal.sign(data)  # ES256: SHA-256, r‖s
            return encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                        int.from_bytes(raw[32:], "big"))

        async def async_sign(self, data_digest: bytes, digest_algorithm: str,
                             dry_run: bool = False, use_pades: bool = False,
                             timestamper: Any = None, signed_attr_settings: Any = None,
                             is_pdf_sig: bool = True, encap_content_info: Any = None) -> Any:
            """The CMS written directly (`cms.py`) for what we sign; anything else (a trial
            run, a timestamp, another digest) as pyHanko builds it."""
            if (dry_run or timestamper is not None or encap_content_info is not None
                    or digest_algorithm != "sha256" or not is_pdf_sig):
                return await super().async_sign(
                    data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                    timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                    is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)
            attributes = cms.signed_attributes(parts, data_digest)
            signature = await self.async_sign_raw(cms.to_be_signed(attributes), "sha256")
            return asn1_cms.ContentInfo.load(cms.signed_data(parts, attributes, signature))

    return _SealSigner(
        signing_cert=leaf,
        cert_registry=SimpleCertificateStore.from_certs([leaf, *rest]),
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
    )


def _reserved(seal: SealSigner) -> int:
    """Room kept for the CMS signature, in hex digits (pyHanko's unit: two a byte). The
    CMS holds the certificates, the issuer's name and serial twice more (signer id,
    signing-certificate attribute), the other attributes and the ECDSA value: within twice
    the chain plus 1 KiB. Sized here, pyHanko need not build a trial signature to measure
    it (~40 % of sealing)."""
    return 2 * (2 * sum(len(base64.b64decode(c)) for c in seal.headers["x5c"]) + 1024)


def sign(unsigned: bytes, seal: SealSigner, *, kid_label: str) -> bytes:
    """Seal a PDF (PAdES B-B) with the organization's P-256 PDF seal, with a visible widget."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(unsigned))
    fields.append_signature_field(writer, fields.SigFieldSpec(
        sig_field_name=FIELD_NAME, on_page=0, box=(380, 40, 570, 90)))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="govbridge electronic certificate", location=kid_label[:64])
    pdf_signer = signers.PdfSigner(
        meta, signer=_pyhanko_signer(seal),
        stamp_style=TextStampStyle(stamp_text="Sealed (PAdES)\n%(signer)s\n%(ts)s"
                                   .replace("%(signer)s", kid_label[:48])),
    )
    out = io.BytesIO()
    _run(pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=_reserved(seal)))
    return out.getvalue()


def _run(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --- validation --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfCheck:
    ok: bool
    reasons: list[str]
    identifier: str | None = None
    signer_org_code: str | None = None
    signer_org_name: str | None = None
    vc_jws: str | None = None
    signer_kid: str | None = None


def validate(data: bytes, ca_pem: str, at: datetime | None = None) -> PdfCheck:
    """Check the PAdES signature against the platform CA at the moment `at` (default now);
    read the identifier and VC."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from govbridge.seals.certs import subject_info

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        return PdfCheck(False, [f"not a readable PDF: {str(exc)[:200]}"])
    if len(sigs) != 1:
        return PdfCheck(False, [f"expected one signature, found {len(sigs)}"])
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization

    anchor = cx509.load_pem_x509_certificate(ca_pem.encode())
    root = ax509.Certificate.load(anchor.public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, moment=at)
    try:
        status = _run(async_validate_pdf_signature(sigs[0], vc))
    except Exception as exc:  # noqa: BLE001 - any failure to validate means "not sealed"
        return PdfCheck(False, [f"signature could not be validated: {str(exc)[:200]}"])
    reasons = []
    if not status.intact:
        reasons.append("the document was modified after sealing (digest mismatch)")
    if not status.valid:
        reasons.append("the signature does not verify")
    if not status.trusted:
        reasons.append("the seal's certificate is not issued by the platform CA")
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        reasons.append("the signature does not cover the entire file")
    if not status.bottom_line and not reasons:
        reasons.append("pyHanko's bottom line is negative")
    leaf = cx509.load_der_x509_certificate(status.signing_cert.dump())
    info = subject_info(leaf)
    identifier = vc_jws = None
    try:
        trailer = reader.trailer_view
        doc_info = trailer["/Info"] if "/Info" in trailer else {}  # noqa: SIM401 - dereferences
        identifier = str(doc_info["/Subject"]) if "/Subject" in doc_info else None
        vc_jws = _attachment(reader)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        reasons.append(f"embedded data unreadable: {str(exc)[:100]}")
    return PdfCheck(status.bottom_line and not reasons, reasons, identifier,
                    info.organization_code, info.organization_name, vc_jws, info.kid)


def peek(data: bytes) -> tuple[str | None, str | None]:
    """(identifier, sealed credential) as the PDF claims them, before any check; (None, None)
    when unreadable. Only to learn which certificate to look up: `validate` checks."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer_view["/Info"] if "/Info" in reader.trailer_view else {}  # noqa: SIM401 - dereferences
        identifier = str(info["/Subject"]) if "/Subject" in info else None
        return identifier, _attachment(reader)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None, None


def _attachment(reader: Any) -> str | None:
    names = reader.root.get("/Names")
    if names is None or "/EmbeddedFiles" not in names:
        return None
    tree = names["/EmbeddedFiles"].get("/Names", [])
    for i in range(0, len(tree), 2):
        if str(tree[i]) == VC_ATTACHMENT:
            stream = tree[i + 1]["/EF"]["/F"]
            return bytes(stream.data).decode("ascii")
    return None

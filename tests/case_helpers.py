"""Shared bits of the case tests: the fixed clock and the applicant."""

from __future__ import annotations

import functools
import struct
import zlib
from datetime import UTC, datetime

from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from ingest_helpers import company_code

FIXED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
APPLICANT_ID = company_code(1)


def staff(role: Role, org_id: int | None, name: str) -> Actor:
    return Actor.for_user(user_id=2500, username=name, roles=frozenset({role}),
                          organization_id=org_id, subject_id=None)


def applicant(subject_id: str = APPLICANT_ID) -> Actor:
    return Actor.for_user(user_id=4000, username=f"app.{subject_id}",
                          roles=frozenset({Role.APPLICANT}), organization_id=None,
                          subject_id=subject_id)


@functools.cache
def tiny_pdf(text: str = "articles of association") -> bytes:
    """A small, whole PDF (uploads are parsed, a bare '%PDF-' header is refused)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

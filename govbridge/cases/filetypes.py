"""What an applicant's uploaded file is, read from its structure, not its first bytes. No I/O.

The platform keeps uploaded materials and hands them to approvers' browsers, so a file
must be what it claims to be all the way through: a document that only starts like a
PNG (an HTML page or a script behind eight magic bytes) is refused with the reason.

- PNG: the signature, then chunks whose CRCs match, IHDR first (13 bytes, a non-empty
  image), IEND last, nothing after it.
- JPEG: SOI, marker segments of consistent lengths up to a frame header (SOF) and the
  start of scan (SOS), then the entropy-coded data ending at EOI.
- PDF: the `%PDF-1.x` header, `%%EOF` near the end, and a cross-reference table and
  trailer that pyHanko's reader (installed for the sealed certificates) can follow to
  the document catalogue.
- OFD (GB/T 33190, the national format of electronic documents): a ZIP container whose
  root holds `OFD.xml` with an `ofd:OFD` root element.

`identify` answers the media type or raises `NotAccepted` with a reason for a person.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

ACCEPTED_FILES = "PDF, OFD, JPEG or PNG"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OFD_ENTRY_MAX = 1 << 20  # OFD.xml is a short manifest; a larger one is not read
_PDF_HEADER = re.compile(rb"\A%PDF-[12]\.\d")


class NotAccepted(Exception):
    """The content is not a whole file of an accepted type; says why."""

    def __init__(self, reason: str, code: str = "file_type") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def identify(content: bytes) -> str:
    """The media type of a complete, well-formed PDF, OFD, JPEG or PNG file."""
    if content.startswith(PNG_SIGNATURE):
        check_png(content)
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        check_jpeg(content)
        return "image/jpeg"
    if content.startswith(b"%PDF-"):
        check_pdf(content)
        return "application/pdf"
    if content.startswith(b"PK\x03\x04"):
        check_ofd(content)
        return "application/ofd"
    raise NotAccepted(f"not a {ACCEPTED_FILES} file")


def check_png(content: bytes) -> None:
    pos, first, chunks = len(PNG_SIGNATURE), True, 0
    while True:
        if pos + 12 > len(content):
            raise NotAccepted(f"starts like a PNG image but is cut off at byte {pos} "
                              "(no IEND chunk)", "file_corrupt")
        length, kind = struct.unpack(">I4s", content[pos:pos + 8])
        end = pos + 8 + length
        if end + 4 > len(content):
            raise NotAccepted(f"starts like a PNG image but chunk {kind!r} at byte {pos} "
                              "runs past the end of the file", "file_corrupt")
        (crc,) = struct.unpack(">I", content[end:end + 4])
        if zlib.crc32(content[pos + 4:end]) != crc:
            raise NotAccepted(f"starts like a PNG image but chunk {kind!r} at byte {pos} "
                              "has a wrong CRC", "file_corrupt")
        if first:
            if kind != b"IHDR" or length != 13:
                raise NotAccepted("starts like a PNG image but its first chunk is not the "
                                  "image header (IHDR)", "file_corrupt")
            width, height = struct.unpack(">II", content[pos + 8:pos + 16])
            if width == 0 or height == 0:
                raise NotAccepted("a PNG image of no pixels", "file_corrupt")
            first = False
        chunks += 1
        pos = end + 4
        if kind == b"IEND":
            break
    if pos != len(content):
        raise NotAccepted(f"a PNG image followed by {len(content) - pos} more bytes after "
                          "its end (IEND)", "file_corrupt")


# Frame headers: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def check_jpeg(content: bytes) -> None:
    pos, frame = 2, False
    while True:
        if pos + 4 > len(content) or content[pos] != 0xFF:
            raise NotAccepted(f"starts like a JPEG image but has no marker at byte {pos}",
                              "file_corrupt")
        while pos < len(content) and content[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos + 3 > len(content):
            raise NotAccepted("starts like a JPEG image but is cut off", "file_corrupt")
        marker = content[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker == 0xD9:
            raise NotAccepted("a JPEG file that ends before its image data", "file_corrupt")
        (length,) = struct.unpack(">H", content[pos:pos + 2])
        if length < 2 or pos + length > len(content):
            raise NotAccepted(f"starts like a JPEG image but the segment at byte {pos - 2} "
                              "runs past the end of the file", "file_corrupt")
        frame = frame or marker in _SOF
        pos += length
        if marker == 0xDA:
            break
    if not frame:
        raise NotAccepted("a JPEG file without a frame header (no image size)", "file_corrupt")
    if not content.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise NotAccepted("starts like a JPEG image but does not end with the end-of-image "
                          "marker (EOI): it is cut off or has other data appended", "file_corrupt")


def check_pdf(content: bytes) -> None:
    if not _PDF_HEADER.match(content):
        raise NotAccepted("starts like a PDF but its header is not %PDF-1.x or %PDF-2.x",
                          "file_corrupt")
    if b"%%EOF" not in content[-1024:]:
        raise NotAccepted("starts like a PDF but does not end with %%EOF: it is cut off or "
                          "not a PDF", "file_corrupt")
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        catalog = reader.root
        pages = catalog["/Pages"]
        ok = catalog.get("/Type") == "/Catalog" and pages is not None
    except Exception as exc:  # noqa: BLE001 - hostile input may break a parser anyhow
        raise NotAccepted(f"starts like a PDF but its cross-reference table or trailer "
                          f"cannot be read ({type(exc).__name__})", "file_corrupt") from None
    if not ok:
        raise NotAccepted("a PDF without a document catalogue and pages", "file_corrupt")


def check_ofd(content: bytes) -> None:
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entry = next((i for i in archive.infolist() if i.filename == "OFD.xml"), None)
            if entry is None:
                raise NotAccepted("a ZIP archive without OFD.xml at its root: not an OFD "
                                  "document")
            if entry.file_size > OFD_ENTRY_MAX:
                raise NotAccepted("an OFD document whose OFD.xml is implausibly large",
                                  "file_corrupt")
            manifest = archive.read(entry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            ValueError, OSError) as exc:
        raise NotAccepted(f"starts like an OFD (ZIP) document but cannot be opened "
                          f"({type(exc).__name__})", "file_corrupt") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(manifest, parser=parser)
    except etree.XMLSyntaxError:
        raise NotAccepted("an OFD document whose OFD.xml is not XML", "file_corrupt") from None
    if etree.QName(root).localname != "OFD":
        raise NotAccepted("an OFD document whose OFD.xml has no ofd:OFD root", "file_corrupt")


FILENAME_MAX = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def safe_filename(name: str, fallback: str) -> str:
    """The base name of an uploaded file, safe to store and show: no directories (`../`,
    `C:\\`), no control or reserved characters, no leading dots, at most 200 characters
    with the extension kept; `fallback` when nothing is left."""
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE.sub("", base).strip().lstrip(".").strip()
    if not base:
        return fallback
    if len(base) > FILENAME_MAX:
        stem, dot, ext = base.rpartition(".")
        keep = f"{dot}{ext}" if dot and 0 < len(ext) <= 10 else ""
        base = (stem if keep else base)[:FILENAME_MAX - len(keep)] + keep
    return base

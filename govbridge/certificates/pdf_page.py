"""The certificate's page written straight as PDF objects, with a per-document font subset.

Pure (the sheet and the parsed face in, the PDF's bytes out; no I/O, no clock: the same
sheet gives the same bytes). Why not fpdf2 here: with the CJK font fpdf2 took ~0.4-1 s a
certificate (parsing and subsetting the 5 MB font for every PDF), and ~10 ms even with a
core font; this page is one fixed layout, so it is drawn directly in ~5 ms: the face is
parsed once per process (`truetype.load`), each document embeds only the glyphs it shows
(`truetype.subset`, a few KB), as a Type0 / CIDFontType2 font (Identity-H, CID = glyph id)
with a ToUnicode map, so text extraction (pdftotext, copy and paste, screen readers) reads
back every character, rare ones included.

The page (A4, millimetres from the top-left as fpdf2 drew it before): title, identifier,
the labelled lines (a long value wraps), the red visible seal (ring, star, issuer, 电子证照
专用章), the QR code of the public verification URL (a 1-bit image of segno's matrix), and
the sealed VC as the embedded file `certificate.vc.jwt`; /Info /Subject is the identifier.
pyHanko seals the result (`pdf.sign`).
"""

from __future__ import annotations

import hashlib
import math
import zlib
from dataclasses import dataclass

from govbridge.certificates import truetype

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
CELL_MARGIN = 1.0  # mm of padding inside a cell, as fpdf2
BLACK, RED = (0, 0, 0), (200, 16, 46)
VC_ATTACHMENT = "certificate.vc.jwt"


@dataclass(frozen=True)
class Sheet:
    """What the page shows (already decided by the use case; masked where it must be)."""

    identifier: str
    type_name: str
    holder_name: str
    holder_id: str
    issuer_name: str
    number: str
    valid_from: str
    valid_until: str
    lines: list[tuple[str, str]]
    verify_url: str
    vc_jws: str

    def rows(self) -> list[tuple[str, str, float]]:
        """The labelled rows under the title, (label, value, font size), in order; both
        renderers (this module's and fpdf2's in `pdf.py`) draw these."""
        fixed = [("持证主体 Holder", self.holder_name), ("主体代码 Holder ID", self.holder_id),
                 ("证照编号 Number", self.number), ("颁发机构 Issuer", self.issuer_name),
                 ("有效期自 Valid from", self.valid_from),
                 ("有效期至 Valid until", self.valid_until)]
        return ([(label, value, 12.0) for label, value in fixed]
                + [(label[:40], value[:300], 11.0) for label, value in self.lines])


@dataclass(frozen=True)
class Run:
    """A piece of text: its left edge and top of its cell (mm), cell height, size (pt)."""

    x: float
    top: float
    height: float
    size: float
    color: tuple[int, int, int]
    text: str


class Layout:
    """Places text as fpdf2's cell / multi_cell did, measuring with the face's widths."""

    def __init__(self, face: truetype.Face) -> None:
        self.face = face
        self.runs: list[Run] = []

    def width(self, text: str, size: float) -> float:
        """Width of `text` in mm at `size` pt."""
        return sum(self.face.width(c) for c in text) * size / 1000 / MM

    def cell(self, x: float, top: float, w: float, h: float, size: float, text: str, *,
             center: bool = False, color: tuple[int, int, int] = BLACK) -> None:
        left = x + (w - self.width(text, size)) / 2 if center else x + CELL_MARGIN
        self.runs.append(Run(left, top, h, size, color, text))

    def multi_cell(self, x: float, top: float, w: float, h: float, size: float,
                   text: str) -> float:
        """Wrapped text; the top of what follows."""
        for line in self.wrap(text, w - 2 * CELL_MARGIN, size):
            self.cell(x, top, w, h, size, line)
            top += h
        return top

    def wrap(self, text: str, room: float, size: float) -> list[str]:
        """Lines no wider than `room` mm: at a space when the line has one, else anywhere
        (CJK text has no spaces)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for char in paragraph:
                w = self.face.width(char) * size / 1000 / MM
                if line and used + w > room:
                    cut = line.rfind(" ")
                    if cut > 0 and char != " ":
                        lines.append(line[:cut])
                        line = line[cut + 1:]
                    else:
                        lines.append(line)
                        line = ""
                    line = line.lstrip(" ")
                    used = self.width(line, size)
                    if char == " " and not line:
                        continue
                line += char
                used += w
            lines.append(line)
        return lines


def draw(s: Sheet, face: truetype.Face, qr_matrix: tuple[bytes, ...] | list[bytes]) -> bytes:
    """The unsigned one-page PDF of `s`; `qr_matrix` the QR code's modules, rows of
    0 (light) / 1 (dark), quiet zone included."""
    page = Layout(face)
    page.cell(10, 22, 190, 14, 24, s.type_name, center=True)
    page.cell(10, 36, 190, 6, 9, f"证照标识 {s.identifier}", center=True)
    top = 50.0

    def line(label: str, value: str, size: float = 12) -> None:
        nonlocal top
        page.cell(20, top, 45, 9, size, label)
        top = page.multi_cell(65, top, 125, 9, size, value)

    for label, value, size in s.rows():
        line(label, value, size)
    cx, cy, r = 150.0, 228.0, 22.0
    page.cell(cx - r, cy + 8, 2 * r, 5, 8, s.issuer_name[:14], center=True, color=RED)
    page.cell(cx - r, cy - 14, 2 * r, 5, 8, "电子证照专用章", center=True, color=RED)
    page.cell(20, 246, 60, 5, 8, "扫码核验 Scan to verify")
    page.cell(20, 251, 120, 5, 8, s.verify_url[:100])

    font = truetype.subset(face, "".join(run.text for run in page.runs))
    content = "\n".join([
        _seal_graphics(cx, cy, r),
        f"q {45 * MM:.2f} 0 0 {45 * MM:.2f} {22 * MM:.2f} {_y(245):.2f} cm /Q1 Do Q",
        *(_text(run, font) for run in page.runs),
    ]).encode("ascii")
    return _document(s, face, font, content, _qr_image(qr_matrix))


# --- content ------------------------------------------------------------------------------


def _y(top_mm: float) -> float:
    return (PAGE_H - top_mm) * MM


def _rgb(color: tuple[int, int, int]) -> str:
    return " ".join(f"{c / 255:.3f}" for c in color)


def _text(run: Run, font: truetype.Subset) -> str:
    baseline = run.top + run.height / 2 + 0.3 * run.size / MM
    glyphs = "".join(f"{font.gid[c]:04X}" for c in run.text if c in font.gid)
    return (f"BT {_rgb(run.color)} rg /F1 {run.size:.2f} Tf {run.x * MM:.2f} "
            f"{_y(baseline):.2f} Td <{glyphs}> Tj ET")


def _seal_graphics(cx: float, cy: float, r: float) -> str:
    """The red ring (four Bézier quarter arcs) and the filled five-pointed star."""
    k = 0.5523 * r
    x, y, rr, kk = cx * MM, _y(cy), r * MM, k * MM
    ring = (f"{x + rr:.2f} {y:.2f} m "
            f"{x + rr:.2f} {y + kk:.2f} {x + kk:.2f} {y + rr:.2f} {x:.2f} {y + rr:.2f} c "
            f"{x - kk:.2f} {y + rr:.2f} {x - rr:.2f} {y + kk:.2f} {x - rr:.2f} {y:.2f} c "
            f"{x - rr:.2f} {y - kk:.2f} {x - kk:.2f} {y - rr:.2f} {x:.2f} {y - rr:.2f} c "
            f"{x + kk:.2f} {y - rr:.2f} {x + rr:.2f} {y - kk:.2f} {x + rr:.2f} {y:.2f} c S")
    points = []
    for i in range(10):  # outer and inner corners, the first pointing up
        radius = (7.0 if i % 2 == 0 else 2.6) * MM
        angle = math.radians(90 + 36 * i)
        points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
    star = " ".join(f"{px:.2f} {py:.2f} {'m' if i == 0 else 'l'}"
                    for i, (px, py) in enumerate(points)) + " h f"
    color = _rgb(RED)
    return f"q {color} RG {color} rg {1.2 * MM:.2f} w {ring} {star} Q"


def _qr_image(matrix: tuple[bytes, ...] | list[bytes]) -> tuple[int, bytes]:
    """(size, packed rows): 1-bit DeviceGray, 0 black (a dark module), 1 white."""
    size = len(matrix)
    rows = bytearray()
    for row in matrix:
        bits = 0
        for dark in row:
            bits = (bits << 1) | (0 if dark else 1)
        pad = -size % 8
        rows += (bits << pad).to_bytes((size + pad) // 8, "big")
    return size, bytes(rows)


# --- objects --------------------------------------------------------------------------------


def _literal(text: str) -> str:
    """A PDF string: literal for ASCII, UTF-16BE hex with BOM otherwise."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"
    return f"<FEFF{_utf16(text)}>"


def _utf16(text: str) -> str:
    """UTF-16BE in hex (a lone surrogate, which JSON lets through, kept as it is)."""
    return text.encode("utf-16-be", "surrogatepass").hex().upper()


def _to_unicode(font: truetype.Subset) -> bytes:
    pairs = sorted((gid, char) for char, gid in font.gid.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(
            f"<{gid:04X}> <{_utf16(char)}>" for gid, char in chunk) + "\nendbfchar")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
            ).encode("ascii")


def _stream(head: str, data: bytes, *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 1)
        head += " /Filter /FlateDecode"
    return f"<< {head} /Length {len(data)} >>\nstream\n".encode("ascii") + data + \
        b"\nendstream"


def _document(s: Sheet, face: truetype.Face, font: truetype.Subset, content: bytes,
              qr: tuple[int, bytes]) -> bytes:
    name = f"/{font.tag}+{face.postscript_name}"
    widths = " ".join(str(w) for w in font.widths)
    flags = 4 | (1 if face.fixed_pitch else 0) | (64 if face.italic_angle else 0)
    stem_v = round(50 + (face.weight / 65) ** 2)
    bbox = " ".join(str(face.scaled(v)) for v in face.bbox)
    jws = s.vc_jws.encode("ascii")
    qr_size, qr_rows = qr
    objects = [
        # 1 catalog, 2 pages, 3 page
        f"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
        f"[{_literal(VC_ATTACHMENT)} 9 0 R] >> >> >>".encode("ascii"),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W * MM:.2f} {PAGE_H * MM:.2f}] "
        f"/Resources << /Font << /F1 4 0 R >> /XObject << /Q1 10 0 R >> "
        f"/ProcSet [/PDF /Text /ImageB] >> /Contents 11 0 R >>".encode("ascii"),
        # 4 the font: Type0, its CIDFontType2, descriptor, the subset, its ToUnicode map
        f"<< /Type /Font /Subtype /Type0 /BaseFont {name} /Encoding /Identity-H "
        f"/DescendantFonts [5 0 R] /ToUnicode 8 0 R >>".encode("ascii"),
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont {name} /CIDSystemInfo "
        f"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R "
        f"/DW {font.widths[0]} /W [0 [{widths}]] /CIDToGIDMap /Identity >>".encode("ascii"),
        f"<< /Type /FontDescriptor /FontName {name} /Flags {flags} /FontBBox [{bbox}] "
        f"/ItalicAngle {face.italic_angle:g} /Ascent {face.scaled(face.ascent)} "
        f"/Descent {face.scaled(face.descent)} /CapHeight {face.scaled(face.cap_height)} "
        f"/StemV {stem_v} /FontFile2 7 0 R >>".encode("ascii"),
        _stream(f"/Length1 {len(font.font)}", font.font),
        _stream("", _to_unicode(font)),
        # 9 the sealed VC, embedded
        f"<< /Type /Filespec /F {_literal(VC_ATTACHMENT)} /UF {_literal(VC_ATTACHMENT)} "
        f"/Desc (Sealed W3C VC 2.0 \\(compact JWS\\)) /EF << /F 12 0 R >> >>".encode("ascii"),
        # 10 the QR code, 11 the page's content
        _stream(f"/Type /XObject /Subtype /Image /Width {qr_size} /Height {qr_size} "
                f"/ColorSpace /DeviceGray /BitsPerComponent 1 /Interpolate false", qr_rows),
        _stream("", content),
        _stream(f"/Type /EmbeddedFile /Params << /Size {len(jws)} >>", jws),
        # 13 the document's information
        (f"<< /Title {_literal(s.type_name)} /Subject {_literal(s.identifier)} "
         f"/Creator (govbridge) /Producer (govbridge) >>").encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{o:010d} 00000 n \n".encode("ascii") for o in offsets)
    doc_id = hashlib.sha256(bytes(out)).hexdigest()[:32].upper()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 13 0 R "
            f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref}\n%%EOF\n").encode("ascii")
    return bytes(out)

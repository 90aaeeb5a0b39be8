"""A TrueType face read once, and per document a subset holding only the characters it shows.

Pure (bytes in, bytes out; no I/O). Why: the CJK font (wqy-microhei, 49,531 glyphs, 5 MB)
costs fpdf2 ~0.4-1 s a PDF to parse and subset with fontTools; here the face is read once
per process (`load`, ~0.1 s: cmap, metrics, glyph offsets) and a document's subset is a
copy of its glyphs' bytes (`subset`, well under a millisecond for a certificate's ~100
characters). Holder names are arbitrary: any character the face has is shown, composites
bring their components along (31,440 of microhei's glyphs are composites), and a character
the face lacks gets its own copy of the .notdef box, so the text layer still reads it.

Only faces with TrueType outlines (`glyf`) are subset here; `load` refuses a CFF face
(e.g. Noto Sans CJK), which `pdf.render` then draws through fpdf2 as before.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass

# Tables copied as they are (hinting programs the glyphs call, names, OS/2 metrics).
KEPT = (b"OS/2", b"cvt ", b"fpgm", b"gasp", b"name", b"prep")
# Composite glyph flags (OpenType glyf table).
ARG_1_AND_2_ARE_WORDS, WE_HAVE_A_SCALE, MORE_COMPONENTS = 0x0001, 0x0008, 0x0020
WE_HAVE_AN_X_AND_Y_SCALE, WE_HAVE_A_TWO_BY_TWO = 0x0040, 0x0080


class UnsupportedFace(ValueError):
    """The face is not one this module subsets (no TrueType outlines, no Unicode cmap)."""


@dataclass(frozen=True)
class Face:
    """One face of a font file, parsed once."""

    tables: dict[bytes, bytes]
    cmap: dict[int, int]  # code point -> glyph id
    advances: tuple[int, ...]  # per glyph id, font units
    lsbs: tuple[int, ...]
    offsets: tuple[int, ...]  # loca: glyph i is glyf[offsets[i]:offsets[i + 1]]
    units_per_em: int
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: float
    fixed_pitch: bool
    weight: int
    postscript_name: str

    def scaled(self, value: int) -> int:
        """Font units to the PDF's thousandths of the text size."""
        return round(value * 1000 / self.units_per_em)

    def width(self, char: str) -> int:
        """Advance of `char` in thousandths of the text size (the .notdef's when missing)."""
        return self.scaled(self.advances[self.cmap.get(ord(char), 0)])


@dataclass(frozen=True)
class Subset:
    """A document's font: the TrueType bytes, each character's glyph id in it and each
    glyph's advance (thousandths); glyph 0 is .notdef."""

    font: bytes
    gid: dict[str, int]
    widths: tuple[int, ...]
    tag: str  # six capitals naming this subset (PDF BaseFont "TAG+Name")


def load(data: bytes, index: int = 0) -> Face:
    """Parse face `index` of a TrueType file or collection (.ttf / .ttc)."""
    tables = _tables(data, index)
    if b"glyf" not in tables or b"loca" not in tables:
        raise UnsupportedFace("the face has no TrueType outlines (glyf)")
    head, hhea, maxp = tables[b"head"], tables[b"hhea"], tables[b"maxp"]
    units_per_em = struct.unpack_from(">H", head, 18)[0]
    bbox = struct.unpack_from(">4h", head, 36)
    long_loca = struct.unpack_from(">h", head, 50)[0] == 1
    glyphs = struct.unpack_from(">H", maxp, 4)[0]
    ascent, descent = struct.unpack_from(">hh", hhea, 4)
    metrics = struct.unpack_from(">H", hhea, 34)[0]
    hmtx = tables[b"hmtx"]
    pairs = struct.unpack_from(f">{2 * metrics}h", hmtx, 0)
    advances = [a & 0xFFFF for a in pairs[0::2]]
    lsbs = list(pairs[1::2])
    rest = glyphs - metrics
    advances += [advances[-1]] * rest
    lsbs += list(struct.unpack_from(f">{rest}h", hmtx, 4 * metrics)) if rest else []
    loca = tables[b"loca"]
    offsets = (struct.unpack_from(f">{glyphs + 1}I", loca) if long_loca
               else tuple(2 * o for o in struct.unpack_from(f">{glyphs + 1}H", loca)))
    os2, post = tables.get(b"OS/2", b""), tables.get(b"post", b"")
    cap_height = (struct.unpack_from(">h", os2, 88)[0]
                  if len(os2) >= 90 and struct.unpack_from(">H", os2, 0)[0] >= 2 else ascent)
    weight = struct.unpack_from(">H", os2, 4)[0] if len(os2) >= 6 else 400
    italic = struct.unpack_from(">i", post, 4)[0] / 65536 if len(post) >= 16 else 0.0
    fixed = bool(struct.unpack_from(">I", post, 12)[0]) if len(post) >= 16 else False
    return Face(tables=tables, cmap=_cmap(tables[b"cmap"]), advances=tuple(advances),
                lsbs=tuple(lsbs), offsets=tuple(offsets), units_per_em=units_per_em,
                ascent=ascent, descent=descent, cap_height=cap_height, bbox=bbox,
                italic_angle=italic, fixed_pitch=fixed, weight=weight,
                postscript_name=_postscript_name(tables.get(b"name", b"")) or "CJK")


def subset(face: Face, text: str) -> Subset:
    """The face cut down to the characters of `text` (glyph 0 .notdef first)."""
    chars = sorted(set(text) - {"\n", "\r"})
    glyf = face.tables[b"glyf"]
    wanted: set[int] = set()
    todo = [face.cmap[ord(c)] for c in chars if ord(c) in face.cmap]
    while todo:  # composites need their components
        gid = todo.pop()
        if gid in wanted or gid >= len(face.advances):
            continue
        wanted.add(gid)
        todo.extend(_components(glyf[face.offsets[gid]:face.offsets[gid + 1]]))
    order = [0, *sorted(wanted - {0})]
    new_id = {old: new for new, old in enumerate(order)}
    gid = {c: new_id[face.cmap[ord(c)]] for c in chars if ord(c) in face.cmap}
    for c in chars:  # a character the face lacks: its own .notdef copy, read back by text
        if c not in gid:
            gid[c] = len(order)
            order.append(0)
    glyphs = io.BytesIO()
    loca = [0]
    for old in order:
        data = glyf[face.offsets[old]:face.offsets[old + 1]]
        glyphs.write(_renumbered(data, new_id) if data and _is_composite(data) else data)
        glyphs.write(b"\0" * (-glyphs.tell() % 4))
        loca.append(glyphs.tell())
    count = len(order)
    tables = {name: face.tables[name] for name in KEPT if name in face.tables}
    head = bytearray(face.tables[b"head"])
    struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set once the file is whole
    struct.pack_into(">h", head, 50, 1)  # long loca
    hhea = bytearray(face.tables[b"hhea"])
    struct.pack_into(">H", hhea, 34, count)
    maxp = bytearray(face.tables[b"maxp"])
    struct.pack_into(">H", maxp, 4, count)
    post = bytearray(face.tables[b"post"][:32].ljust(32, b"\0"))
    struct.pack_into(">I", post, 0, 0x00030000)  # version 3: no glyph names
    struct.pack_into(">4I", post, 16, 0, 0, 0, 0)
    tables |= {
        b"head": bytes(head), b"hhea": bytes(hhea), b"maxp": bytes(maxp), b"post": bytes(post),
        b"glyf": glyphs.getvalue(), b"loca": struct.pack(f">{count + 1}I", *loca),
        b"hmtx": b"".join(struct.pack(">Hh", face.advances[o], face.lsbs[o]) for o in order),
        b"cmap": _cmap12({ord(c): g for c, g in gid.items()}),
    }
    digest = hashlib.sha256("".join(chars).encode("utf-8", "surrogatepass")).digest()
    tag = "".join(chr(65 + b % 26) for b in digest[:6])
    return Subset(font=_sfnt(tables), gid=gid,
                  widths=tuple(face.scaled(face.advances[o]) for o in order), tag=tag)


# --- reading --------------------------------------------------------------------------------


def _tables(data: bytes, index: int) -> dict[bytes, bytes]:
    start = 0
    if data[:4] == b"ttcf":
        count = struct.unpack_from(">I", data, 8)[0]
        if not 0 <= index < count:
            raise UnsupportedFace(f"the collection has {count} faces, not {index + 1}")
        start = struct.unpack_from(">I", data, 12 + 4 * index)[0]
    elif data[:4] not in (b"\0\1\0\0", b"true"):
        raise UnsupportedFace("not a TrueType font")
    count = struct.unpack_from(">H", data, start + 4)[0]
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, start + 12 + 16 * i)
        tables[tag] = data[offset:offset + length]
    return tables


def _cmap(table: bytes) -> dict[int, int]:
    """Code point -> glyph id from the best Unicode subtable (format 12, else format 4)."""
    count = struct.unpack_from(">H", table, 2)[0]
    found: dict[tuple[int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * i)
        fmt = struct.unpack_from(">H", table, offset)[0]
        found[(fmt, platform * 100 + encoding)] = offset
    for key in ((12, 310), (12, 4), (12, 6), (4, 301), (4, 3), (4, 4), (4, 1)):
        if key in found:
            return (_format12 if key[0] == 12 else _format4)(table, found[key])
    raise UnsupportedFace("the face has no Unicode cmap (format 4 or 12)")


def _format12(table: bytes, at: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", table, at + 12)[0]
    cmap = {}
    for g in range(groups):
        first, last, glyph = struct.unpack_from(">III", table, at + 16 + 12 * g)
        for code in range(first, last + 1):
            cmap[code] = glyph + code - first
    return cmap


def _format4(table: bytes, at: int) -> dict[int, int]:
    segs = struct.unpack_from(">H", table, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segs}H", table, at + 14)
    starts = struct.unpack_from(f">{segs}H", table, at + 16 + 2 * segs)
    deltas = struct.unpack_from(f">{segs}h", table, at + 16 + 4 * segs)
    ranges_at = at + 16 + 6 * segs
    ranges = struct.unpack_from(f">{segs}H", table, ranges_at)
    cmap = {}
    for s in range(segs):
        for code in range(starts[s], ends[s] + 1):
            if code == 0xFFFF:
                continue
            if ranges[s] == 0:
                glyph = (code + deltas[s]) & 0xFFFF
            else:
                where = ranges_at + 2 * s + ranges[s] + 2 * (code - starts[s])
                glyph = struct.unpack_from(">H", table, where)[0]
                glyph = (glyph + deltas[s]) & 0xFFFF if glyph else 0
            if glyph:
                cmap[code] = glyph
    return cmap


def _postscript_name(table: bytes) -> str | None:
    if len(table) < 6:
        return None
    count, strings = struct.unpack_from(">HH", table, 2)
    for i in range(count):
        platform, _, _, name_id, length, offset = struct.unpack_from(">6H", table, 6 + 12 * i)
        if name_id == 6:
            raw = table[strings + offset:strings + offset + length]
            text = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace")
            return "".join(c for c in text if (c.isascii() and c.isalnum()) or c in "-_") or None
    return None


def _is_composite(glyph: bytes) -> bool:
    return struct.unpack_from(">h", glyph, 0)[0] < 0


def _component_slots(glyph: bytes) -> list[int]:
    """Byte offsets of the component glyph ids in a composite glyph."""
    slots, at = [], 10
    while True:
        flags = struct.unpack_from(">H", glyph, at)[0]
        slots.append(at + 2)
        at += 4 + (4 if flags & ARG_1_AND_2_ARE_WORDS else 2)
        if flags & WE_HAVE_A_SCALE:
            at += 2
        elif flags & WE_HAVE_AN_X_AND_Y_SCALE:
            at += 4
        elif flags & WE_HAVE_A_TWO_BY_TWO:
            at += 8
        if not flags & MORE_COMPONENTS:
            return slots


def _components(glyph: bytes) -> list[int]:
    if not glyph or not _is_composite(glyph):
        return []
    return [struct.unpack_from(">H", glyph, at)[0] for at in _component_slots(glyph)]


def _renumbered(glyph: bytes, new_id: dict[int, int]) -> bytes:
    out = bytearray(glyph)
    for at in _component_slots(glyph):
        struct.pack_into(">H", out, at, new_id[struct.unpack_from(">H", glyph, at)[0]])
    return bytes(out)


# --- writing --------------------------------------------------------------------------------


def _cmap12(mapping: dict[int, int]) -> bytes:
    groups = b"".join(struct.pack(">III", code, code, glyph)
                      for code, glyph in sorted(mapping.items()))
    sub = struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(mapping)) + groups
    return struct.pack(">HHHHI", 0, 1, 3, 10, 12) + sub


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                         count * 16 - power * 16)
    directory, body = [], io.BytesIO()
    offset = 12 + 16 * count
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag, _checksum(data), offset + body.tell(),
                                     len(data)))
        body.write(data + b"\0" * (-len(data) % 4))
    font = bytearray(header + b"".join(directory) + body.getvalue())
    head_at = offset + sum(len(tables[t]) + (-len(tables[t]) % 4)
                           for t in tags[:tags.index(b"head")])
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)

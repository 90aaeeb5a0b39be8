"""The text of an uploaded BPMN file: which encoding it is in, and whether it is text at all.

No I/O. A modeler may save a document in UTF-8 (with or without a BOM), in UTF-16 (with a
BOM, or without one but with an XML declaration) or in an encoding its XML declaration
names (GB18030, …). The encoding is found as XML 1.0 Appendix F finds it: the byte order
mark, else the first bytes of `<?xml`, else the declaration's `encoding`, else UTF-8.
The document is stored and parsed again later as UTF-8 text, so the declaration is
rewritten to say so. Bytes that are not text in that encoding — a picture, a zip, a
document saved in another encoding than it declares — are refused as invalid input
naming the file and what is wrong, never a traceback.
"""

from __future__ import annotations

import codecs
import re

from govbridge.core.errors import FieldProblem, InvalidInput

FIELD = "bpmn"
# Marks and first bytes of XML 1.0 Appendix F, longest first.
_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED: tuple[tuple[bytes, str], ...] = (
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED = re.compile(rb"""\A\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
_DECLARATION = re.compile(r"""\A(\s*<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")
# Characters XML 1.0 never allows, which only binary data contains.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _refused(name: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput(FieldProblem(FIELD, f"{name} {reason}", None, code))


def encoding_of(data: bytes) -> tuple[str, int]:
    """The encoding a document's first bytes mark or declare, and the length of its mark."""
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            return encoding, len(mark)
    for start, encoding in _UNMARKED:
        if data.startswith(start):
            return encoding, 0
    declared = _DECLARED.match(data[:512])
    if declared is None:
        return "utf-8", 0
    name = declared.group(1).decode("ascii")
    try:
        wide = codecs.lookup(name).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return name, 0
    # Read as ASCII, the declaration cannot be in a two- or four-byte encoding: the file
    # was saved in UTF-8 under a declaration copied from elsewhere.
    return ("utf-8" if wide else name), 0


def document_text(data: bytes, name: str | None = None) -> str:
    """The text of a BPMN file (see the module docstring); InvalidInput when it is not text."""
    shown = repr(name[:200]) if name else "the document"
    if not data.strip():
        raise _refused(shown, "is empty: a BPMN 2.0 XML document is expected", "empty")
    encoding, skip = encoding_of(data)
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise _refused(shown, f"declares the encoding {encoding!r}, which is not known; "
                       "save it as UTF-8", "encoding") from None
    try:
        text = codec.decode(data[skip:])[0]
    except UnicodeDecodeError as exc:
        if b"\x00" in data[: 1 << 12] and skip == 0 and "16" not in codec.name:
            raise _refused(shown, "is binary data, not a BPMN 2.0 XML text document",
                           "binary") from None
        byte = data[skip + exc.start: skip + exc.start + 1].hex()
        line = data[: skip + exc.start].count(b"\n") + 1
        raise _refused(shown, f"is not valid {_label(codec.name)} text: byte 0x{byte} on "
                       f"line {line} ({exc.reason}); save it as UTF-8 or declare its "
                       "encoding in <?xml ... encoding=\"...\"?>", "encoding") from None
    bad = _NOT_XML.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise _refused(shown, f"is binary data, not a BPMN 2.0 XML text document (character "
                       f"U+{ord(bad.group()):04X} on line {line})", "binary")
    text = text.removeprefix("\ufeff")
    return _DECLARATION.sub(r"\1\2UTF-8\2", text, count=1)


def _label(codec_name: str) -> str:
    return {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
            "gb18030": "GB18030"}.get(codec_name, codec_name)

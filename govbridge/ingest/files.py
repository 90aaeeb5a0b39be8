"""Ingest way 1: uploaded files (CSV in UTF-8 or GB18030, Excel .xlsx, JSON Lines).

A file is read twice: once to hash and size it (the hash makes re-sending the same
file idempotent, the size refuses an oversized file before any row is parsed), then
row by row into the pipeline, so memory does not grow with the file. Problems with
the file as a whole (unknown format, wrong encoding, a header naming no field)
refuse the whole file; problems with one row (a ragged CSV line, a broken JSON line)
reject that row only. Rows are numbered as a spreadsheet numbers them: the header
is row 1, so the first data row is row 2; JSON Lines count lines from 1.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, BinaryIO

from govbridge.catalog.usecases import published_fields
from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.identity.actor import Actor
from govbridge.ingest.pipeline import (
    VERSION_FIELD,
    NumberedRow,
    ReadProblem,
    ingest_numbered,
    ingestible,
)
from govbridge.ingest.schemas import BatchReport
from govbridge.runtime import Ctx

FORMATS = ("csv", "xlsx", "jsonl")
ENCODINGS = ("utf-8", "gb18030")
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "jsonl"}
SNIFF_BYTES = 1 << 16
MAX_LINE_SHOWN = 200


def _file_error(reason: str, value: object = None, code: str = "file") -> InvalidInput:
    return InvalidInput.one("file", reason, value, code)


def format_of(filename: str, fmt: str | None) -> str:
    if fmt:
        if fmt.lower() not in FORMATS:
            raise InvalidInput.one("format", f"one of {', '.join(FORMATS)}", fmt, "enum")
        return fmt.lower()
    lower = filename.lower()
    for suffix, kind in SUFFIXES.items():
        if lower.endswith(suffix):
            return kind
    raise _file_error(f"cannot tell the format of {filename!r}: name it .csv, .xlsx or "
                      ".jsonl, or give the format", filename, "format")


def hash_and_size(stream: BinaryIO, limit: int) -> tuple[str, int]:
    """SHA-256 and size of the whole stream; refuses one larger than `limit` bytes."""
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    while block := stream.read(1 << 20):
        size += len(block)
        if size > limit:
            raise InvalidInput.one("file", f"larger than the limit of {limit} bytes", None,
                                   "too_large")
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest(), size


def detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes so, else GB18030."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def check_header(header: Sequence[str], fields: Sequence[Mapping[str, Any]]) -> list[str]:
    """Column names, stripped; refuses unknown, duplicate or missing required columns."""
    names = [h.strip() for h in header]
    known = {f["name"] for f in fields} | {VERSION_FIELD}
    problems: list[FieldProblem] = []
    for i, name in enumerate(names, start=1):
        if name not in known:
            problems.append(FieldProblem(f"header[{i}]", "not a field of this dataset (fields: "
                                         + ", ".join(f["name"] for f in fields) + ")",
                                         name, "unknown_field", 1))
        elif names.index(name) != i - 1:
            problems.append(FieldProblem(f"header[{i}]", "column given twice", name,
                                         "duplicate_column", 1))
    for f in fields:
        if f.get("required") and f["name"] not in names:
            problems.append(FieldProblem("header", "required column is missing", f["name"],
                                         "missing_column", 1))
    if problems:
        raise InvalidInput(problems)
    return names


READ_BYTES = 1 << 16
_LINES = re.compile(r".*?(?:\r\n|\r|\n)|.+", re.S)


def _line_break_end(data: bytes) -> int:
    """Where the last complete line of `data` ends (0: none yet). A CR at the very end may
    be the first half of a CRLF, so it waits for the next block."""
    end = max(data.rfind(b"\n"), data.rfind(b"\r"))
    if end == len(data) - 1 and data[end] == 0x0D:
        end = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))
    return end + 1


def _text_lines(stream: BinaryIO, encoding: str) -> Iterator[str]:
    """The stream's lines (line ends kept), decoded block by block but never ahead of a
    line: an undecodable byte raises UnicodeDecodeError only after every line before its
    own has been handed on, so the CSV reader has counted exactly the rows before it.

    (A TextIOWrapper decodes 8 KB ahead of the reader, so its error named a row up to a
    few dozen rows early.) CR and LF never occur inside a UTF-8 or GB18030 character,
    so cutting blocks at line ends never splits one.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    rest = b""
    while True:
        block = stream.read(READ_BYTES)
        data = rest + block
        if block:
            cut = _line_break_end(data)
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
        try:
            text = decoder.decode(data, final=not block)
        except UnicodeDecodeError as exc:
            start = _line_break_end(data[:exc.start])
            yield from _LINES.findall(codecs.decode(data[:start], encoding))
            raise UnicodeDecodeError(exc.encoding, data[start:], exc.start - start,
                                     exc.end - start, exc.reason) from None
        yield from _LINES.findall(text)
        if not block:
            return


def _csv_rows(stream: BinaryIO, encoding: str, fields: Sequence[Mapping[str, Any]]
              ) -> Iterator[NumberedRow]:
    reader = csv.reader(_text_lines(stream, encoding))
    row = 1
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise _file_error("the file is empty: the first row must name the columns",
                              None, "empty")
        names = check_header(header, fields)
        for cells in reader:
            row += 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(names):
                raw = dict(zip(names, cells, strict=False))
                raw["_cells"] = cells
                yield row, ReadProblem(FieldProblem(
                    "row", f"has {len(cells)} cells, the header has {len(names)}",
                    None, "ragged", row), raw)
                continue
            yield row, dict(zip(names, cells, strict=True))
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1].hex()
        raise _file_error(f"not valid {encoding} text in row {row + 1}: byte 0x{byte} at byte "
                          f"{exc.start + 1} of its line ({exc.reason}); save the file as UTF-8 "
                          "or GB18030", encoding, "encoding") from None
    except csv.Error as exc:
        raise _file_error(f"not a readable CSV file at row {row + 1}: {exc}", None,
                          "csv") from None


def _xlsx_rows(stream: BinaryIO, fields: Sequence[Mapping[str, Any]]) -> Iterator[NumberedRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(f"not an Excel .xlsx workbook ({type(exc).__name__})", None,
                          "xlsx") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(h is not None for h in header):
            raise _file_error("the first sheet is empty: its first row must name the columns",
                              None, "empty")
        names = check_header(["" if h is None else str(h) for h in header], fields)
        for n, cells in enumerate(rows, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            extra = [c for c in cells[len(names):] if c is not None]
            raw = {name: cells[i] for i, name in enumerate(names)
                   if i < len(cells) and cells[i] is not None}
            if extra:
                yield n, ReadProblem(FieldProblem(
                    "row", f"has values beyond the {len(names)} named columns", None,
                    "ragged", n), raw)
                continue
            yield n, raw
    finally:
        book.close()


def _jsonl_rows(stream: BinaryIO) -> Iterator[NumberedRow]:
    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8-sig" if n == 1 else "utf-8")
            value = json.loads(text)
        except UnicodeDecodeError:
            yield n, ReadProblem(FieldProblem("line", "not UTF-8 text", None, "encoding", n), {})
            continue
        except json.JSONDecodeError as exc:
            shown = text.strip()[:MAX_LINE_SHOWN]
            yield n, ReadProblem(FieldProblem(
                "line", f"not JSON: {exc.msg} at column {exc.colno}", shown, "json", n),
                {"line": shown})
            continue
        if not isinstance(value, dict):
            yield n, ReadProblem(FieldProblem(
                "line", f"a JSON object is expected, not {type(value).__name__}",
                text.strip()[:MAX_LINE_SHOWN], "json", n), {"line": text.strip()[:MAX_LINE_SHOWN]})
            continue
        yield n, value


def read_rows(stream: BinaryIO, fmt: str, fields: Sequence[Mapping[str, Any]],
              encoding: str | None = None) -> Iterator[NumberedRow]:
    """Numbered rows of a file in `fmt`; file-level problems raise InvalidInput."""
    if fmt == "csv":
        if encoding is not None and encoding.lower() not in ENCODINGS:
            raise InvalidInput.one("encoding", f"one of {', '.join(ENCODINGS)}", encoding, "enum")
        return _csv_rows(stream, (encoding or detect_encoding(stream)).lower(), fields)
    if fmt == "xlsx":
        return _xlsx_rows(stream, fields)
    return _jsonl_rows(stream)


def ingest_file(
    ctx: Ctx,
    actor: Actor,
    resource_code: str,
    stream: BinaryIO,
    filename: str,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    source: str = "upload",
) -> BatchReport:
    """Ingest one uploaded file into a published dataset as one batch.

    Its chunks commit one by one (pipeline: `commit_chunks`), so `ctx` must hold nothing
    else; sending the same file again after a crash resumes the batch.
    """
    ds = ingestible(ctx, actor, resource_code)
    kind = format_of(filename, fmt)
    sha, _size = hash_and_size(stream, ctx.settings.max_upload_bytes)
    rows = read_rows(stream, kind, published_fields(ds), encoding)
    return ingest_numbered(ctx, actor, ds.resource_code, rows, source=source,
                           content_sha256=sha, filename=filename[-255:],
                           commit_chunks=True)

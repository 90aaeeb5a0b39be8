"""What a request body may hold before any route sees it, and the shared bounds of inputs.

JSON allows neither `NaN`/`Infinity` nor numbers Python turns into infinity (`1e400`), and
a lone UTF-16 surrogate (`"\\ud800"`) is not text: Python's parser accepts all three, and
they then break storage or the answer. `checked_json` (an app-wide dependency) refuses
them with 422 naming the field, before validation, so no route and no error page ever
holds one. The scan runs only when the raw body could hold one (a regex over the bytes),
so ordinary bodies pay nothing.

Uploaded JSON documents (the public certificate check) are bounded in nesting depth by
`too_deep`; path and query integers by `Id`, `Index` and the `limit`/`offset` helpers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError

MAX_INT = 2**63 - 1  # the largest id a BIGINT column holds
MAX_DEPTH = 64  # nesting of an uploaded JSON document (a sealed certificate needs ~6)

Id = Annotated[int, Path(ge=1, le=MAX_INT, description="A numeric id (1 … 2^63-1)")]
Index = Annotated[int, Path(ge=0, le=MAX_INT, description="A position from 0 (… 2^63-1)")]

# A body needs the slow look only if it names a non-finite constant, has an exponent of
# three or more digits, or escapes a UTF-16 surrogate.
_SUSPECT = re.compile(rb"NaN|Infinity|[0-9][eE][+-]?[0-9]{3}|\\u[dD][89abcdefABCDEF]")
_JSON_TYPES = ("application/json",)


def limit(default: int, maximum: int) -> Any:
    """A `limit` query parameter: 1 … maximum (a bad value is a 422 naming it)."""
    return Query(default, ge=1, le=maximum, description=f"At most {maximum}.")


def offset(maximum: int = 1_000_000) -> Any:
    return Query(0, ge=0, le=maximum, description=f"0 … {maximum}.")


def query_int(minimum: int = 0, description: str | None = None) -> Any:
    return Query(None, ge=minimum, le=MAX_INT, description=description)


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                yield where, "not a finite number (JSON has no NaN or Infinity)"
        elif isinstance(item, str):
            if not _is_text(item):
                yield where, "not valid Unicode text (a lone surrogate)"
        elif isinstance(item, dict):
            for key, sub in item.items():
                if not _is_text(key):
                    yield where, "a key is not valid Unicode text (a lone surrogate)"
                    continue
                stack.append((sub, (*where, key)))
        elif isinstance(item, list):
            stack.extend((sub, (*where, i)) for i, sub in enumerate(item))


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def body_problems(raw: bytes) -> list[dict[str, Any]]:
    """Validation errors (FastAPI's shape) for what JSON or text cannot hold; [] if none."""
    if not _SUSPECT.search(raw):
        return []
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return []  # FastAPI's own parse reports malformed JSON as 400
    return [{"type": "invalid_json_value", "loc": ("body", *where), "msg": reason}
            for where, reason in _walk(parsed, ())]


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media in _JSON_TYPES or media.endswith("+json")


async def checked_json(request: Request) -> None:
    """App-wide dependency: a JSON body holds only finite numbers and valid text.

    FastAPI has parsed (and cached) the body when dependencies run; a problem found here
    is a RequestValidationError, so the caller hears 401 first if it is not authenticated.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") or not _is_json(request):
        return
    errors = body_problems(await request.body())
    if errors:
        raise RequestValidationError(errors)


def too_deep(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """True if `data` looks like JSON nested deeper than `limit` (checked before parsing,
    so a hostile upload cannot exhaust the parser's or the checker's recursion)."""
    start = data.lstrip()[:1]
    if start not in (b"{", b"["):
        return False
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x7D, 0x5D):
            depth -= 1
    return False


async def upload_or_body(request: Request, file: UploadFile | None) -> bytes:
    """The uploaded file's bytes, or the raw body when the request is not a form.

    A form (multipart or urlencoded) without the file field gives b"": its stream was
    consumed by the form parser, so the raw body is not there to read.
    """
    if file is not None:
        return await file.read()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media.startswith("multipart/") or media == "application/x-www-form-urlencoded":
        return b""
    return await request.body()

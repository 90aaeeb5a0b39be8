"""Canonical JSON for signing: RFC 8785 (JSON Canonicalization Scheme, JCS).

Pure; no I/O. `canonical(value)` gives the exact bytes a seal signs:

- objects: members sorted by their names compared as UTF-16 code units (RFC 8785 §3.2.3),
  no whitespace; names must be strings;
- strings: UTF-8, escaping only what ECMAScript's JSON.stringify escapes (`"`, `\\`, and
  U+0000..U+001F, with the short forms \\b \\t \\n \\f \\r); a lone surrogate is rejected;
- numbers, decided for our payloads (strings, ints, bools, null, lists, dicts):
  * integers must lie in the I-JSON safe range ±(2**53 − 1); a larger one would not survive
    an ECMAScript or I-JSON parser on the other side, so it is rejected (send it as a string);
  * finite floats are accepted and written as ECMAScript's Number.prototype.toString does
    (RFC 8785 §3.2.2.3): 1.0 → "1", 1e21 → "1e+21", -0.0 → "0". Python's repr already yields
    the shortest round-tripping digits, the same ones ECMAScript picks;
  * NaN and ±Infinity are rejected (JSON has no such values);
- bool subclasses of int are written as true/false; tuples are arrays.

`parse(data)` is the strict reader used by verifiers: UTF-8 only, no duplicate member names,
no NaN/Infinity literals.
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


class CanonicalizationError(ValueError):
    """The value has no canonical JSON form under our rules; says where and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of `value`."""
    parts: list[str] = []
    _write(value, parts, "$")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # pragma: no cover - _string catches surrogates first
        raise CanonicalizationError("$", "not encodable as UTF-8") from exc


def canonical_str(value: Any) -> str:
    return canonical(value).decode("utf-8")


def _write(value: Any, out: list[str], path: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalizationError(
                path, "integer outside ±(2**53 − 1) (I-JSON); send it as a string"
            )
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(number(value, path))
    elif isinstance(value, str):
        out.append(_string(value, path))
    elif isinstance(value, Mapping):
        items = []
        for key in value:
            if not isinstance(key, str):
                raise CanonicalizationError(path, f"object member name {key!r} is not a string")
            items.append(key)
        items.sort(key=_utf16_key)
        out.append("{")
        for i, key in enumerate(items):
            if i:
                out.append(",")
            out.append(_string(key, path))
            out.append(":")
            _write(value[key], out, f"{path}.{key}")
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise CanonicalizationError(path, f"{type(value).__name__} has no JSON form")


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequence of UTF-16 code units does.
    return name.encode("utf-16-be", "surrogatepass")


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The C encoder behind json.dumps(ensure_ascii=False) escapes exactly what ECMAScript's
# JSON.stringify does for a well-formed string: `"`, `\\`, the short forms \b \t \n \f \r
# and every other U+0000..U+001F as \u00xx (lowercase hex); nothing else.
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _string(s: str, path: str) -> str:
    if _SURROGATE.search(s) is None:
        return _encode_string(s)  # type: ignore[no-any-return]
    return _string_slow(s, path)


def _string_slow(s: str, path: str) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            raise CanonicalizationError(path, f"lone surrogate U+{code:04X} in a string")
        esc = _SHORT_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def number(x: float, path: str = "$") -> str:
    """ECMAScript Number.prototype.toString of a finite double (RFC 8785 §3.2.2.3)."""
    if math.isnan(x) or math.isinf(x):
        raise CanonicalizationError(path, "NaN and Infinity have no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    tup = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, tup.digits)).rstrip("0") or "0"
    exp = tup.exponent
    assert isinstance(exp, int)
    # value = s × 10^(n−k) with s the k significant digits (ECMAScript's notation)
    n = len(tup.digits) + exp
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mant = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in pairs:
        if key in out:
            raise ValueError(f"duplicate member name {key!r}")
        out[key] = val
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _int_or_double(text: str) -> int | float:
    # As an ECMAScript reader would: an integer beyond ±(2**53 − 1) is only a double.
    value = int(text) if len(text) < 20 else MAX_SAFE_INTEGER + 1
    return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(text)


def parse(data: bytes | str) -> Any:
    """Strict JSON reader: UTF-8, no duplicate names, no NaN/Infinity. Raises ValueError.

    Integers beyond ±(2**53 − 1) come back as floats, so canonical(parse(canonical(x)))
    == canonical(x) holds for every x that has a canonical form.
    """
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    return json.loads(
        text,
        object_pairs_hook=_no_duplicates,
        parse_constant=_no_constant,
        parse_int=_int_or_double,
    )

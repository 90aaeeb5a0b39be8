"""Certificate identifiers (证照标识) in the pattern of GB/T 36901. Pure.

An identifier is 35 characters from 0-9 and A-Z, with no separators (so it is safe in a URL
and in a QR code's alphanumeric mode):

| part | length | what |
| --- | --- | --- |
| type code (证照类型代码) | 6 | the certificate type: given, or derived from the type name |
| issuer code (颁发机构代码) | 18 | the issuing organization's unified social credit code |
| year (年度) | 4 | the year of issuance |
| sequence (顺序号) | 6 | per issuer and year, from 000001 |
| check character (校验位) | 1 | ISO/IEC 7064 MOD 37,36 over the 34 characters before it |

ISO/IEC 7064 MOD 37,36 (the hybrid system with M = 36 over the alphabet 0-9A-Z) detects
every single-character substitution (tested exhaustively by property) and most, not all,
adjacent transpositions. For each character
value v (0-9 → 0-9, A-Z → 10-35): s = (p + v) mod 36, with 0 taken as 36; p = 2s mod 37;
starting from p = 36. The check value c makes (p + c) mod 36 = 1.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36
LENGTH = 35
TYPE_CODE = re.compile(r"^[0-9A-Z]{6}$")
_PATTERN = re.compile(r"^[0-9A-Z]{6}[0-9A-Z]{18}[0-9]{4}[0-9]{6}[0-9A-Z]$")


def check_char(body: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of `body` (0-9A-Z)."""
    p = _M
    for ch in body:
        value = ALPHABET.index(ch)
        s = (p + value) % _M or _M
        p = (s * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - p) % _M]


def type_code_for(type_name: str) -> str:
    """A stable 6-character type code derived from a type name (when none is given)."""
    n = int.from_bytes(hashlib.sha256(type_name.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(6):
        n, r = divmod(n, _M)
        chars.append(ALPHABET[r])
    return "".join(chars)


def make_identifier(type_code: str, issuer_code: str, year: int, sequence: int) -> str:
    if not TYPE_CODE.match(type_code):
        raise ValueError("type code: 6 characters from 0-9 and A-Z")
    if len(issuer_code) != 18 or any(c not in ALPHABET for c in issuer_code):
        raise ValueError("issuer code: an 18-character credit code")
    if not 1000 <= year <= 9999 or not 1 <= sequence <= 999_999:
        raise ValueError("year or sequence out of range")
    body = f"{type_code}{issuer_code}{year:04d}{sequence:06d}"
    return body + check_char(body)


@dataclass(frozen=True)
class ParsedIdentifier:
    type_code: str
    issuer_code: str
    year: int
    sequence: int


def parse_identifier(value: str) -> ParsedIdentifier:
    """The parts of a well-formed identifier; ValueError names what is wrong."""
    if not isinstance(value, str) or not _PATTERN.match(value):
        raise ValueError("not a certificate identifier (35 characters, 0-9 and A-Z)")
    if check_char(value[:-1]) != value[-1]:
        raise ValueError("wrong check character")
    return ParsedIdentifier(value[:6], value[6:24], int(value[24:28]), int(value[28:34]))


def is_identifier(value: str) -> bool:
    try:
        parse_identifier(value)
    except ValueError:
        return False
    return True

"""Masking of one field's value, and which mask applies to a field. Pure: no I/O.

A rule, not a part of the exchange: agreements check grants with it, quality masks
listings, certificates mask holders, the web shows masked values, and the exchange
applies it to rows. Here, among the pure rules, each of them imports it without
importing the gateway.

Operators (the text form is what data elements store in `default_mask` and what an
agreement stores per field in its grants, see `govbridge.standards.spec.MASK`):

- `redact`: `"***"` (hides the length too).
- `keep:F:L`: the first F and last L characters kept, every other one becomes `*`;
  a value of F+L characters or fewer becomes all `*`.
- `surname`: the surname (compound ones such as 欧阳, 司马 count as one), then one `*`
  per other character.
- `year`: `"YYYY"` of an ISO date or datetime (`YYYY-MM-DD…` or `YYYYMMDD`); anything
  else is redacted.
- `district`: the address up to its district (区/县/旗, or a county-level 市) after the
  city; else up to the city; else redacted.
- `hash`: `"h:"` + lowercase base32 of HMAC-SHA256(key, value) cut to 16 bytes: a stable
  pseudonym per key that links records without showing the value.
- `null`: `None`.

An answer is more than its fields one by one: a citizen ID kept `6:4` beside a birth
date in clear is the whole ID again, so the gateway sends such an ID as a `hash`
pseudonym (`beside_birth_dates`).

`None` stays `None` under every operator. Integers are masked as their decimal text;
`date`/`datetime` values as their ISO text. No operator ever returns the full value
unchanged (a district-level address falls back to its city, a city alone is redacted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from govbridge.core.errors import InvalidInput
from govbridge.core.grading import is_grade

STAR = "*"
REDACTED = "***"
HASH_PREFIX = "h:"
HASH_BYTES = 16
RAW = "raw"
OPERATOR_NAMES: tuple[str, ...] = (
    "redact",
    "keep:<first>:<last>",
    "surname",
    "year",
    "district",
    "hash",
    "null",
)

# Two-character (复姓) surnames common enough to matter; anything else keeps one character.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "皇甫", "东方", "司徒", "司空", "夏侯", "尉迟",
        "公孙", "慕容", "长孙", "宇文", "令狐", "端木", "南宫", "西门", "独孤", "轩辕",
        "呼延", "百里", "东郭", "万俟", "澹台", "公冶", "太史", "申屠", "钟离", "闻人",
    }
)  # fmt: skip

Value = str | int | date | datetime | None
Masked = str | None


@dataclass(frozen=True)
class Redact:
    def __str__(self) -> str:
        return "redact"


@dataclass(frozen=True)
class Keep:
    first: int
    last: int

    def __str__(self) -> str:
        return f"keep:{self.first}:{self.last}"


@dataclass(frozen=True)
class Surname:
    def __str__(self) -> str:
        return "surname"


@dataclass(frozen=True)
class Year:
    def __str__(self) -> str:
        return "year"


@dataclass(frozen=True)
class District:
    def __str__(self) -> str:
        return "district"


@dataclass(frozen=True)
class Hash:
    def __str__(self) -> str:
        return "hash"


@dataclass(frozen=True)
class Null:
    def __str__(self) -> str:
        return "null"


Operator = Redact | Keep | Surname | Year | District | Hash | Null

_SIMPLE: dict[str, Operator] = {
    "redact": Redact(),
    "surname": Surname(),
    "year": Year(),
    "district": District(),
    "hash": Hash(),
    "null": Null(),
}
_KEEP = re.compile(r"^keep:(\d{1,2}):(\d{1,2})$")


def parse_operator(text: str, *, field: str = "mask") -> Operator:
    """The operator a text names; `InvalidInput` naming `field` for anything else.

    `str(op)` gives the canonical text back, so `parse_operator(str(op)) == op`.
    """
    cleaned = text.strip().lower() if isinstance(text, str) else ""
    if cleaned in _SIMPLE:
        return _SIMPLE[cleaned]
    m = _KEEP.match(cleaned)
    if m:
        return Keep(int(m.group(1)), int(m.group(2)))
    raise InvalidInput.one(
        field,
        "unknown masking operator; use one of " + ", ".join(OPERATOR_NAMES),
        text,
        "unknown_mask",
    )


def is_operator(text: str) -> bool:
    try:
        parse_operator(text)
    except InvalidInput:
        return False
    return True


def _text(value: str | int | date | datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def mask(op: Operator, value: Value, *, hmac_key: bytes) -> Masked:
    """`value` as `op` lets it be seen. Deterministic: same op, value and key, same output."""
    if value is None or isinstance(op, Null):
        return None
    text = _text(value)
    match op:
        case Redact():
            return REDACTED
        case Keep(first=first, last=last):
            return keep(text, first, last)
        case Surname():
            return surname(text)
        case Year():
            return year(text)
        case District():
            return district(text)
        case Hash():
            return keyed_hash(text, hmac_key)
    raise TypeError(f"not a masking operator: {op!r}")  # pragma: no cover


def keep(text: str, first: int, last: int) -> str:
    n = len(text)
    if n <= first + last:
        return STAR * n
    return text[:first] + STAR * (n - first - last) + text[n - last :]


def surname_of(name: str) -> str:
    stripped = name.strip()
    if stripped[:2] in COMPOUND_SURNAMES and len(stripped) > 2:
        return stripped[:2]
    return stripped[:1]


def surname(name: str) -> str:
    """The surname, then one `*` per remaining character (`张三` → `张*`)."""
    stripped = name.strip()
    if len(stripped) <= 1:
        return STAR * len(stripped)
    kept = surname_of(stripped)
    return kept + STAR * (len(stripped) - len(kept))


_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?|(\d{2})(\d{2}))(?:$|[T ]|\s*$)")


def year(text: str) -> str:
    m = _ISO_DATE.match(text)
    if not m:
        return REDACTED
    month = m.group(2) or m.group(4)
    if not 1 <= int(month) <= 12:
        return REDACTED
    return m.group(1)


# Where the city ends: a prefecture-level unit (province part, if any, comes before it).
_CITY = re.compile(r"^.{0,16}?(?:市|自治州|地区|盟)")
# A district-level unit right after the city: at most 8 characters ending in one of these.
_DISTRICT = re.compile(r"^.{1,8}?(?:市辖区|区|县|旗|市)")


def district(address: str) -> str:
    """The address cut after its district (or county, county-level city); else after the city.

    `江苏省苏州市姑苏区观前街1号` → `江苏省苏州市姑苏区`; `北京市海淀区` (already district
    level) → `北京市`; an address without a recognisable city → `***`. Never returns the
    whole value.
    """
    text = address.strip()
    city = _CITY.match(text)
    if city is None:
        return REDACTED
    city_end = city.end()
    rest = text[city_end:]
    dist = _DISTRICT.match(rest)
    if dist is not None and city_end + dist.end() < len(text):
        return text[: city_end + dist.end()]
    if city_end < len(text):
        return text[:city_end]
    return REDACTED


def keyed_hash(text: str, key: bytes) -> str:
    """`h:` + base32 of HMAC-SHA256(key, text)[:16]: links equal values, reveals none."""
    if not key:
        raise ValueError("a keyed hash needs a non-empty key")
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()[:HASH_BYTES]
    return HASH_PREFIX + base64.b32encode(digest).decode("ascii").rstrip("=").lower()


# ---- which operator applies to a field --------------------------------------------------


def field_mask(
    grade: str, element_default: str | None, agreement_grant: str | None
) -> Operator | None:
    """The operator the exchange applies to one granted field; `None` means the raw value.

    `agreement_grant` is what the agreement says for the field: `"raw"`, an operator
    text, or `None` when the field is granted without an explicit choice.

    The rule:
    1. a `"core"` field is never returned raw: an explicit operator applies, otherwise
       (raw or no choice) its element default, or `redact` when the element has none;
    2. a field granted with an operator gets that operator, whatever its grade;
    3. a field granted `"raw"` is returned raw (the provider chose so explicitly);
    4. an `"important"` field granted without an explicit choice gets its element
       default, or `redact` when the element has none;
    5. any other (general) field granted without an explicit choice is returned raw.

    Fields the agreement does not grant at all never reach this function: the field scope
    is the agreement policy's concern.
    """
    if not is_grade(grade):
        raise InvalidInput.one("grade", "unknown grade", grade, "unknown_grade")
    default = parse_operator(element_default, field="default_mask") if element_default else None
    explicit = None
    if agreement_grant is not None and agreement_grant.strip().lower() != RAW:
        explicit = parse_operator(agreement_grant, field="grant")
    if explicit is not None:
        return explicit
    if grade == "core":
        return default or Redact()
    if agreement_grant is not None:  # explicitly raw
        return None
    if grade == "important":
        return default or Redact()
    return None


def beside_birth_dates(ops: Mapping[str, Operator | None], id_fields: Collection[str],
                       birth_fields: Collection[str]) -> dict[str, Operator | None]:
    """The operators of one answer, where citizen IDs partly kept would be whole again.

    `keep:6:4` hides exactly an 18-digit ID's birth date (positions 7-14); returned beside a
    birth date in clear, the two give the whole ID back (the check character is computed).
    So when any birth date goes out raw, an ID field masked by `keep` goes out as a
    pseudonym (`hash`) instead, which still links a person's rows. Other operators stay.
    """
    if not any(name in ops and ops[name] is None for name in birth_fields):
        return dict(ops)
    return {name: Hash() if name in id_fields and isinstance(op, Keep) else op
            for name, op in ops.items()}


def grant_text(op: Operator | None) -> str:
    """How a grant is stored: `"raw"` or the operator's canonical text."""
    return RAW if op is None else str(op)


def resolve_grant(grade: str, element_default: str | None, explicit: str | None) -> str:
    """The grant to store for a field: `field_mask` made concrete as text."""
    return grant_text(field_mask(grade, element_default, explicit))

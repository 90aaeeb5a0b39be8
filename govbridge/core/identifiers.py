"""Chinese identifiers: citizen ID, credit code, mobile number and GB/T 2260 division codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from stdnum import numdb
from stdnum.cn import ric, uscc

from govbridge.core.errors import InvalidInput

# --- the GB/T 2260 division table (as shipped in python-stdnum) -------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """One name a division code carried, with its first and last valid year (None: open)."""

    name: str
    start: int | None
    end: int | None

    def covers(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


_SPAN_RE = re.compile(r"\[(\d*)-(\d*)\](.*)")
# Names GB/T 2260 uses for grouping rows that are not places of their own.
_PLACEHOLDERS = frozenset({"市辖区", "县"})


def _is_placeholder(name: str) -> bool:
    return name in _PLACEHOLDERS or "直辖" in name


def _parse_spans(text: str) -> tuple[_Span, ...]:
    spans: list[_Span] = []
    for part in text.split(","):
        match = _SPAN_RE.fullmatch(part)
        if match is None:
            spans.append(_Span(part, None, None))
        else:
            start, end, name = match.groups()
            spans.append(_Span(name, int(start) if start else None, int(end) if end else None))
    return tuple(spans)


@cache
def _table() -> dict[str, tuple[_Span, ...]]:
    """Every six-digit code in stdnum's `cn/loc` table with its names over time."""
    table: dict[str, tuple[_Span, ...]] = {}
    for _, low, high, props, children in numdb.get("cn/loc").prefixes:
        for province in _expand(low, high):
            for _, c_low, c_high, c_props, _ in children:
                for rest in _expand(c_low, c_high):
                    table[province + rest] = _parse_spans(c_props.get("county", ""))
            code = province + "0000"
            if code not in table and "province" in props:
                table[code] = (_Span(props["province"], None, None),)
    return table


def _expand(low: str, high: str) -> list[str]:
    if low == high:
        return [low]
    return [str(n).zfill(len(low)) for n in range(int(low), int(high) + 1)]


def _current_name(spans: tuple[_Span, ...], year: int | None = None) -> str:
    """The name valid in `year` (default: now), else the most recent one."""
    for span in reversed(spans):
        if (span.end is None) if year is None else span.covers(year):
            return span.name
    return max(spans, key=lambda s: s.end if s.end is not None else 10_000).name


def _describe_spans(spans: tuple[_Span, ...]) -> str:
    return ", ".join(f"{s.name} {s.start or ''}-{s.end or ''}" for s in spans)


@cache
def _current_counties(prefix: str) -> tuple[str, ...]:
    return tuple(
        sorted(
            code
            for code, spans in _table().items()
            if code.startswith(prefix)
            and code[4:] != "00"
            and any(s.end is None and not _is_placeholder(s.name) for s in spans)
        )
    )


# --- division codes ------------------------------------------------------------------------------


def validate_division_code(
    value: str, field: str = "division_code", *, at_year: int | None = None
) -> str:
    """Check a six-digit GB/T 2260 code exists (and, given `at_year`, was valid that year).

    Codes: `format` (not six digits), `unknown` (not in the table, or not valid in `at_year`).
    Returns the code without surrounding whitespace.
    """
    code = "".join(value.split()) if isinstance(value, str) else ""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise InvalidInput.one(field, "must be 6 digits (GB/T 2260)", value, "format")
    spans = _table().get(code)
    if spans is None:
        raise InvalidInput.one(
            field, f"unknown administrative division code '{code}'", value, "unknown"
        )
    if at_year is not None and not any(s.covers(at_year) for s in spans):
        raise InvalidInput.one(
            field,
            f"administrative division code '{code}' was not valid in {at_year} "
            f"(valid: {_describe_spans(spans)})",
            value,
            "unknown",
        )
    return code


def division_name(code: str, *, at_year: int | None = None) -> str:
    """Full name, e.g. '江苏省苏州市姑苏区' for 320508; grouping rows like 市辖区 are skipped.

    Uses the current name (or the one valid in `at_year`); for an abolished code its last name.
    Raises `InvalidInput` (field "division_code") for an unknown code.
    """
    code = validate_division_code(code, at_year=at_year)
    table = _table()
    levels = [code[:2] + "0000", code[:4] + "00", code]
    parts: list[str] = []
    for i, level in enumerate(dict.fromkeys(levels)):
        spans = table.get(level)
        if spans is None:
            continue
        name = _current_name(spans, at_year)
        if i > 0 and level != code and _is_placeholder(name):
            continue
        parts.append(name)
    return "".join(parts)


def current_counties(prefix: str) -> list[str]:
    """Sorted county-level codes under a 2- or 4-digit prefix ("" for all) valid today.

    County level means the last two digits are not 00; grouping rows (市辖区, 县,
    省直辖县级行政单位) are left out because no one lives in them.
    """
    if len(prefix) not in (0, 2, 4) or any(c not in _DIGIT_SET for c in prefix):
        raise ValueError(f"prefix must be 2 or 4 digits, got {prefix!r}")
    return list(_current_counties(prefix))


# --- citizen ID (GB 11643) -----------------------------------------------------------------------

_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_FIRST_BIRTH = date(1900, 1, 1)


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError(f"need 17 digits, got {first17!r}")
    return ric.calc_check_digit(first17 + "0")


def validate_citizen_id(value: str, field: str = "id_number", *, today: date | None = None) -> str:
    """Check an 18-character resident ID and return it normalised (no spaces, upper-case X).

    Codes: `length`, `format`, `date` (not a real date, in the future, before 1900),
    `region` (unknown division code, or one abolished before the holder was born),
    `checksum`. The region code is where the ID was first issued, which may be
    years after birth, so a code created after the birth year is accepted.
    """
    number = "".join(value.split()).upper() if isinstance(value, str) else ""
    if len(number) != 18:
        raise InvalidInput.one(field, f"must be 18 characters, got {len(number)}", value, "length")
    if _ID_RE.fullmatch(number) is None:
        raise InvalidInput.one(
            field,
            "the first 17 characters must be digits and the last a digit or X",
            value,
            "format",
        )
    digits = number[6:14]
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput.one(
            field, f"birth date {digits} is not a real date", value, "date"
        ) from None
    today = today or date.today()
    if born > today:
        raise InvalidInput.one(
            field, f"birth date {digits} is in the future (today is {today:%Y%m%d})", value, "date"
        )
    if born < _FIRST_BIRTH:
        raise InvalidInput.one(field, f"birth date {digits} is before 1900", value, "date")
    region = number[:6]
    spans = _table().get(region)
    if spans is None:
        raise InvalidInput.one(
            field, f"unknown administrative division code '{region}'", value, "region"
        )
    if all(s.end is not None and s.end < born.year for s in spans):
        last = max(spans, key=lambda s: s.end or 0)
        raise InvalidInput.one(
            field,
            f"administrative division code '{region}' ({last.name}) was abolished after "
            f"{last.end}, before the birth year {born.year}",
            value,
            "region",
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidInput.one(
            field,
            f"check character is '{number[17]}' but should be '{expected}'",
            value,
            "checksum",
        )
    return number


def birth_date_of(id_number: str) -> date:
    """The birth date written in a (valid) citizen ID; raises `InvalidInput` otherwise."""
    number = validate_citizen_id(id_number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(id_number: str) -> str:
    """GB/T 2261.1 sex code of a (valid) citizen ID: "1" male (odd 17th digit), "2" female."""
    number = validate_citizen_id(id_number)
    return "1" if int(number[16]) % 2 else "2"


# --- unified social credit code (GB 32100) -------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ALPHABET_SET = frozenset(CREDIT_CODE_ALPHABET)
_DIGIT_SET = frozenset("0123456789")
# GB 32100: positions 1-2 (authority, entity type) and 9-18 (body, check) use the alphabet;
# positions 3-8 are the registering authority's division code, digits only.
_DIVISION_POSITIONS = range(2, 8)
# Registered by a central (national) authority: no GB/T 2260 row, but used by real codes.
_NATIONAL_DIVISION = "100000"


def _check_credit_chars(code: str) -> tuple[int, str, str] | None:
    """First (position, character, rule) breaking the per-position alphabet, or None."""
    for i, char in enumerate(code):
        if i in _DIVISION_POSITIONS:
            if char not in _DIGIT_SET:
                return i + 1, char, "must be a digit (positions 3-8 are the division code)"
        elif char not in _ALPHABET_SET:
            return i + 1, char, "is not allowed (use 0-9 and A-Y except I, O, S, V, Z)"
    return None


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 (MOD 31) check character for the first 17 characters."""
    if len(first17) != 17 or _check_credit_chars(first17) is not None:
        raise ValueError(f"need 17 valid credit-code characters, got {first17!r}")
    return uscc.calc_check_digit(first17)


# GB 11714 organisation code: character values 0-9 and A=10 … Z=35, these weights,
# check = 11 - (sum mod 11), written "X" for 10 and "0" for 11.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def organization_code(body: str) -> str:
    """The 9-character GB 11714 organisation code for an 8-character body."""
    if len(body) != 8 or any(c not in _ALPHABET_SET for c in body):
        raise ValueError(f"need 8 characters from the credit-code alphabet, got {body!r}")
    check = 11 - sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_credit_code(category: str, division: str, org_body: str) -> str:
    """A full 18-character credit code: category (2), division (6), organisation code (9),
    check character."""
    first17 = category + division + organization_code(org_body)
    return first17 + credit_code_check_char(first17)


def validate_credit_code(value: str, field: str = "code") -> str:
    """Check an 18-character unified social credit code; return it upper-case without spaces.

    Codes: `length`, `format` (names the character and its position), `region`
    (characters 3-8 not a GB/T 2260 code nor the national '100000'), `checksum`.
    """
    code = "".join(value.split()).upper() if isinstance(value, str) else ""
    if len(code) != 18:
        raise InvalidInput.one(field, f"must be 18 characters, got {len(code)}", value, "length")
    bad = _check_credit_chars(code)
    if bad is not None:
        position, char, rule = bad
        raise InvalidInput.one(
            field, f"character {char!r} at position {position} {rule}", value, "format"
        )
    region = code[2:8]
    if region != _NATIONAL_DIVISION and region not in _table():
        raise InvalidInput.one(
            field,
            f"characters 3-8 '{region}' are not a known administrative division code",
            value,
            "region",
        )
    expected = uscc.calc_check_digit(code)
    if code[17] != expected:
        raise InvalidInput.one(
            field,
            f"check character is '{code[17]}' but should be '{expected}'",
            value,
            "checksum",
        )
    return code


# --- mobile numbers ------------------------------------------------------------------------------


def _segments(*spans: tuple[int, int]) -> frozenset[str]:
    return frozenset(str(n) for low, high in spans for n in range(low, high + 1))


# Mainland mobile network segments allocated by MIIT (voice/SMS numbers, 11 digits).
MOBILE_SEGMENTS = _segments(
    (130, 139), (145, 149), (150, 153), (155, 159), (162, 162), (165, 167),
    (170, 178), (180, 189), (190, 193), (195, 199),
)  # fmt: skip
_MOBILE_JUNK = re.compile(r"[\s\-]")


def validate_mobile(value: str, field: str = "mobile") -> str:
    """Check a mainland China mobile number; return its 11 digits.

    Accepts a +86 / 0086 / 86 country prefix, spaces and hyphens. Codes: `format`
    (not digits, or not starting with 1), `length` (not 11 digits), `prefix`
    (network segment not allocated).
    """
    number = _MOBILE_JUNK.sub("", value) if isinstance(value, str) else ""
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not (number.isascii() and number.isdigit()):
        raise InvalidInput.one(
            field, "must contain only digits (with an optional +86 prefix)", value, "format"
        )
    if len(number) != 11:
        raise InvalidInput.one(field, f"must be 11 digits, got {len(number)}", value, "length")
    if number[0] != "1":
        raise InvalidInput.one(field, "a mobile number starts with 1", value, "format")
    if number[:3] not in MOBILE_SEGMENTS:
        raise InvalidInput.one(
            field, f"network segment {number[:3]} is not allocated to mobile", value, "prefix"
        )
    return number


# --- identifiers inside free text ----------------------------------------------------------------

_ID_RUN = re.compile(r"(?<![0-9])[0-9]{17}[0-9xX](?![0-9])")
_MOBILE_RUN = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")


def personal_identifier_in(text: str) -> str | None:
    """Which kind of personal identifier `text` holds — "citizen_id" (a valid 18-character
    resident ID) or "mobile" (an allocated mainland mobile number) — or None. For names
    that end up in audit trails and ledgers (account names), where such a number must not
    be written. The number itself is never returned."""
    for run in _ID_RUN.findall(text or ""):
        try:
            validate_citizen_id(run)
        except InvalidInput:
            continue
        return "citizen_id"
    for run in _MOBILE_RUN.findall(text or ""):
        if run[:3] in MOBILE_SEGMENTS:
            return "mobile"
    return None

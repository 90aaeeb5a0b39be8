"""Turn a data element into a fast checker that coerces and validates one raw value.

The ingest pipeline calls a checker per cell, millions of times, so everything
that can be decided from the element is decided once, in `compile_element`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from govbridge.core.errors import FieldProblem, InvalidInput
from govbridge.core.identifiers import (
    validate_citizen_id,
    validate_credit_code,
    validate_division_code,
    validate_mobile,
)
from govbridge.standards.code_tables import code_table
from govbridge.standards.spec import ElementSpec

Checker = Callable[[object], object]
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TRUE = frozenset({"true", "1", "yes", "y", "是", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "f"})


class RuleViolation(Exception):
    """A value broke one rule of its element; the caller adds row and field."""

    __slots__ = ("reason", "rule")

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else str(raw)


def _to_date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    s = _text(raw).strip()
    try:
        if len(s) == 8 and s.isdigit():
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
        return date.fromisoformat(s.replace("/", "-"))
    except ValueError:
        raise RuleViolation("type", "not a real date (use YYYY-MM-DD)") from None


def _to_datetime(raw: object) -> datetime:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    try:
        value = datetime.fromisoformat(_text(raw).strip().replace("/", "-"))
    except ValueError:
        raise RuleViolation("type", "not a date and time (use ISO 8601)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _to_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise RuleViolation("type", "not an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    s = _text(raw).strip().replace(",", "")
    if s.lstrip("+-").isdigit():
        return int(s)
    raise RuleViolation("type", "not an integer")


def _to_decimal(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise RuleViolation("type", "not a number")
    try:
        value = Decimal(_text(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise RuleViolation("type", "not a number") from None
    if not value.is_finite():
        raise RuleViolation("type", "not a finite number")
    return value


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    s = _text(raw).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise RuleViolation("type", "not a yes/no value (true/false, 1/0, 是/否)")


def _identifier(check: Callable[..., str], rule: str) -> Callable[[str], str]:
    def run(value: str) -> str:
        try:
            return check(value, "value")
        except InvalidInput as exc:
            raise RuleViolation(rule, exc.problems[0].reason) from None

    return run


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise RuleViolation("email", "not an e-mail address")
    return value


def _bound(spec: ElementSpec, text: str | None, today: date | None) -> object:
    if text is None:
        return None
    if spec.data_type == "date":
        return (today or date.today()) if text == "today" else date.fromisoformat(text)
    if spec.data_type == "datetime":
        return datetime.now(UTC) if text == "today" else datetime.fromisoformat(text)
    return Decimal(text)


def compile_element(spec: ElementSpec, today: date | None = None) -> Checker:
    """A function raw value → canonical value (None for empty), raising RuleViolation.

    `today` is the day a "today" bound means (the caller's clock; default the wall clock's).
    """
    convert: Callable[[object], object]
    if spec.data_type == "string":
        steps: list[Callable[[str], str]] = []
        if spec.validator == "citizen_id":
            steps.append(_identifier(validate_citizen_id, "citizen_id"))
        elif spec.validator == "credit_code":
            steps.append(_identifier(validate_credit_code, "credit_code"))
        elif spec.validator == "mobile":
            steps.append(_identifier(validate_mobile, "mobile"))
        elif spec.validator == "division":
            steps.append(_identifier(validate_division_code, "division"))
        elif spec.validator == "email":
            steps.append(_email)
        elif spec.validator == "regex" and spec.pattern:
            rx = re.compile(spec.pattern)

            def _pattern(value: str, rx: re.Pattern[str] = rx) -> str:
                if not rx.fullmatch(value):
                    raise RuleViolation(
                        "pattern", f"does not match the format {spec.format or rx.pattern}"
                    )
                return value

            steps.append(_pattern)
        table = code_table(spec.code_table) if spec.code_table else None
        if table is not None:
            entries = table.entries
            width = max(len(k) for k in entries)
            numeric = all(k.isdigit() for k in entries)
            title = table.title_zh

            def _coded(value: str) -> str:
                if value in entries:
                    return value
                if numeric and value.isdigit() and value.zfill(width) in entries:
                    return value.zfill(width)
                raise RuleViolation("code_table", f"not a code of {title} ({table.standard})")

            steps.append(_coded)
        limit = spec.max_length

        def convert(raw: object) -> object:
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)  # Excel gives numeric-looking codes as floats
            value = _text(raw).strip()
            if limit is not None and len(value) > 4 * limit + 16:
                # Far too long to be a formatted variant: refuse before any parsing.
                raise RuleViolation("length", f"longer than {limit} characters ({len(value)})")
            for step in steps:
                value = step(value)
            # Checked on the canonical form: "+86 139-1234-5678" is an 11-digit mobile.
            if limit is not None and len(value) > limit:
                raise RuleViolation("length", f"longer than {limit} characters ({len(value)})")
            return value
    else:
        base = {
            "integer": _to_int,
            "decimal": _to_decimal,
            "date": _to_date,
            "datetime": _to_datetime,
            "boolean": _to_bool,
        }[spec.data_type]
        low, high = _bound(spec, spec.min_value, today), _bound(spec, spec.max_value, today)
        if low is None and high is None:
            convert = base
        else:

            def convert(raw: object) -> object:
                value = base(raw)
                if low is not None and value < low:  # type: ignore[operator]
                    raise RuleViolation("range", f"below the minimum {spec.min_value}")
                if high is not None and value > high:  # type: ignore[operator]
                    raise RuleViolation("range", f"above the maximum {spec.max_value}")
                return value

    def check(raw: object) -> object:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return convert(raw)

    return check


def check_value(spec: ElementSpec, raw: object, field: str, row: int | None = None) -> object:
    """Validate one value as an InvalidInput naming the field (and row)."""
    try:
        return compile_element(spec)(raw)
    except RuleViolation as exc:
        shown = None if raw is None else str(raw)
        raise InvalidInput(FieldProblem(field, exc.reason, shown, exc.rule, row)) from None

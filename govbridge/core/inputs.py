"""A use case's input checked against its schema, whoever called it (no I/O).

The API checks a body against its pydantic schema before the route runs; the CLI and the
web call the use cases with plain values. So that every edge meets the same limits, a use
case validates its raw parameters through the same schema with `checked`, and a broken
rule becomes the domain's `InvalidInput`, naming the field, the rule and (shortened) the
value, the way the API's 422 problem does. A 1 MB reason from the command line is refused
with "reason: String should have at most 2000 characters", and nothing is stored.

`NO_CONTROLS` is the rule for words people write (reasons, comments): no control
characters other than tab, line feed and carriage return (a NUL or an escape sequence in
a reason would reach the ledger, the audit trail and every page that shows it), and no
bidirectional embedding, override or isolate (U+202A-202E, U+2066-2069): they turn how
a name reads on someone else's page ("Trojan Source"), and Chinese or English text never
needs them. A schema
puts it after the field's limits, `Annotated[str, Field(max_length=N), NO_CONTROLS]`, so
the limits keep pydantic's usual wording ("String should have at most 2000 characters").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from govbridge.core.errors import FieldProblem, InvalidInput

M = TypeVar("M", bound=BaseModel)

# The longest value an error message echoes back (a refused 1 MB value is not repeated).
ECHO_MAX = 80
# Fields whose value an error never repeats (the API's problems and the pages use it too).
SECRET_FIELDS = frozenset(
    {"password", "new_password", "old_password", "totp_code", "api_key", "secret", "token"}
)
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _no_controls(value: object) -> object:
    if not isinstance(value, str):
        return value  # the str schema refuses it with its own message
    for i, ch in enumerate(value):
        if ch in _BIDI_CONTROLS or (ch not in _ALLOWED_CONTROLS
                                    and unicodedata.category(ch) == "Cc"):
            # Its own error type, so every edge words it (and none echoes the character).
            raise PydanticCustomError(
                "control_character",
                "control character U+{code} at position {position} is not allowed",
                {"code": f"{ord(ch):04X}", "position": i})
    return value


NO_CONTROLS = BeforeValidator(_no_controls)


def _shown(value: object) -> str | None:
    if not isinstance(value, (str, int, float, bool)):
        return None
    text = str(value)
    if len(text) > ECHO_MAX:
        return text[:ECHO_MAX] + f"… ({len(text)} characters)"
    return text


def bounds_of(err: Mapping[str, Any]) -> dict[str, int | str]:
    """A pydantic error's bounds (max_length, ge, …) that a message can fill in."""
    return {k: v for k, v in (err.get("ctx") or {}).items()
            if isinstance(v, (int, str)) and not isinstance(v, bool)}


def problems_of(exc: ValidationError) -> list[FieldProblem]:
    """Each broken rule of a pydantic error as one `FieldProblem` (field path, pydantic's
    message, its error type as the code, its bounds such as max_length as `params` so a
    page words it in its language, the value shortened; a secret's value and a refused
    control character withheld)."""
    problems = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err.get("loc", ()))
        field = ".".join(loc) or "input"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        secret = bool(loc) and loc[-1] in SECRET_FIELDS
        code = str(err.get("type", "invalid"))
        value = None if secret or code == "control_character" else _shown(err.get("input"))
        problems.append(FieldProblem(field=field, reason=msg, value=value, code=code,
                                     params=bounds_of(err)))
    return problems


def _plain(value: Any) -> Any:
    """Models as dicts, all the way down (pydantic takes a model instance inside a dict as it
    is, without checking it again)."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def checked(schema: type[M], data: BaseModel | dict[str, Any]) -> M:
    """`data` validated as `schema` (again, when it is a model already: a model built with
    `model_construct` or changed after it was made is checked like a posted body);
    `InvalidInput` naming each broken rule otherwise."""
    raw = _plain(data)
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc)) from None

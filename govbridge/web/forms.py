"""Errors of a submitted form, as translated lines that name the field and the problem.

Use cases report problems as `InvalidInput.problems` (field, reason, code) or as
a `Conflict` naming its field; typed inputs fail with pydantic's
`ValidationError`. Each becomes a `FormError` whose label and message come from
the catalog when it has them, else the use case's own reason. Values of secret
fields are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from govbridge.api.problems import SECRET_FIELDS
from govbridge.core.errors import Conflict, InvalidInput
from govbridge.core.password_policy import MAX_LENGTH, MIN_LENGTH
from govbridge.web.i18n import has, t


@dataclass(frozen=True)
class Problem:
    field: str | None
    code: str
    reason: str
    value: str | None = None
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FormError:
    field: str | None
    label: str | None
    message: str


def problems_of(exc: InvalidInput | Conflict | ValidationError) -> list[Problem]:
    if isinstance(exc, InvalidInput):
        return [Problem(p.field, p.code, p.reason, p.value) for p in exc.problems]
    if isinstance(exc, Conflict):
        return [Problem(exc.field, "conflict", exc.detail, exc.value)]
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, (int, str))}
        value = err.get("input")
        out.append(
            Problem(
                ".".join(loc) or None,
                str(err.get("type", "invalid")),
                str(err.get("msg", "invalid")),
                value if isinstance(value, str) else None,
                ctx,
            )
        )
    return out


def describe(lang: str, problems: list[Problem], **params: object) -> list[FormError]:
    """Translated lines for `problems`; `params` fill placeholders such as {count}."""
    values: dict[str, object] = {"min": MIN_LENGTH, "max": MAX_LENGTH, **params}
    errors = []
    for p in problems:
        label = (
            t(lang, f"field.{p.field}") if p.field and has(lang, f"field.{p.field}") else p.field
        )
        shown = None if p.field in SECRET_FIELDS else p.value
        fill = {**values, **p.params, "value": shown or ""}
        for key in (f"problem.{p.field}.{p.code}", f"problem.{p.code}"):
            if has(lang, key):
                message = t(lang, key, **fill)
                break
        else:
            message = p.reason
        errors.append(FormError(p.field, label, message))
    return errors


def message(lang: str, key: str, **values: object) -> FormError:
    """A form-wide error that belongs to no single field."""
    return FormError(None, None, t(lang, key, **values))

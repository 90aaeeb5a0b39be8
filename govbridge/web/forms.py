"""Errors of a submitted form, as translated lines that name the field and the problem.

Use cases report problems as `InvalidInput.problems` (field, reason, code) or as
a `Conflict` naming its field; typed inputs fail with pydantic's
`ValidationError`. Each becomes a `FormError` whose label and message come from
the catalog when it has them, else the use case's own reason. Values of secret
fields are never shown. This is the one place that words them: each area of
pages (accounts, catalog, exchange, cases) gives its `Wording`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from govbridge.api.problems import SECRET_FIELDS
from govbridge.core.errors import Conflict, DomainError, InvalidInput
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


def _plain_name(lang: str, prefix: str, field: str) -> tuple[str, str | None]:
    """The field as its own catalog key; labelled from the catalog, else by its name."""
    key = f"{prefix}field.{field}"
    return field, (t(lang, key) if field and has(lang, key) else field or None)


def _no_value(p: Problem) -> bool:
    return False


def _detail(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    return [FormError(None, None, exc.detail)], exc.status


@dataclass(frozen=True)
class Wording:
    """How one area of pages words its form errors.

    `prefix` names its catalog keys (`"xchg."`: `xchg.field.<key>`,
    `xchg.problem.<key>.<code>`, `xchg.problem.<code>`, `xchg.problem.value`);
    `name` turns a problem's field into that key and the label shown (a row of a
    list named by its number); `shows_value` says when the value sent is added
    to the message; `refusal` words any other domain error of a submission.
    """

    prefix: str = ""
    name: Callable[[str, str, str], tuple[str, str | None]] = _plain_name
    shows_value: Callable[[Problem], bool] = _no_value
    refusal: Callable[[str, DomainError], tuple[list[FormError], int]] = _detail
    fills: dict[str, object] = field(default_factory=dict)


# The account pages: `field.*` and `problem.*`, the password policy's bounds filled in.
PLAIN = Wording(fills={"min": MIN_LENGTH, "max": MAX_LENGTH})
FORM_PROBLEMS = (InvalidInput, Conflict, ValidationError)


def describe(
    lang: str, problems: list[Problem], wording: Wording = PLAIN, **params: object
) -> list[FormError]:
    """Translated lines for `problems`; `params` fill placeholders such as {count}.
    Values of secret fields are never shown."""
    errors = []
    for p in problems:
        key, label = wording.name(lang, wording.prefix, p.field or "")
        shown = None if p.field in SECRET_FIELDS else p.value
        fill = {**wording.fills, **params, **p.params, "value": shown or ""}
        for msg in (f"{wording.prefix}problem.{key}.{p.code}", f"{wording.prefix}problem.{p.code}"):
            if has(lang, msg):
                text = t(lang, msg, **fill)
                break
        else:
            text = p.reason
        if shown and wording.shows_value(p):
            text += t(lang, f"{wording.prefix}problem.value", value=shown)
        errors.append(FormError(p.field or None, label, text))
    return errors


def errors_of(
    lang: str, exc: Exception, wording: Wording = PLAIN, **params: object
) -> tuple[list[FormError], int]:
    """The form errors and the status of a refused submission: 422 for invalid input,
    409 for a conflict, the error's own status for any other domain refusal."""
    if isinstance(exc, FORM_PROBLEMS):
        status = 409 if isinstance(exc, Conflict) else 422
        return describe(lang, problems_of(exc), wording, **params), status
    if isinstance(exc, DomainError):
        return wording.refusal(lang, exc)
    raise exc


def message(lang: str, key: str, **values: object) -> FormError:
    """A form-wide error that belongs to no single field."""
    return FormError(None, None, t(lang, key, **values))

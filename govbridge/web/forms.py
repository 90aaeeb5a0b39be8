"""Errors of a submitted form, as translated lines that name the field and the problem.

Use cases report problems as `InvalidInput.problems` (field, reason, code) or as
a `Conflict` naming its field; typed inputs fail with pydantic's
`ValidationError`. Each becomes a `FormError` whose label and message come from
the catalog when it has them, else the use case's own reason. Values of secret
fields are never shown. This is the one place that words them: each area of
pages (accounts, catalog, exchange, cases) gives its `Wording`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from govbridge.core.errors import Conflict, DomainError, InvalidInput
from govbridge.core.inputs import SECRET_FIELDS, bounds_of
from govbridge.core.password_policy import MAX_LENGTH, MIN_LENGTH
from govbridge.web import form_text
from govbridge.web.translations import Labels, Msg, text_for

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


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
        return [Problem(p.field, p.code, p.reason, p.value, dict(p.params))
                for p in exc.problems]
    if isinstance(exc, Conflict):
        if exc.problems:  # each obstacle worded by its own code
            return [Problem(p.field, p.code, p.reason, p.value, dict(p.params))
                    for p in exc.problems]
        return [Problem(exc.field, "conflict", exc.detail, exc.value)]
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        value = err.get("input")
        out.append(
            Problem(
                ".".join(loc) or None,
                str(err.get("type", "invalid")),
                str(err.get("msg", "invalid")),
                value if isinstance(value, str) else None,
                bounds_of(err),
            )
        )
    return out


def _plain_name(lang: str, fields: Labels, field: str) -> tuple[str, str | None]:
    """The field as its own key; labelled from the area's field labels, else by its name."""
    known = fields.get(field) if field else None
    return field, (text_for(lang)(known) if known else field or None)


def _no_value(p: Problem) -> bool:
    return False


def _detail(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    return [FormError(None, None, exc.detail)], exc.status


@dataclass(frozen=True)
class Wording:
    """How one area of pages words its form errors.

    `fields` labels its fields by key; `problems` words a problem by
    `<key>.<code>`, else by `<code>`, and holds `value`, the clause that adds the
    value sent (see form_text); `name` turns a problem's field into that key and
    the label shown (a row of a list named by its number); `shows_value` says when
    the value sent is added to the message; `refusal` words any other domain error
    of a submission.
    """

    fields: Labels = field(default_factory=lambda: form_text.FIELD)
    problems: Labels = field(default_factory=lambda: form_text.PROBLEM)
    name: Callable[[str, Labels, str], tuple[str, str | None]] = _plain_name
    shows_value: Callable[[Problem], bool] = _no_value
    refusal: Callable[[str, DomainError], tuple[list[FormError], int]] = _detail
    fills: dict[str, object] = field(default_factory=dict)


# The account pages: form_text.FIELD and PROBLEM, the password policy's bounds filled in.
PLAIN = Wording(fills={"min": MIN_LENGTH, "max": MAX_LENGTH})
FORM_PROBLEMS = (InvalidInput, Conflict, ValidationError)


def describe(
    lang: str, problems: list[Problem], wording: Wording = PLAIN, **params: object
) -> list[FormError]:
    """Translated lines for `problems`; `params` fill placeholders such as %(count)s.
    Values of secret fields are never shown."""
    tr = text_for(lang)
    errors = []
    for p in problems:
        key, label = wording.name(lang, wording.fields, p.field or "")
        shown = None if p.field in SECRET_FIELDS else p.value
        fill = {**wording.fills, **params, **p.params, "value": shown or ""}
        for msg_key in (f"{key}.{p.code}", p.code):
            msg = wording.problems.get(msg_key)
            # A message naming a bound the problem does not carry (a use case's InvalidInput
            # keeps pydantic's reason, not its max_length) gives way to that reason, which
            # names the bound, rather than showing a bare placeholder.
            if msg is not None and set(PLACEHOLDER.findall(msg.msgid)) <= fill.keys():
                text = tr(msg, **fill)
                break
        else:
            text = p.reason
        if shown and wording.shows_value(p):
            text += tr(wording.problems["value"], value=shown)
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


def message(lang: str, msg: Msg, **values: object) -> FormError:
    """A form-wide error that belongs to no single field."""
    return FormError(None, None, text_for(lang)(msg, **values))

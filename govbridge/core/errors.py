"""The domain's error vocabulary, shared by every edge (API, CLI, web).

Each error knows what went wrong and where, so the edges can render it as
RFC 9457 problem details, a CLI message or a form error without guessing.
Values shown back to the caller are passed through `shown_value`, which a
caller marks as sensitive to keep masked data out of error messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    """One thing wrong with one input field."""

    field: str
    reason: str
    value: str | None = None
    code: str = "invalid"
    row: int | None = None
    # The rule's bounds (e.g. max_length) for wording the problem in another language.
    params: Mapping[str, int | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "reason": self.reason, "code": self.code}
        if self.value is not None:
            out["value"] = self.value
        if self.row is not None:
            out["row"] = self.row
        return out


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    status = 400
    type_slug = "domain-error"
    title = "Request cannot be processed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def extensions(self) -> dict[str, object]:
        return {}


class InvalidInput(DomainError):
    """The input broke a rule; names the field(s), value(s) and rule(s)."""

    status = 422
    type_slug = "invalid-input"
    title = "Invalid input"

    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = [problems] if isinstance(problems, FieldProblem) else list(problems)
        detail = "; ".join(_describe(p) for p in self.problems)
        super().__init__(detail)

    @classmethod
    def one(
        cls, field: str, reason: str, value: object = None, code: str = "invalid"
    ) -> InvalidInput:
        shown = None if value is None else str(value)
        return cls(FieldProblem(field=field, reason=reason, value=shown, code=code))

    def extensions(self) -> dict[str, object]:
        return {"errors": [p.as_dict() for p in self.problems]}


def _describe(p: FieldProblem) -> str:
    where = f"row {p.row}, " if p.row is not None else ""
    shown = f" (value {p.value!r})" if p.value is not None else ""
    return f"{where}{p.field}: {p.reason}{shown}"


class NotFound(DomainError):
    status = 404
    type_slug = "not-found"
    title = "Not found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} does not exist")
        self.kind = kind
        self.key = str(key)

    def extensions(self) -> dict[str, object]:
        return {"resource": self.kind, "key": self.key}


class Conflict(DomainError):
    status = 409
    type_slug = "conflict"
    title = "Conflict with existing data"

    def __init__(self, detail: str, field: str | None = None, value: object = None, *,
                 problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.field = field
        self.value = None if value is None else str(value)
        # What stands in the way, each with its own code, for the edges to word one by one
        # (an item that cannot be published: each lane without a department).
        self.problems = list(problems or [])

    def extensions(self) -> dict[str, object]:
        if self.problems:
            return {"errors": [p.as_dict() for p in self.problems]}
        if self.field is None:
            return {}
        return {"errors": [{"field": self.field, "value": self.value, "reason": self.detail}]}


class AuthenticationFailed(DomainError):
    """Who you are could not be established. Deliberately vague about why.

    `reason` is a stable code for the edges: "credentials", "locked",
    "session", "revoked", "malformed".
    """

    status = 401
    type_slug = "authentication-failed"
    title = "Authentication failed"

    def __init__(self, detail: str, reason: str = "credentials") -> None:
        super().__init__(detail)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"reason": self.reason}


class SecondFactorRequired(DomainError):
    status = 401
    type_slug = "second-factor-required"
    title = "A one-time code (TOTP) is required"


class PermissionDenied(DomainError):
    """The caller is known but lacks a permission; says which one."""

    status = 403
    type_slug = "permission-denied"
    title = "Permission denied"

    def __init__(self, permission: str, detail: str | None = None) -> None:
        super().__init__(detail or f"missing permission '{permission}'")
        self.permission = permission

    def extensions(self) -> dict[str, object]:
        return {"missing_permission": self.permission}


class Throttled(DomainError):
    """Too many failed attempts from this caller; `retry_after` seconds until the next.

    Says nothing about the account tried: a throttled guess at a name that does not
    exist gets the same answer as one at a name that does.
    """

    status = 429
    type_slug = "throttled"
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"retry_after": self.retry_after}


class Unavailable(DomainError):
    """The platform cannot answer now but will soon (e.g. SQLite's write lock stayed taken
    past its busy timeout): 503 with Retry-After, nothing was changed."""

    status = 503
    type_slug = "temporarily-unavailable"
    title = "Temporarily unavailable"

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def extensions(self) -> dict[str, object]:
        return {"retry_after": self.retry_after}

"""Pure rules of a case's outcome certificate: which service task issues it, the new
enterprise's credit code, and the certificate's holder name and data from the case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from govbridge.core.errors import InvalidInput
from govbridge.core.identifiers import CREDIT_CODE_ALPHABET, make_credit_code

# 统一社会信用代码 registration category of an enterprise registered by market regulation.
ENTERPRISE_CATEGORY = "91"


@dataclass(frozen=True)
class CaseFacts:
    """What an outcome's sources may read."""

    case_code: str
    applicant_id: str
    applicant_name: str
    form: Mapping[str, Any]
    issuer_name: str
    today: date


def due_now(outcome: Mapping[str, Any], completed_tasks: Iterable[str], *,
            case_completed: bool) -> bool:
    """Whether the outcome is to be issued now: its service task has run, or (without a
    task) the case has just been completed."""
    task = outcome.get("task")
    return task in set(completed_tasks) if task else case_completed


def new_enterprise_code(case_code: str, division: str, attempt: int = 0) -> str:
    """A credit code for the enterprise a case creates, derived from the case code (stable
    across retries of the same step); `attempt` picks another one on a collision."""
    digest = hashlib.sha256(f"{case_code}:{attempt}".encode()).digest()
    body = "".join(CREDIT_CODE_ALPHABET[b % len(CREDIT_CODE_ALPHABET)] for b in digest[:8])
    return make_credit_code(ENTERPRISE_CATEGORY, division, body)


def form_paths(outcome: Mapping[str, Any]) -> list[str]:
    """The form values (`key.name`) the holder's name is taken from: required at application."""
    source = str(outcome.get("holder_name") or "")
    return [source.removeprefix("form:")] if source.startswith("form:") else []


def form_value(form: Mapping[str, Any], path: str) -> Any:
    """The value at `key.name` (or `key`) of an application's form; None when absent."""
    key, _, name = path.partition(".")
    value = form.get(key)
    if name:
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def resolve(source: str, facts: CaseFacts, holder_id: str, holder_name: str) -> Any:
    """The value of one source; None when a form value is absent."""
    if source.startswith("="):
        return source[1:]
    if source.startswith("form:"):
        return form_value(facts.form, source.removeprefix("form:"))
    fixed = {"applicant_id": facts.applicant_id, "applicant_name": facts.applicant_name,
             "holder_id": holder_id, "holder_name": holder_name, "case_code": facts.case_code,
             "issuer_name": facts.issuer_name, "today": facts.today.isoformat()}
    if source not in fixed:
        raise InvalidInput.one("outcome.data", "unknown source", source, "unknown_source")
    return fixed[source]


def holder_name(outcome: Mapping[str, Any], facts: CaseFacts) -> str:
    source = str(outcome.get("holder_name") or "applicant_name")
    value = resolve(source, facts, facts.applicant_id, facts.applicant_name)
    if value is None or not str(value).strip():
        raise InvalidInput.one("outcome.holder_name",
                               f"the application has no value for {source}", None, "required")
    return str(value).strip()[:200]


def certificate_data(outcome: Mapping[str, Any], facts: CaseFacts, holder_id: str,
                     name: str) -> dict[str, Any]:
    """The certificate's fields; a form value the applicant left out is left out."""
    data: dict[str, Any] = {}
    for field, source in (outcome.get("data") or {}).items():
        value = resolve(str(source), facts, holder_id, name)
        if value is not None and value != "":
            data[field] = value
    return data

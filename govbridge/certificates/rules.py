"""Pure rules of who may be issued which certificate, and on what grounds (no I/O).

A certificate is not free text: its type is one of the issuer's published certificate-type
datasets, and that dataset's subject key says what kind of holder it is for (a business
licence to an enterprise, a household register to a person). The holder must be the one
the registry knows under that identifier and name. And it is issued on a ground: either
a case (办件) of a service item that produces or uses the type, whose applicant or
created enterprise is the holder, or a second officer's approval (four-eyes: requested
by one officer, approved by another of the issuing department).

The use cases (`usecases.py`, `requests.py`) read the facts and ask these functions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from govbridge.core.errors import FieldProblem

# A case on which a certificate may be issued by hand: accepted (identity checked at the
# front desk) and not yet closed. The process's own step may also issue as it completes.
OPEN_CASE_STATES = frozenset({"accepted", "in_progress"})
PROCESS_CASE_STATES = OPEN_CASE_STATES | {"completed"}

REQUEST_STATES = ("pending", "approved", "refused")


def holder_kind_of_type(subject_type: str) -> str | None:
    """The kind of holder a certificate type is for, from its dataset's subject key:
    "person", "enterprise", or None (a dataset about neither cannot be a certificate)."""
    return subject_type if subject_type in ("person", "enterprise") else None


def kind_problem(type_kind: str | None, holder_kind: str, type_name: str) -> FieldProblem | None:
    if type_kind is None:
        return FieldProblem("certificate_type",
                            f"{type_name} names no person or enterprise as its subject",
                            None, "no_subject")
    if type_kind != holder_kind:
        wanted = "an enterprise (credit code)" if type_kind == "enterprise" \
            else "a person (citizen ID)"
        return FieldProblem("holder_id", f"a {type_name} is issued to {wanted}", None,
                            "wrong_holder_kind")
    return None


def normal_name(name: str) -> str:
    """A name as compared: NFKC (full-width brackets and digits fold), no white space."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def same_name(registered: str, given: str) -> bool:
    return normal_name(registered) == normal_name(given)


def registry_problem(registered_name: str | None, given_name: str,
                     holder_kind: str) -> FieldProblem | None:
    """The holder must be registered under the name given. An ID that is not registered
    and a name that is not the registered one get the same answer, word for word: two
    answers would tell which guessed ID numbers exist (the security review found the one
    real ID among 32 candidates that way). The registered name is never echoed."""
    if registered_name is None or not same_name(registered_name, given_name):
        where = "companies" if holder_kind == "enterprise" else "persons"
        return FieldProblem("holder", f"no holder in the registry of {where} has this ID "
                            "and this name", None, "not_registered_as_named")
    return None


def type_name_problem(dataset_name: str, given: str | None) -> FieldProblem | None:
    if given is not None and not same_name(dataset_name, given):
        return FieldProblem("type_name",
                            f"the certificate type is named {dataset_name}", given,
                            "type_name_mismatch")
    return None


@dataclass(frozen=True)
class CaseFacts:
    """What the case rule reads about a case and its service item."""

    code: str
    state: str
    applicant_id: str
    item_types: frozenset[str]  # resource codes of the item's outcome and materials
    created: dict[str, str]  # holder id -> name of enterprises the case created


def item_types(outcome_type: str | None, material_codes: Iterable[str | None]) -> frozenset[str]:
    return frozenset(c for c in (outcome_type, *material_codes) if c)


def case_problems(case: CaseFacts, certificate_type: str, holder_id: str, holder_name: str,
                  *, by_process: bool = False) -> list[FieldProblem]:
    """Why this case is no ground for this certificate (empty: it is)."""
    states = PROCESS_CASE_STATES if by_process else OPEN_CASE_STATES
    problems: list[FieldProblem] = []
    if case.state not in states:
        problems.append(FieldProblem("case", f"the case is {case.state}; a certificate is "
                                     "issued on an accepted or in-progress case", case.code,
                                     "case_not_open"))
    if certificate_type not in case.item_types:
        problems.append(FieldProblem("case", "the case's service item neither produces nor "
                                     "uses this certificate type", case.code,
                                     "type_not_of_item"))
    if holder_id == case.applicant_id:
        pass
    elif holder_id in case.created:
        if not same_name(case.created[holder_id], holder_name):
            problems.append(FieldProblem("holder_name", "does not match the name of the "
                                         "enterprise the case created", None,
                                         "name_mismatch"))
    else:
        problems.append(FieldProblem("holder_id", "neither the case's applicant nor an "
                                     "enterprise the case created", None,
                                     "not_case_holder"))
    return problems


def is_own_request(requested_by: str, requested_by_user: int | None, approver: str,
                   approver_user: int | None) -> bool:
    """Four eyes: whether the would-be approver is the officer who made the request (the
    same user, or the same actor label: an operator, a client)."""
    return (requested_by_user is not None and requested_by_user == approver_user) \
        or requested_by == approver

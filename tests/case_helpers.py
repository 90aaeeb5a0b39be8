"""Shared bits of the case tests: the fixed clock and the applicant."""

from __future__ import annotations

from datetime import UTC, datetime

from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from ingest_helpers import company_code

FIXED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
APPLICANT_ID = company_code(1)


def staff(role: Role, org_id: int | None, name: str) -> Actor:
    return Actor.for_user(user_id=2500, username=name, roles=frozenset({role}),
                          organization_id=org_id, subject_id=None)


def applicant(subject_id: str = APPLICANT_ID) -> Actor:
    return Actor.for_user(user_id=4000, username=f"app.{subject_id}",
                          roles=frozenset({Role.APPLICANT}), organization_id=None,
                          subject_id=subject_id)

"""Issuing certificates in tests the way the rules want (importable as
`certificate_helpers`): the holder registered under its name, and a certificate without a
case requested by one officer and approved by another of the issuing department."""

from __future__ import annotations

from datetime import date
from typing import Any

from govbridge.certificates import requests, usecases
from govbridge.certificates.schemas import CertificateIn, CertificateOut, IssuanceRequestOut
from govbridge.certificates.verify import holder_kind_of
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.registry.models import Company, Person
from govbridge.runtime import Runtime


def register(rt: Runtime, holder_id: str, name: str) -> None:
    """The holder in the registry (a company for a credit code, else a person), once."""
    with rt.context() as ctx:
        if holder_kind_of(holder_id) == "enterprise":
            if ctx.db.get(Company, holder_id) is None:
                ctx.db.add(Company(
                    credit_code=holder_id, name=name, enterprise_type="1130",
                    legal_representative_id="11010519491231002X",
                    legal_representative_name="张三", registered_capital_wan=100,
                    established=date(2020, 5, 17), division_code="320505",
                    address="苏州工业园区星湖街328号"))
        elif ctx.db.get(Person, holder_id) is None:
            ctx.db.add(Person(id_number=holder_id, name=name, sex="1",
                              birth_date=date(1949, 12, 31), division_code=holder_id[:6],
                              address="苏州市姑苏区人民路1号", mobile="13800000000"))


def second_officer(officer: Actor, user_id: int = 9_999) -> Actor:
    """Another approver of the officer's department (the four-eyes partner)."""
    return Actor.for_user(user_id=user_id, username=f"approver.second.{officer.name}",
                          roles=frozenset({Role.APPROVER}),
                          organization_id=officer.organization_id, subject_id=None)


def issue_approved(rt: Runtime, officer: Actor, data: dict[str, Any], *,
                   approver: Actor | None = None, register_holder: bool = True
                   ) -> CertificateOut:
    """Request as `officer`, approve as a second officer: the certificate."""
    if register_holder:
        register(rt, data["holder_id"], data["holder_name"])
    with rt.context() as ctx:
        asked = usecases.issue_certificate(ctx, officer, CertificateIn(**data))
    assert isinstance(asked, IssuanceRequestOut), asked
    with rt.context() as ctx:
        return requests.approve_request(ctx, approver or second_officer(officer), asked.id)

"""Case fixtures: the demo departments (企业开办 runs in the market regulator's, tax,
police and social security lanes), a certificate provider with a published 营业执照 type
and an issued licence, the item with its process, an agreement for the item's purpose,
and the actors of the journey. The clock is fixed on a Monday morning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from case_helpers import FIXED, applicant, staff
from certificate_helpers import issue_approved

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import CaseSubmitIn
from govbridge.catalog import usecases as catalog
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.demo.departments import DEPARTMENTS
from govbridge.demo.services import process_xml
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.identity.schemas import OrganizationCreate
from govbridge.services import usecases as services
from govbridge.services.schemas import Outcome, ServiceItemIn, ServiceItemUpdate
from ingest_helpers import company_code, person_id


@dataclass
class World:
    item: str
    licence_type: str
    orgs: dict[str, int]  # department key -> organization id
    codes: dict[str, str]  # department key -> credit code
    clerk: Actor
    applicant: Actor
    bureau: Actor

    def approver(self, key: str) -> Actor:
        return Actor.for_user(user_id=3000 + len(key), username=f"approver.{key}",
                              roles=frozenset({Role.APPROVER}),
                              organization_id=self.orgs[key], subject_id=None)


@pytest.fixture
def fixed_clock(rt):
    rt.clock = lambda: FIXED
    return FIXED


@pytest.fixture
def world(rt, fixed_clock, operator, admin, provider, publish, entry) -> World:
    codes: dict[str, str] = {}
    orgs: dict[str, int] = {}
    with rt.context() as ctx:
        for dept in DEPARTMENTS:
            organizations.create_organization(ctx, operator, OrganizationCreate(
                code=dept.code, name=dept.name, level=dept.level,  # type: ignore[arg-type]
                division_code=dept.division_code,
                parent_code=codes[dept.parent_key] if dept.parent_key else None,
            ))
            codes[dept.key] = dept.code
        for key, code in codes.items():
            org = org_by_code(ctx, code)
            assert org is not None
            orgs[key] = org.id
    licence_type = publish(entry()).resource_code
    item = f"{codes['amr']}-QY-001"
    with rt.context() as ctx:
        services.create_service_item(ctx, admin, ServiceItemIn(
            code=item, name="企业开办", lead_org_code=codes["amr"],
            participating_org_codes=[codes["tax"], codes["psb"], codes["hrss"]],
            materials=[
                {"key": "shareholder_licence", "name": "法人股东营业执照", "kind": "certificate",
                 "resource_code": licence_type},
                {"key": "premises_title", "name": "住所不动产权证书", "kind": "certificate",
                 "required": False},
                {"key": "application", "name": "公司登记（备案）申请书", "kind": "form"},
                {"key": "articles", "name": "公司章程", "kind": "upload"},
            ],
            promised_days=3, legal_days=15, fee="0"))
        services.import_bpmn(ctx, admin, item, process_xml("enterprise_establishment.bpmn"))
        services.update_service_item(ctx, admin, item, ServiceItemUpdate(status="published"))
    return World(
        item=item, licence_type=licence_type, orgs=orgs, codes=codes,
        clerk=staff(Role.CLERK, orgs["amr"], "clerk.amr"), applicant=applicant(),
        bureau=admin,
    )


@pytest.fixture
def licence_out(rt, world, entry, admin) -> str:
    """The market regulator's own 营业执照 type, which the item's process issues (its
    service task 核发电子营业执照) to the company a case creates."""
    officer = staff(Role.DATA_OFFICER, world.orgs["amr"], "officer.amr")
    with rt.context() as ctx:
        made = catalog.create_dataset(ctx, officer, DatasetIn(**entry(name="营业执照（新设）")))
        catalog.submit(ctx, officer, made.resource_code)
        catalog.review(ctx, admin, made.resource_code, approve=True)
    with rt.context() as ctx:
        services.update_service_item(ctx, admin, world.item, ServiceItemUpdate(
            outcome=Outcome(type_name="营业执照", certificate_type=made.resource_code,
                            task="Activity_IssueLicence", holder="new_enterprise",
                            holder_name="form:application.name",
                            data={"legal_rep": "applicant_name", "established": "today"})))
    return made.resource_code


@pytest.fixture
def issue_licence(rt, provider, world) -> Callable[..., Any]:
    """The shareholder's licence: the company registered, the licence requested by the
    provider's officer and approved by a second officer (no case: four eyes)."""
    def make(n: int = 1, valid_for: timedelta = timedelta(days=3650)) -> Any:
        return issue_approved(rt, provider["officer"], {
            "certificate_type": world.licence_type,
            "holder_id": company_code(n), "holder_name": f"苏州测试{n}有限公司",
            "valid_until": FIXED + valid_for,
            "data": {"legal_rep": "张三", "legal_rep_id": person_id(n),
                     "established": "2020-05-17"}})

    return make


@pytest.fixture
def agree(rt, world) -> Callable[[], Any]:
    """The market regulator (the item's lead) may view licences for this service item."""
    def make() -> Any:
        officer = staff(Role.DATA_OFFICER, world.orgs["amr"], "officer.amr")
        with rt.context() as ctx:
            return agreements.request_agreement(ctx, officer, AgreementRequestIn(
                resource_code=world.licence_type,
                fields=["credit_code", "legal_rep", "legal_rep_id", "established"],
                purpose_kind="service_item", purpose_code=world.item,
                purpose_text="企业开办", valid_until=(FIXED + timedelta(days=60)).date()))

    return make


@pytest.fixture
def submit(rt, world) -> Callable[..., str]:
    def make(who: Actor | None = None, form: dict[str, Any] | None = None) -> str:
        with rt.context() as ctx:
            return cases.submit_application(ctx, who or world.applicant, CaseSubmitIn(
                item_code=world.item, applicant_name="苏州测试1有限公司",
                form={"application": {"name": "苏州新公司"}} if form is None else form)).code

    return make


@pytest.fixture
def ready(rt, world, issue_licence, agree, submit) -> str:
    """A case submitted by an applicant whose licence is issued and shareable."""
    issue_licence()
    agree()
    return submit()

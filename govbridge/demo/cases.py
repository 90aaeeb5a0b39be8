"""The demo city's cases (办件), run through the real use cases, so every page has
something to show: a completed 企业开办 whose required materials all arrived by sharing
(its licence issued by the process), one in progress, one awaiting acceptance, and an
overdue 工程建设项目竣工联合验收 that the scheduler has escalated.

First the agreements the front desks need: each item's lead department may view the
materials other departments hold, for that item only (requested by its data officer,
answered by the provider's). Loading is idempotent: a fact records that it ran.

The ledger is written in time order, as `govbridge ledger audit` demands: the history
is played with the runtime clock set back - the agreements `HISTORY_DAYS` ago, the overdue
case `OVERDUE_DAYS_AGO` - and only then today's cases, at the real time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from govbridge.agreements import usecases as agreements
from govbridge.agreements.models import Agreement
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import CaseDetail, CaseSubmitIn, DecisionIn
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import published_fields
from govbridge.core.permissions import Role
from govbridge.demo.accounts import demo_accounts
from govbridge.demo.load import _staff_actor, create_account
from govbridge.demo.services import SERVICES, ServiceDef
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.ingest.models import DatasetRecord
from govbridge.registry.models import Company, Person
from govbridge.runtime import Ctx, Runtime
from govbridge.services import usecases as services
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.cases"
OVERDUE_DAYS_AGO = 30
# The agreements are made this long ago, before the overdue case was accepted.
HISTORY_DAYS = OVERDUE_DAYS_AGO + 5

COMPANY_FORM = {
    "name": "苏州云桥数据科技有限公司", "entity_type": "1130", "registered_capital": "100",
    "address": "苏州工业园区星湖街328号",
    "business_scope": "软件开发；信息技术咨询服务；数据处理服务",
}


@dataclass
class DemoCases:
    agreements: list[str] = field(default_factory=list)
    cases: dict[str, str] = field(default_factory=dict)  # what it shows -> case code
    accounts: list[str] = field(default_factory=list)
    reused: bool = False


def ensure_accounts(ctx: Ctx, seed: int) -> list[str]:
    """Create the demo accounts a data directory loaded by an older version lacks."""
    made: list[str] = []
    for acc in demo_accounts(seed):
        if ctx.db.scalar(select(User.id).where(User.username == acc.username)) is not None:
            continue
        create_account(ctx, Actor.operator("demo-loader"), acc)
        made.append(acc.username)
    return made


def _applicant(ctx: Ctx, subject_id: str) -> Actor:
    """The applicant's own account when the demo has one, else the person acting online."""
    user = ctx.db.scalar(select(User).where(User.subject_id == subject_id))
    return Actor.for_user(user_id=user.id if user else 0,
                          username=user.username if user else f"applicant.{subject_id[-4:]}",
                          roles=frozenset({Role.APPLICANT}), organization_id=None,
                          subject_id=subject_id)


def _item_agreements(ctx: Ctx, spec: ServiceDef, report: DemoCases) -> None:
    item = services.find_item(ctx, spec.code)
    officer = _staff_actor(ctx, f"officer.{spec.lead}", Role.DATA_OFFICER)
    # Made (on the demo's set-back clock) before the overdue case was accepted, so its
    # materials could be viewed then.
    since = ctx.now().date()
    until = since + timedelta(days=730 + HISTORY_DAYS)
    for material in item.materials or []:
        code = material.get("resource_code")
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == code)) if code \
            else None
        if ds is None or ds.provider_id == item.lead_org_id:
            continue
        exists = ctx.db.scalar(select(Agreement.id).where(
            Agreement.consumer_org_id == item.lead_org_id, Agreement.dataset_id == ds.id,
            Agreement.purpose_code == item.code))
        if exists is not None:
            continue
        made = agreements.request_agreement(ctx, officer, AgreementRequestIn(
            resource_code=ds.resource_code, fields=[f["name"] for f in published_fields(ds)],
            purpose_kind="service_item", purpose_code=item.code,
            purpose_text=f"{item.name}：受理时核验{material['name']}", valid_from=since,
            valid_until=until,
            rate_per_minute=600, daily_volume=50_000))
        if made.state == "requested":
            provider = ctx.db.scalar(select(User).where(User.organization_id == ds.provider_id,
                                                        User.username.like("officer.%")))
            assert provider is not None
            answer = _staff_actor(ctx, provider.username, Role.DATA_OFFICER)
            agreements.decide(ctx, answer, made.code)
        report.agreements.append(made.code)


def _subjects(ctx: Ctx, spec: ServiceDef, material_key: str, limit: int,
              prefer: str | None = None) -> list[str]:
    """Subjects for whom the department holding a material has a record of it (`prefer`
    first, when it has one)."""
    item = services.find_item(ctx, spec.code)
    code = next(m.get("resource_code") for m in item.materials or [] if m["key"] == material_key)
    ds_id = ctx.db.scalar(select(Dataset.id).where(Dataset.resource_code == code))
    held = select(DatasetRecord.subject_id).where(DatasetRecord.dataset_id == ds_id,
                                                  DatasetRecord.subject_id.is_not(None))
    first = list(ctx.db.scalars(held.where(DatasetRecord.subject_id == prefer).limit(1))) \
        if prefer else []
    rest = ctx.db.scalars(held.where(DatasetRecord.subject_id != (prefer or ""))
                          .distinct().order_by(DatasetRecord.subject_id).limit(limit))
    return (first + list(rest))[:limit]


def _drawing() -> bytes:
    """A small, real PDF standing in for the as-built drawings."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="As-built drawings and survey results (demo)")
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


def _name(ctx: Ctx, subject_id: str) -> str:
    person = ctx.db.get(Person, subject_id)
    company = None if person else ctx.db.get(Company, subject_id)
    return person.name if person else company.name if company else "演示申请人"


def _run_case(rt: Runtime, spec: ServiceDef, applicant_id: str, form: dict[str, Any], *,
              approve: tuple[str, ...] = (), accept: bool = True) -> CaseDetail:
    """Apply, accept at the lead's window, upload what is still missing, then let the
    given departments approve their tasks (in that order)."""
    with rt.context() as ctx:
        detail = cases.submit_application(ctx, _applicant(ctx, applicant_id), CaseSubmitIn(
            item_code=spec.code, applicant_name=_name(ctx, applicant_id), form=form))
    if not accept:
        return detail
    with rt.context() as ctx:
        clerk = _staff_actor(ctx, f"clerk.{spec.lead}", Role.CLERK)
        detail = cases.accept(ctx, clerk, detail.code, applicant_id)
    for key in detail.missing:
        with rt.context() as ctx:
            detail = cases.upload_material(ctx, _applicant(ctx, applicant_id), detail.code,
                                           key, f"{key}.pdf", _drawing())
    for dept in approve:
        with rt.context() as ctx:
            approver = _staff_actor(ctx, f"approver.{dept}", Role.APPROVER)
            for task in [t for t in cases.my_tasks(ctx, approver) if t.case_code == detail.code]:
                detail = cases.decide(ctx, approver, detail.code, DecisionIn(
                    task_id=task.task_id, decision="approve", opinion="同意"))
    return detail


@contextmanager
def days_ago(rt: Runtime, days: int) -> Iterator[None]:
    """Run with the runtime clock set back `days` (it keeps running from there)."""
    real_clock = rt.clock
    rt.clock = lambda: real_clock() - timedelta(days=days)
    try:
        yield
    finally:
        rt.clock = real_clock


def _service(suffix: str) -> ServiceDef:
    return next(s for s in SERVICES if s.suffix == suffix)


def load_demo_cases(rt: Runtime, seed: int) -> DemoCases:
    """Agreements and cases of the demo city (once per data directory)."""
    report = DemoCases()
    with rt.context() as ctx:
        report.accounts = ensure_accounts(ctx, seed)
        if get_fact(ctx.db, FACT) is not None:
            report.reused = True
            return report
        if not all(m.get("resource_code") for m in services.find_item(
                ctx, _service("QY-001").code).materials if m["kind"] == "certificate"):
            return report  # a city without its catalog: the cases come with the datasets
    # The history in the order it happened (the ledger's entries must be in time order).
    with days_ago(rt, HISTORY_DAYS), rt.context() as ctx:
        for spec in SERVICES:
            _item_agreements(ctx, spec, report)
    company, construction = _service("QY-001"), _service("GC-001")
    citizen = next(a.subject_id for a in demo_accounts(seed) if a.username == "citizen")
    company_account = next(a.subject_id for a in demo_accounts(seed) if a.username == "company")
    with rt.context() as ctx:
        founders = _subjects(ctx, company, "legal_rep_id", 3, prefer=citizen)
        builder = _subjects(ctx, construction, "builder_licence", 1, prefer=company_account)[0]
    with days_ago(rt, OVERDUE_DAYS_AGO):
        late = _run_case(rt, construction, builder,
                         {"application": {"project": "苏州湾文化中心二期", "area_m2": "48000"}})
    done = _run_case(rt, company, founders[0],
                     {"application": COMPANY_FORM},
                     approve=("amr", "tax", "psb", "hrss"))
    report.cases["completed, every required material by sharing"] = done.code
    going = _run_case(rt, company, founders[1],
                      {"application": {**COMPANY_FORM, "name": "苏州河畔餐饮管理有限公司",
                                       "business_scope": "餐饮服务；餐饮管理"}},
                      approve=("amr", "tax"))
    report.cases["in progress"] = going.code
    waiting = _run_case(rt, company, founders[2],
                        {"application": {**COMPANY_FORM, "name": "苏州枫桥文化传媒有限公司"}},
                        accept=False)
    report.cases["awaiting acceptance"] = waiting.code
    with rt.context() as ctx:
        cases.tick(ctx)
    report.cases["overdue"] = late.code
    with rt.context() as ctx:
        set_fact(ctx.db, FACT, ",".join(report.cases.values()))
    return report

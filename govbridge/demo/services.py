"""The demo city's service items (政务服务事项) with their BPMN processes.

Three cross-department matters, each with the process in `govbridge/services/processes/`:

- 企业开办: market regulation registers and issues the licence, then tax, the public
  security seal filing and social insurance proceed in parallel;
- 新生儿出生一件事: the birth medical certificate is checked, then the household
  registration, then the social security card and medical insurance in parallel;
- 工程建设项目竣工联合验收: the housing bureau leads; planning verification, fire
  acceptance and the fire brigade's site check run in parallel (with an overdue reminder
  timer), then the completion filing.

Materials that a department already holds name the demo's certificate types and datasets
(by their catalog name and provider); when the catalog has them, their resource codes are
bound. Loading needs the demo departments and is idempotent: a second run changes nothing,
except binding resource codes of datasets published since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

from sqlalchemy import select

from govbridge.catalog.models import Dataset
from govbridge.demo.departments import department
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx, Runtime
from govbridge.services import usecases
from govbridge.services.schemas import Material, Outcome, ServiceItemIn, ServiceItemUpdate


@dataclass(frozen=True)
class MaterialDef:
    key: str
    name: str
    kind: str
    # For certificate / dataset: (department key, catalog dataset name).
    source: tuple[str, str] | None = None
    required: bool = True


@dataclass(frozen=True)
class OutcomeDef:
    """The certificate the process issues: (department key, catalog dataset name) of its
    certificate type, the issuing service task, and how it is made out (schemas.Outcome)."""

    source: tuple[str, str]
    type_name: str
    task: str | None
    holder: str = "applicant"
    holder_name: str = "applicant_name"
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ServiceDef:
    suffix: str
    name: str
    lead: str
    participants: tuple[str, ...]
    bpmn: str
    promised_days: int
    legal_days: int
    materials: tuple[MaterialDef, ...]
    fee: Decimal = Decimal(0)
    outcome: OutcomeDef | None = None

    @property
    def code(self) -> str:
        return f"{department(self.lead).code}-{self.suffix}"


def _m(key: str, name: str, kind: str, source: tuple[str, str] | None = None,
       required: bool = True) -> MaterialDef:
    return MaterialDef(key, name, kind, source, required)


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef(
        "QY-001", "企业开办", "amr", ("tax", "psb", "hrss"), "enterprise_establishment.bpmn",
        promised_days=1, legal_days=15,
        materials=(
            _m("legal_rep_id", "法定代表人居民身份证", "certificate", ("psb", "居民身份证")),
            _m("premises_title", "住所（经营场所）不动产权证书", "certificate",
               ("nrp", "不动产权证书"), required=False),
            _m("application", "公司登记（备案）申请书", "form"),
            # 选用标准化章程的，章程随申请在线生成，无需上传。
            _m("articles", "公司章程（未选用标准化章程的）", "upload", required=False),
        ),
        outcome=OutcomeDef(
            ("amr", "营业执照"), "营业执照", "Activity_IssueLicence", holder="new_enterprise",
            holder_name="form:application.name",
            data=(("entity_name", "holder_name"), ("entity_type", "form:application.entity_type"),
                  ("legal_rep", "applicant_name"),
                  ("registered_capital", "form:application.registered_capital"),
                  ("established", "today"), ("address", "form:application.address"),
                  ("business_scope", "form:application.business_scope"),
                  ("authority", "issuer_name"), ("issue_date", "today")),
        ),
    ),
    ServiceDef(
        "GR-001", "新生儿出生一件事", "health", ("psb", "hrss", "hsa"), "newborn_birth.bpmn",
        promised_days=5, legal_days=20,
        materials=(
            _m("birth_certificate", "出生医学证明", "certificate", ("health", "出生医学证明")),
            _m("parents_id", "父母居民身份证", "certificate", ("psb", "居民身份证")),
            _m("household_register", "居民户口簿", "certificate", ("psb", "居民户口簿")),
            _m("marriage_certificate", "结婚证", "certificate", ("mca", "结婚证"),
               required=False),
            _m("population", "父母人口基本信息", "dataset", ("psb", "人口基本信息")),
            _m("application", "出生一件事联办申请表", "form"),
        ),
    ),
    ServiceDef(
        "GC-001", "工程建设项目竣工联合验收", "housing", ("nrp", "fire"),
        "joint_completion_acceptance.bpmn",
        promised_days=10, legal_days=20,
        materials=(
            _m("builder_licence", "建设单位营业执照", "certificate", ("amr", "营业执照")),
            _m("planning_permit", "建设工程规划许可证", "certificate",
               ("nrp", "建设工程规划许可证")),
            _m("contractor_qualification", "施工单位建筑施工企业资质证书", "certificate",
               ("housing", "建筑施工企业资质证书")),
            _m("as_built_drawings", "竣工图及竣工测量成果", "upload"),
            _m("application", "竣工联合验收申请表", "form"),
        ),
    ),
)


@dataclass
class DemoServices:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def process_xml(filename: str) -> str:
    """A demo process's BPMN document, from the package data."""
    return (resources.files("govbridge.services") / "processes" / filename).read_text("utf-8")


def _resource_code(ctx: Ctx, source: tuple[str, str] | None) -> str | None:
    if source is None:
        return None
    dept_key, name = source
    return ctx.db.scalar(
        select(Dataset.resource_code)
        .join(Organization, Organization.id == Dataset.provider_id)
        .where(Organization.code == department(dept_key).code, Dataset.name == name)
        .order_by(Dataset.id)
        .limit(1)
    )


def _materials(ctx: Ctx, spec: ServiceDef) -> list[Material]:
    return [
        Material(key=m.key, name=m.name, kind=m.kind,  # type: ignore[arg-type]
                 resource_code=_resource_code(ctx, m.source), required=m.required)
        for m in spec.materials
    ]


def _outcome(ctx: Ctx, spec: ServiceDef) -> Outcome | None:
    o = spec.outcome
    if o is None:
        return None
    return Outcome(type_name=o.type_name, certificate_type=_resource_code(ctx, o.source),
                   task=o.task, holder=o.holder, holder_name=o.holder_name,  # type: ignore[arg-type]
                   data=dict(o.data))


def _load_one(ctx: Ctx, actor: Actor, spec: ServiceDef, report: DemoServices) -> None:
    materials = _materials(ctx, spec)
    outcome = _outcome(ctx, spec)
    code = spec.code
    existing = next((i for i in usecases.list_service_items(ctx, actor) if i.code == code), None)
    if existing is None:
        usecases.create_service_item(ctx, actor, ServiceItemIn(
            code=code, name=spec.name, lead_org_code=department(spec.lead).code,
            participating_org_codes=[department(k).code for k in spec.participants],
            materials=materials, promised_days=spec.promised_days,
            legal_days=spec.legal_days, fee=spec.fee,
        ))
        report.created.append(code)
    elif [m.model_dump() for m in existing.materials] != [m.model_dump() for m in materials]:
        usecases.update_service_item(ctx, actor, code, ServiceItemUpdate(materials=materials))
        report.updated.append(code)
    else:
        report.unchanged.append(code)
    before = existing.current_version if existing else None
    version = usecases.import_bpmn(ctx, actor, code, process_xml(spec.bpmn))
    if existing is not None and version.version != before and code not in report.updated:
        report.unchanged.remove(code)
        report.updated.append(code)
    if outcome is not None and (existing is None or existing.outcome != outcome):
        usecases.update_service_item(ctx, actor, code, ServiceItemUpdate(outcome=outcome))
    if existing is None or existing.status == "draft":
        usecases.update_service_item(ctx, actor, code, ServiceItemUpdate(status="published"))


def load_demo_services(rt: Runtime, actor: Actor | None = None) -> DemoServices:
    """Define the demo service items and import their processes (idempotent).

    Needs the demo departments (`load_demo_city` first); binds the resource codes of
    whichever of the named datasets the catalog holds.
    """
    actor = actor or Actor.operator("demo")
    report = DemoServices()
    with rt.context() as ctx:
        for spec in SERVICES:
            _load_one(ctx, actor, spec, report)
    return report


def demo_service(code_or_suffix: str) -> ServiceDef:
    """A demo service by its code or its suffix (e.g. "QY-001")."""
    for spec in SERVICES:
        if code_or_suffix in (spec.code, spec.suffix):
            return spec
    raise KeyError(code_or_suffix)


"""The demo city's governance data: more service items (so the certificate co-occurrence
graph has a shape), a year of finished cases behind every published item (so scorecards,
demand and outcomes show trends), and the bureau's points grants.

The seven extra items reuse the three demo processes with the same departments (the
processes' lanes name them), each requiring certificates and datasets the demo catalog
holds. The history is drawn by `analytics.synthetic` from the city's seed and written in
bulk (`analytics.history`): about 5,700 cases with their materials and timelines in
three seconds or so, never through the process engine. Idempotent: a fact records that it ran,
and a second run adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govbridge.analytics import synthetic
from govbridge.analytics.history import item_specs, write_history
from govbridge.demo.departments import department
from govbridge.demo.services import DemoServices, ServiceDef, _load_one, _m
from govbridge.governance import points
from govbridge.governance.schemas import GrantIn
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.registry.models import Person
from govbridge.runtime import Runtime
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.governance"
HISTORY_DAYS = 365
PER_DAY = 20.0
APPLICANT_POOL = 3000

EXTRA_SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef(
        "QY-002", "企业变更登记", "amr", ("tax", "psb", "hrss"), "enterprise_establishment.bpmn",
        promised_days=3, legal_days=15,
        materials=(
            _m("licence", "营业执照", "certificate", ("amr", "营业执照")),
            _m("legal_rep_id", "法定代表人居民身份证", "certificate", ("psb", "居民身份证")),
            _m("premises_title", "住所不动产权证书", "certificate", ("nrp", "不动产权证书")),
            _m("tax_certificate", "纳税证明", "certificate", ("tax", "纳税证明")),
            _m("application", "变更登记申请书", "form"),
        ),
    ),
    ServiceDef(
        "QY-003", "食品经营许可", "amr", ("tax", "psb", "hrss"), "enterprise_establishment.bpmn",
        promised_days=5, legal_days=20,
        materials=(
            _m("licence", "营业执照", "certificate", ("amr", "营业执照")),
            _m("legal_rep_id", "法定代表人居民身份证", "certificate", ("psb", "居民身份证")),
            _m("premises_title", "经营场所不动产权证书", "certificate", ("nrp", "不动产权证书")),
            _m("layout", "经营场所平面布局图", "upload"),
            _m("application", "食品经营许可申请书", "form"),
        ),
    ),
    ServiceDef(
        "QY-004", "企业注销一件事", "amr", ("tax", "psb", "hrss"), "enterprise_establishment.bpmn",
        promised_days=5, legal_days=20,
        materials=(
            _m("licence", "营业执照", "certificate", ("amr", "营业执照")),
            _m("tax_certificate", "清税证明", "certificate", ("tax", "纳税证明")),
            _m("insurance", "单位社会保险参保缴费证明", "certificate",
               ("hrss", "单位社会保险参保缴费证明")),
            _m("application", "注销登记申请书", "form"),
        ),
    ),
    ServiceDef(
        "GR-002", "生育登记", "health", ("psb", "hrss", "hsa"), "newborn_birth.bpmn",
        promised_days=3, legal_days=10,
        materials=(
            _m("parents_id", "夫妻双方居民身份证", "certificate", ("psb", "居民身份证")),
            _m("marriage_certificate", "结婚证", "certificate", ("mca", "结婚证")),
            _m("household_register", "居民户口簿", "certificate", ("psb", "居民户口簿")),
            _m("application", "生育登记表", "form"),
        ),
    ),
    ServiceDef(
        "GR-003", "困难群众医疗救助", "health", ("psb", "hrss", "hsa"), "newborn_birth.bpmn",
        promised_days=5, legal_days=20,
        materials=(
            _m("id_card", "居民身份证", "certificate", ("psb", "居民身份证")),
            _m("allowance", "最低生活保障证", "certificate", ("mca", "最低生活保障证")),
            _m("disability", "残疾人证", "certificate", ("mca", "残疾人证"), required=False),
            _m("social_card", "社会保障卡", "certificate", ("hrss", "社会保障卡")),
            _m("invoices", "医疗费用票据", "upload"),
        ),
    ),
    ServiceDef(
        "GC-002", "建筑工程施工许可", "housing", ("nrp", "fire"),
        "joint_completion_acceptance.bpmn", promised_days=7, legal_days=15,
        materials=(
            _m("builder_licence", "建设单位营业执照", "certificate", ("amr", "营业执照")),
            _m("planning_permit", "建设工程规划许可证", "certificate",
               ("nrp", "建设工程规划许可证")),
            _m("land_title", "不动产权证书", "certificate", ("nrp", "不动产权证书")),
            _m("contractor_qualification", "施工企业资质证书", "certificate",
               ("housing", "建筑施工企业资质证书")),
            _m("drawings", "施工图设计文件审查合格书", "upload"),
        ),
    ),
    ServiceDef(
        "GC-003", "商品房预售许可", "housing", ("nrp", "fire"),
        "joint_completion_acceptance.bpmn", promised_days=10, legal_days=20,
        materials=(
            _m("builder_licence", "开发企业营业执照", "certificate", ("amr", "营业执照")),
            _m("land_title", "不动产权证书", "certificate", ("nrp", "不动产权证书")),
            _m("planning_permit", "建设工程规划许可证", "certificate",
               ("nrp", "建设工程规划许可证")),
            _m("tax_certificate", "纳税证明", "certificate", ("tax", "纳税证明")),
        ),
    ),
)
# Relative demand of the items (企业开办 the busiest, as in every city).
WEIGHTS = {"QY-001": 6.0, "QY-002": 4.0, "QY-003": 3.0, "QY-004": 1.5, "GR-001": 3.0,
           "GR-002": 2.5, "GR-003": 1.0, "GC-001": 0.6, "GC-002": 0.8, "GC-003": 0.4}
GRANTS = (("amr", 500), ("psb", 500), ("health", 300), ("housing", 300), ("tax", 200))


def load_demo_governance(rt: Runtime, seed: int) -> dict[str, int]:
    """Extra items, a year of case history and the points grants (once per data directory)."""
    actor = Actor.operator("demo")
    with rt.context() as ctx:
        if get_fact(ctx.db, FACT) is not None:
            return {}
        if org_by_code(ctx, department("bureau").code) is None:
            return {}  # no demo city here
    report = DemoServices()
    with rt.context() as ctx:
        for spec in EXTRA_SERVICES:
            _load_one(ctx, actor, spec, report)
    with rt.context() as ctx:
        specs = item_specs(ctx.db, {code: w for code, w in _weights().items()})
        applicants = [(p.id_number, p.name) for p in ctx.db.scalars(
            select(Person).order_by(Person.id_number).limit(APPLICANT_POOL))]
        if not specs or not applicants:
            return {}
        end = ctx.now().date() - timedelta(days=2)
        drawn = synthetic.draw(specs, applicants, start=end - timedelta(days=HISTORY_DAYS),
                               days=HISTORY_DAYS, per_day=PER_DAY, seed=seed)
        written = write_history(ctx.db, drawn)
        bureau = org_by_code(ctx, department("bureau").code)
        assert bureau is not None
        for key, amount in GRANTS:
            points.grant(ctx, actor, GrantIn(department=department(key).code, amount=amount,
                                             reason="年度共享积分初始额度",
                                             source=bureau.code))
        set_fact(ctx.db, FACT, str(written))
    return {"items": len(report.created), "cases": written}


def _weights() -> dict[str, float]:
    from govbridge.demo.services import SERVICES

    out = {}
    for spec in (*SERVICES, *EXTRA_SERVICES):
        out[spec.code] = WEIGHTS.get(spec.suffix, 1.0)
    return out

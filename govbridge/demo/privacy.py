"""The demo city's privacy computing: three hospitals with synthetic health records, and the
three demo computations `govbridge privacy demo` runs end to end.

Loaded (`load_demo_privacy`, idempotent: a fact records it) after the city: three public
hospitals under the health commission (卫健委), each with a data officer
(`officer.hospital1..3`, the demo password), five health data elements, and each
hospital's published dataset of check-up records (about 400 of the city's persons each,
400-500 rows; age, BMI, systolic blood pressure, fasting glucose and a diabetes
diagnosis drawn from a logistic model of them, so a model can learn it). Adds ~1.5 s.

The computations (`DEMO_JOBS`), each proposed by its receiver, approved by every party,
run, and compared with the same computed in the clear (`plain`, for comparison only):
1. `psi.sum`: which 低保 recipients (民政局) own real estate (自然资源和规划局), and their
   total floor area — revealed to 民政局;
2. `aggregate.histogram`: the age distribution of the three hospitals' patients —
   revealed to 卫健委;
3. `federated.logistic`: a diabetes-risk model trained across the three hospitals —
   revealed to 卫健委, with the pooled model's AUC beside it.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from govbridge.catalog import usecases as catalog
from govbridge.catalog.models import Dataset
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.identifiers import make_credit_code
from govbridge.core.permissions import Role
from govbridge.identity import organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.identity.schemas import OrganizationCreate, UserCreate
from govbridge.runtime import Ctx, Runtime
from govbridge.standards.schemas import ElementIn
from govbridge.standards.usecases import _latest, register_element
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.privacy"
REFERENCE = date(2026, 11, 23)
PATIENTS = 420


@dataclass(frozen=True)
class Hospital:
    key: str
    org_body: str
    name: str
    name_en: str
    division: str


HOSPITALS = (
    Hospital("hospital1", "MB1K0108", "苏州市立医院", "Suzhou Municipal Hospital", "320508"),
    Hospital("hospital2", "MB1K0213", "苏州市吴中人民医院", "Wuzhong People's Hospital", "320506"),
    Hospital("hospital3", "MB1K0329", "苏州市相城人民医院", "Xiangcheng People's Hospital",
             "320507"),
)

ELEMENTS = (
    ElementIn(code="DE0311", name_zh="年龄（岁）", name_en="Age (years)", data_type="integer",
              category="person", min_value="0", max_value="130", suggested_grade="general-2"),
    ElementIn(code="DE0312", name_zh="体重指数", name_en="Body mass index", data_type="decimal",
              category="other", min_value="10", max_value="80", suggested_grade="important"),
    ElementIn(code="DE0313", name_zh="收缩压（mmHg）", name_en="Systolic blood pressure",
              data_type="integer", category="other", min_value="50", max_value="260",
              suggested_grade="important"),
    ElementIn(code="DE0314", name_zh="空腹血糖（mmol/L）", name_en="Fasting glucose",
              data_type="decimal", category="other", min_value="1", max_value="40",
              suggested_grade="important"),
    ElementIn(code="DE0315", name_zh="糖尿病诊断（1 是 0 否）", name_en="Diabetes diagnosis",
              data_type="integer", category="other", min_value="0", max_value="1",
              suggested_grade="important"),
)
FEATURES = ["age", "bmi", "sbp", "glucose"]
LABEL = "diabetes"


def hospital_code(h: Hospital) -> str:
    return make_credit_code("12", "320500", h.org_body)


def health_entry(h: Hospital) -> dict[str, Any]:
    return {
        "name": f"{h.name}体检与诊断指标（演示）",
        "name_en": f"{h.name_en}: check-up measures and diagnoses (demo)",
        "abstract": "门诊与体检记录中的年龄、体重指数、收缩压、空腹血糖和糖尿病诊断；"
                    "个人健康信息不予共享，仅可在隐私计算任务中可用不可见地使用。",
        "classification": "310001002",
        "share_type": "none",
        "legal_basis": "《中华人民共和国基本医疗卫生与健康促进法》第九十二条",
        "subject_type": "person",
        "subject_field": "id_number",
        "update_frequency": "monthly",
        "keywords": ["健康", "体检", "糖尿病", "隐私计算"],
        "fields": [
            {"name": "id_number", "title": "公民身份号码", "element": "DE0002", "required": True,
             "grade": "important"},
            {"name": "age", "title": "年龄（岁）", "element": "DE0311", "grade": "general-2"},
            {"name": "bmi", "title": "体重指数", "element": "DE0312", "grade": "important"},
            {"name": "sbp", "title": "收缩压（mmHg）", "element": "DE0313", "grade": "important"},
            {"name": "glucose", "title": "空腹血糖（mmol/L）", "element": "DE0314",
             "grade": "important"},
            {"name": "diabetes", "title": "糖尿病诊断", "element": "DE0315", "grade": "important"},
        ],
    }


def health_rows(seed: int, k: int, ids: list[tuple[str, date]]) -> list[dict[str, Any]]:
    """Check-up rows for persons (id, birth date): risk rises with age, BMI, blood pressure
    and glucose; each hospital's patients a little different (k shifts BMI and age)."""
    rnd = random.Random(f"{seed}:privacy:{k}")  # noqa: S311 - reproducible demo data
    rows = []
    for id_number, birth in ids:
        age = max(REFERENCE.year - birth.year, 1)
        bmi = round(rnd.gauss(23.5 + k * 0.8, 3.5), 1)
        sbp = int(rnd.gauss(112 + age * 0.45, 13))
        glucose = round(max(rnd.gauss(4.9 + 0.012 * age + 0.05 * (bmi - 23), 0.8), 2.5), 1)
        z = (-1.6 + 0.05 * (age - 45) + 0.15 * (bmi - 24) + 0.02 * (sbp - 130)
             + 1.5 * (glucose - 5.4))
        diabetes = int(rnd.random() < 1 / (1 + math.exp(-z)))
        rows.append({"id_number": id_number, "age": age, "bmi": str(bmi), "sbp": sbp,
                     "glucose": str(glucose), "diabetes": diabetes})
    return rows


def load_demo_privacy(rt: Runtime, seed: int) -> bool:
    """The hospitals, their officers, the health elements and datasets; False if loaded."""
    from govbridge.demo.departments import department
    from govbridge.demo.load import DATA_PERSONS, _staff_actor
    from govbridge.demo.load import FACT as CITY_FACT
    from govbridge.demo.people import iter_persons
    from govbridge.ingest.pipeline import ingest_rows

    with rt.context() as ctx:
        if get_fact(ctx.db, FACT) is not None:
            return False
        operator = Actor.operator("demo-loader")
        for spec in ELEMENTS:
            if _latest(ctx, spec.code) is None:
                register_element(ctx, operator, spec)
        health = department("health").code
        admin = _staff_actor(ctx, "admin", Role.BUREAU_ADMIN)
        city = json.loads(get_fact(ctx.db, CITY_FACT) or "{}")
        if "datasets" not in city:  # a city without its datasets gets them first
            return False
        persons = list(iter_persons(seed, min(int(city.get("persons", DATA_PERSONS)),
                                              DATA_PERSONS)))
        published = {}
        for k, h in enumerate(HOSPITALS):
            code = hospital_code(h)
            if organizations.org_by_code(ctx, code) is None:
                organizations.create_organization(ctx, operator, OrganizationCreate(
                    code=code, name=h.name, name_en=h.name_en, level="city",
                    division_code="320500", parent_code=health))
            username = f"officer.{h.key}"
            if ctx.db.scalar(select(User.id).where(User.username == username)) is None:
                from govbridge.demo.accounts import DEMO_PASSWORD

                users.create_user(ctx, operator, UserCreate(
                    username=username, display_name=f"{h.name}首席数据官",
                    password=DEMO_PASSWORD, roles=[Role.DATA_OFFICER],
                    organization_code=code))
            officer = _staff_actor(ctx, username, Role.DATA_OFFICER)
            made = catalog.create_dataset(ctx, officer, DatasetIn(**health_entry(h)))
            catalog.submit(ctx, officer, made.resource_code)
            catalog.review(ctx, admin, made.resource_code, approve=True, comment="演示城市隐私计算")
            # Person 0 (the demo citizen) is a patient of the first hospital.
            chosen = [p for i, p in enumerate(persons)
                      if (i == 0 and k == 0) or (i and int(hashlib.sha256(
                          f"{seed}:{i}".encode()).hexdigest(), 16) % 3 == k)][:PATIENTS]
            ingest_rows(ctx, officer, made.resource_code,
                        health_rows(seed, k, [(p.id_number, p.birth_date) for p in chosen]),
                        source="upload", filename=f"{h.key}.json")
            published[h.key] = made.resource_code
        set_fact(ctx.db, FACT, json.dumps({"seed": seed, "datasets": published}))
    return True


def _dataset(ctx: Ctx, name: str, provider_code: str) -> Dataset:
    ds = ctx.db.scalar(select(Dataset).join(Organization, Organization.id == Dataset.provider_id)
                       .where(Dataset.name == name, Organization.code == provider_code))
    if ds is None:
        raise LookupError(f"demo dataset {name} is missing; run `govbridge demo` first")
    return ds


def demo_jobs(ctx: Ctx) -> list[dict[str, Any]]:
    """The three demo jobs as `JobIn` data, with who proposes and who approves each."""
    from govbridge.demo.departments import department

    mca, nrp, health = (department(k).code for k in ("mca", "nrp", "health"))
    dibao = _dataset(ctx, "最低生活保障证", mca).resource_code
    estate = _dataset(ctx, "不动产权证书", nrp).resource_code
    hospitals = [(hospital_code(h), _dataset(ctx, health_entry(h)["name"], hospital_code(h))
                  .resource_code, h.key) for h in HOSPITALS]
    return [
        {"proposer": "officer.mca", "approvers": ["officer.mca", "officer.nrp"], "job": {
            "computation": "psi.sum", "receiver": mca,
            "purpose": "低保对象家庭财产核查：登记有不动产的低保对象名单及其建筑面积合计",
            "params": {"decimals": 2},
            "parties": [{"org_code": mca, "resource_code": dibao, "key_field": "id_number"},
                        {"org_code": nrp, "resource_code": estate, "key_field": "id_number",
                         "value_field": "area"}]}},
        {"proposer": "officer.health", "approvers": [f"officer.{k}" for *_, k in hospitals],
         "job": {
            "computation": "aggregate.histogram", "receiver": health,
            "purpose": "全市三家医院就诊人群年龄分布统计（卫生健康统计调查）",
            "params": {"edges": [0, 18, 35, 50, 65, 80, 120], "decimals": 0},
            "parties": [{"org_code": c, "resource_code": r, "value_field": "age"}
                        for c, r, _ in hospitals]}},
        {"proposer": "officer.health", "approvers": [f"officer.{k}" for *_, k in hospitals],
         "job": {
            "computation": "federated.logistic", "receiver": health,
            "purpose": "糖尿病风险预测模型联合训练（慢病筛查），数据不出医院",
            "params": {"rounds": 10, "local_epochs": 5, "lr": 0.5, "seed": 7, "holdout": 0.25},
            "parties": [{"org_code": c, "resource_code": r, "features": FEATURES,
                         "label": LABEL} for c, r, _ in hospitals]}},
    ]


# ---- running the demo computations -----------------------------------------------------


def _actor(ctx: Ctx, username: str) -> Actor:
    user = ctx.db.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"demo account {username} is missing; run `govbridge demo` first")
    return Actor.for_user(user_id=user.id, username=user.username,
                          roles=frozenset(Role(r) for r in user.roles),
                          organization_id=user.organization_id, subject_id=None)


def plain(ctx: Ctx, job: dict[str, Any]) -> dict[str, Any]:
    """The same computation in the clear from the demo's rows (for comparison only)."""
    from govbridge.privacy import aggregation, learning, sharing
    from govbridge.privacy.party import load_rows
    from govbridge.privacy.psi import normalise

    url = ctx.db.get_bind().engine.url.render_as_string(hide_password=False)
    parts = []
    for p in job["parties"]:
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == p["resource_code"]))
        assert ds is not None
        fields = [f for f in (p.get("key_field"), p.get("value_field"), *p.get("features", ()),
                              p.get("label")) if f]
        parts.append(load_rows({"kind": "store", "database_url": url, "dataset_id": ds.id},
                               fields))
    computation, params = job["computation"], job.get("params", {})
    if computation.startswith("psi."):
        me, other = job["parties"]
        mine = {normalise(r[me["key_field"]]) for r in parts[0] if r.get(me["key_field"])}
        found = sorted(mine & {normalise(r[other["key_field"]]) for r in parts[1]
                               if r.get(other["key_field"])})
        out: dict[str, Any] = {"count": len(found)}
        if computation == "psi.sum":
            total = sum(sharing.to_fixed(r[other["value_field"]], params.get("decimals", 2))
                        for r in parts[1] if normalise(r[other["key_field"]]) in set(found)
                        and r.get(other["value_field"]) not in (None, ""))
            out["sum"] = sharing.from_fixed(total, params.get("decimals", 2))
        return out
    if computation.startswith("aggregate."):
        vectors = [aggregation.local_vector(computation, rows, p.get("value_field"), params)
                   for rows, p in zip(parts, job["parties"], strict=True)]
        total = [sharing.decode(sum(v[k] for v in vectors)) for k in range(len(vectors[0]))]
        if computation == "aggregate.histogram":
            return {"counts": total[:-1], "count": total[-1]}
        return {"total": total}
    first = job["parties"][0]
    return learning.pooled(parts, list(first["features"]), first["label"], computation, params)


def run_demo(rt: Runtime) -> list[dict[str, Any]]:
    """Create, approve (every party) and run the three demo jobs; each with its plain twin."""
    from govbridge.privacy import usecases

    with rt.context() as ctx:
        specs = demo_jobs(ctx)
    out = []
    for spec in specs:
        with rt.context() as ctx:
            proposer = _actor(ctx, spec["proposer"])
            code = usecases.create_job(ctx, proposer, spec["job"]).code
        for username in spec["approvers"]:
            with rt.context() as ctx:
                usecases.decide(ctx, _actor(ctx, username), code, {"decision": "approve"})
        ran = usecases.run_job(rt, proposer, code)
        with rt.context() as ctx:
            shown = usecases.get_job(ctx, proposer, code)
            clear = plain(ctx, spec["job"])
        result = shown.result
        if spec["job"]["computation"].startswith("federated.") and result:
            fed = [m["auc"] for m in result["metrics"].values() if m["auc"] is not None]
            pooled_auc = [m["auc"] for m in clear["metrics"] if m["auc"] is not None]
            clear["auc_ratio"] = round((sum(fed) / len(fed)) / (sum(pooled_auc) /
                                                                len(pooled_auc)), 4)
        out.append({"computation": shown.computation, "job": code, "state": shown.state,
                    "result": result, "plain": clear, "receipt": shown.receipt,
                    "seconds": ran.relay.seconds})
    return out

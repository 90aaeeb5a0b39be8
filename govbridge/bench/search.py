"""Benchmark catalog search: p50/p95 latency over N published datasets.

Baseline in the same run: the home-grown way, `LIKE '%word%'` over names and
abstracts returning every match (as a total needs), which finds substrings but
cannot rank, match several words or count facets.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from govbridge.bench.machine import describe
from govbridge.catalog import index
from govbridge.catalog.models import Dataset, DatasetVersion
from govbridge.catalog.search import search
from govbridge.config import Settings
from govbridge.core.identifiers import credit_code_check_char
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Runtime
from govbridge.storage.engine import make_engine
from govbridge.storage.migrate import upgrade

SUBJECTS = [
    "企业",
    "个体工商户",
    "居民",
    "新生儿",
    "学生",
    "教师",
    "医师",
    "驾驶人",
    "纳税人",
    "参保人员",
    "社会组织",
    "建设项目",
    "不动产",
    "排污单位",
    "食品经营者",
    "药品经营企业",
    "道路运输企业",
    "危险化学品企业",
    "养老机构",
    "幼儿园",
]
THINGS = [
    "营业执照",
    "登记",
    "许可证",
    "备案",
    "年报",
    "资质证书",
    "检查结果",
    "处罚决定",
    "信用评价",
    "补贴发放",
    "缴费记录",
    "变更记录",
    "注销信息",
    "证明",
    "统计",
]
SUFFIXES = ["信息", "数据", "目录", "明细", "汇总"]
QUERIES = [
    "营业执照",
    "许可证",
    "不动产登记",
    "纳税人 信用",
    "新生儿 证明",
    "business",
    "资质",
    "处罚",
    "缴费",
    "幼儿园 备案",
]


def _populate(rt: Runtime, n: int, progress: Callable[[int], None]) -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible bench data, not secrets
    with rt.context() as ctx:
        orgs = []
        for i in range(12):
            body = f"11320500BENCH{i:04d}"
            org = Organization(
                code=body + credit_code_check_char(body), name=f"苏州市第{i}局", level="city"
            )
            ctx.db.add(org)
            orgs.append(org)
        ctx.db.flush()
        for i in range(n):
            name = f"{rng.choice(SUBJECTS)}{rng.choice(THINGS)}{rng.choice(SUFFIXES)}（{i:05d}）"
            fields = [
                {
                    "name": "subject_id",
                    "title": "统一社会信用代码",
                    "element": "DE0020",
                    "element_version": 1,
                    "data_type": "string",
                    "max_length": 18,
                    "required": True,
                    "grade": "general-1",
                    "description": None,
                },
                {
                    "name": "item",
                    "title": rng.choice(THINGS) + "编号",
                    "element": "DE0060",
                    "element_version": 1,
                    "data_type": "string",
                    "max_length": 64,
                    "required": False,
                    "grade": rng.choice(["general-1", "general-2", "important"]),
                    "description": None,
                },
            ]
            ds = Dataset(
                resource_code=f"301001001/{i:06d}",
                name=name,
                name_en=None,
                abstract=f"{name}，由{orgs[i % 12].name}提供，按日更新。",
                provider=orgs[i % 12],
                format=rng.choice(["database", "api", "file"]),
                share_type=rng.choice(["unconditional", "conditional"]),
                share_method="api",
                update_frequency="daily",
                subject_type="enterprise",
                subject_field="subject_id",
                key_field="subject_id",
                keywords=[rng.choice(THINGS)],
                related_codes=[],
                status="published",
                grade=fields[1]["grade"],
                published_version=1,
                created_by="bench",
            )
            ds.versions = [
                DatasetVersion(version=1, status="published", fields=fields, grade=ds.grade)
            ]
            ctx.db.add(ds)
            ctx.db.flush()
            index.reindex(ctx, ds, fields)
            if i % 500 == 0:
                progress(500)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def run(
    database_url: str,
    home: Path,
    datasets: int = 10_000,
    rounds: int = 20,
    progress: Callable[[int], None] = lambda _n: None,
) -> dict[str, Any]:
    engine = make_engine(database_url)
    upgrade(engine)
    rt = Runtime(Settings(home=home, database_url=database_url), engine=engine)
    _populate(rt, datasets, progress)
    actor = Actor.operator("bench")
    ours: list[float] = []
    naive: list[float] = []
    hits: dict[str, int] = {}
    for _ in range(rounds):
        for q in QUERIES:
            with rt.context() as ctx:
                started = time.perf_counter()
                result = search(ctx, actor, q, limit=20)
                ours.append(time.perf_counter() - started)
                hits[q] = result.total
                started = time.perf_counter()
                like = f"%{q.split()[0]}%"
                list(
                    ctx.db.execute(
                        select(Dataset.id, Dataset.name)
                        .where(
                            Dataset.status == "published",
                            or_(Dataset.name.like(like), Dataset.abstract.like(like)),
                        )
                        .limit(20)
                    )
                )
                naive.append(time.perf_counter() - started)
    engine.dispose()
    mine, base = _percentiles(ours), _percentiles(naive)
    return {
        "datasets": datasets,
        "queries": len(ours),
        "backend": engine.dialect.name,
        "search": mine,
        "baseline_like": base,
        "p50_ratio_to_like": round(mine["p50_ms"] / max(base["p50_ms"], 1e-6), 2),
        "hits": hits,
        "machine": describe(),
    }

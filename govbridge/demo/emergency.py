"""The demo city's 防汛 (flood-control) scenario: gauges, rules, the 防汛预案, a recorded storm.

`load_demo_emergency(rt, seed)` (called at the end of `load_demo_city`, idempotent: a fact
marks it done, a second run adds nothing; well under a second) adds:
- 苏州市气象局 (rain gauges) and 苏州市水务局 (the city's water authority, 水利: river and
  lake levels), each with a data officer (officer.cma, officer.water), and their two
  stream datasets in the catalog (`emergency.streams`), published;
- 22 stations over nine districts: 12 rain gauges, 7 river and 3 lake (reservoir) level
  stations, each with its warning level (Suzhou's 警戒水位 lie around 3.6-4.2 m);
- the 防汛IV级应急响应预案 (`flood-iv`), commanded by 苏州市应急管理局, requesting people,
  vehicles, pumps, sandbags, shelters and boats from seven departments;
- four live rules: 3-hour rainfall > 50 mm (window, 气象局), a level rising 0.3 m within
  an hour (rate, 水务局), a level at its warning level (threshold, 水务局), and rain over
  50 mm in 3 hours AND a river within 0.5 m of its warning level in the same district
  within 3 hours (join, 应急管理局, dispatching the plan at once).

`storm(seed, start)` is the recorded storm, generated (not stored: ~12,700 readings would
be a large committed file): a rain band crossing the city from south-west to north-east
over 48 hours, 5-minute readings per station, rivers and lakes answering the rain with a
lag; every 40th reading arrives late (20 minutes after its neighbours), as gauges on a
flaky link do. The same seed and start give the same readings, byte for byte, so a
second replay adds nothing (each message is identified by its content hash).
`replay` feeds it through the real stream store in micro-batches and runs the rules
after each one: the storm fires the rules, opens incidents and dispatches the plan.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from govbridge.catalog import usecases as catalog
from govbridge.core.identifiers import make_credit_code
from govbridge.core.permissions import Role
from govbridge.emergency import incidents, rulebook
from govbridge.emergency.consumer import evaluate_pending
from govbridge.emergency.models import Dispatch, Incident
from govbridge.emergency.schemas import PlanIn
from govbridge.emergency.streams import ensure_elements, rain_dataset, river_dataset
from govbridge.identity import organizations
from govbridge.identity.actor import Actor
from govbridge.identity.schemas import OrganizationCreate
from govbridge.ingest.stream_messages import Topology
from govbridge.ingest.stream_store import process_messages
from govbridge.runtime import Ctx, Runtime
from govbridge.storage.meta import get_fact, set_fact

FACT = "demo.emergency"
STORM_START = datetime(2025, 7, 10, 0, 0, tzinfo=UTC)  # 08:00 China time
STORM_HOURS = 48
STEP_MINUTES = 5
MICRO_BATCH = 500

CMA = ("cma", make_credit_code("12", "320500", "46601230"), "苏州市气象局",
       "Suzhou Meteorological Bureau")
WATER = ("water", make_credit_code("11", "320500", "01416171"), "苏州市水务局",
         "Suzhou Water Affairs Bureau")


@dataclass(frozen=True)
class StationSpec:
    code: str
    name: str
    kind: str  # rain | river | reservoir
    district: str
    lat: float
    lon: float
    warning: float = 0.0  # m, levels only
    base: float = 0.0  # m, normal level


STATIONS: tuple[StationSpec, ...] = (
    StationSpec("YL-GS-01", "姑苏区平江路雨量站", "rain", "320508", 31.318, 120.630),
    StationSpec("YL-GS-02", "姑苏区胥门雨量站", "rain", "320508", 31.295, 120.600),
    StationSpec("YL-HQ-01", "虎丘区枫桥雨量站", "rain", "320505", 31.330, 120.540),
    StationSpec("YL-WZ-01", "吴中区木渎雨量站", "rain", "320506", 31.265, 120.520),
    StationSpec("YL-WZ-02", "吴中区东山雨量站", "rain", "320506", 31.080, 120.420),
    StationSpec("YL-XC-01", "相城区元和雨量站", "rain", "320507", 31.380, 120.640),
    StationSpec("YL-WJ-01", "吴江区松陵雨量站", "rain", "320509", 31.000, 120.650),
    StationSpec("YL-WJ-02", "吴江区盛泽雨量站", "rain", "320509", 30.900, 120.650),
    StationSpec("YL-KS-01", "昆山市玉山雨量站", "rain", "320583", 31.380, 120.960),
    StationSpec("YL-CS-01", "常熟市虞山雨量站", "rain", "320581", 31.650, 120.750),
    StationSpec("YL-ZJG-01", "张家港市杨舍雨量站", "rain", "320582", 31.870, 120.550),
    StationSpec("YL-TC-01", "太仓市城厢雨量站", "rain", "320585", 31.460, 121.100),
    StationSpec("SW-GS-01", "苏州（觅渡桥）水位站", "river", "320508", 31.290, 120.640, 3.80, 3.05),
    StationSpec("SW-GS-02", "外城河阊门水位站", "river", "320508", 31.315, 120.605, 3.70, 3.00),
    StationSpec("SW-WZ-01", "胥江木渎水位站", "river", "320506", 31.262, 120.515, 3.90, 3.10),
    StationSpec("SW-XC-01", "元和塘水位站", "river", "320507", 31.385, 120.645, 3.80, 3.05),
    StationSpec("SW-WJ-01", "太浦河平望水位站", "river", "320509", 30.970, 120.640, 3.70, 2.95),
    StationSpec("SW-KS-01", "娄江昆山水位站", "river", "320583", 31.390, 120.950, 3.60, 2.90),
    StationSpec("SW-CS-01", "望虞河常熟水位站", "river", "320581", 31.640, 120.760, 3.80, 3.00),
    StationSpec("HK-TH-01", "太湖西山水位站", "reservoir", "320506", 31.130, 120.300, 4.10,
                3.35),
    StationSpec("HK-YC-01", "阳澄湖湘城水位站", "reservoir", "320507", 31.470, 120.700, 4.00,
                3.20),
    StationSpec("HK-DS-01", "淀山湖商榻水位站", "reservoir", "320583", 31.100, 120.950, 3.90,
                3.10),
)

# The 防汛IV级应急响应预案: department key → (task, resources, minutes to respond).
PLAN_LINES: tuple[tuple[str, str, dict[str, int], int], ...] = (
    ("fire", "城区排涝抢险、被困人员救援",
     {"people": 60, "pumps": 8, "boats": 4, "vehicles": 6}, 20),
    ("housing", "下穿隧道、地下空间积水抽排", {"people": 40, "pumps": 10, "vehicles": 4}, 30),
    ("mca", "开放应急避难场所，转移安置群众", {"shelters": 8, "people": 30}, 30),
    ("transport", "封闭积水路段，调度转移车辆", {"vehicles": 20, "people": 25}, 30),
    ("psb", "交通管制和转移秩序维护", {"people": 80, "vehicles": 15}, 20),
    ("health", "医疗救护待命", {"people": 30, "vehicles": 8}, 30),
    ("water", "闸站调度，堤防巡查，沙袋封堵", {"people": 50, "sandbags": 5000, "pumps": 6}, 20),
)


def _org(ctx: Ctx, key: str) -> Any:
    from govbridge.demo.departments import department

    if key in (CMA[0], WATER[0]):
        code = CMA[1] if key == CMA[0] else WATER[1]
    else:
        code = department(key).code
    return organizations.org_by_code(ctx, code)


def _ensure_departments(ctx: Ctx, actor: Actor) -> None:
    from govbridge.demo.accounts import DEMO_PASSWORD
    from govbridge.identity import users
    from govbridge.identity.models import User
    from govbridge.identity.schemas import UserCreate

    for key, code, name, name_en in (CMA, WATER):
        if organizations.org_by_code(ctx, code) is None:
            organizations.create_organization(ctx, actor, OrganizationCreate(
                code=code, name=name, name_en=name_en, level="city",
                vertically_managed=key == "cma", division_code="320500"))
        username = f"officer.{key}"
        if ctx.db.scalar(select(User.id).where(User.username == username)) is None:
            users.create_user(ctx, actor, UserCreate(
                username=username, display_name=f"{name}数据官", password=DEMO_PASSWORD,
                roles=[Role.DATA_OFFICER], organization_code=code))


def load_demo_emergency(rt: Runtime, seed: int) -> dict[str, Any]:
    """Departments, streams, stations, the plan and the rules of the 防汛 scenario, once."""
    with rt.context() as ctx:
        done = get_fact(ctx.db, FACT)
        if done is not None:
            return json.loads(done)
        facts = _load(ctx, seed)
        set_fact(ctx.db, FACT, json.dumps(facts))
        return facts


def _officer(ctx: Ctx, key: str) -> Actor:
    org = _org(ctx, key)
    return Actor.for_user(user_id=0, username=f"officer.{key}",
                          roles=frozenset({Role.DATA_OFFICER}), organization_id=org.id,
                          subject_id=None)


def _load(ctx: Ctx, seed: int) -> dict[str, Any]:
    operator = Actor.operator("demo-loader")
    _ensure_departments(ctx, operator)
    ensure_elements(ctx, operator)
    codes = {}
    for key, entry in (("cma", rain_dataset()), ("water", river_dataset())):
        officer = _officer(ctx, key)
        made = catalog.create_dataset(ctx, officer, entry)
        catalog.submit(ctx, officer, made.resource_code)
        catalog.review(ctx, operator, made.resource_code, approve=True, comment="防汛监测数据")
        codes[key] = made.resource_code
    for s in STATIONS:
        rulebook.register_station(ctx, operator, code=s.code, name=s.name, kind=s.kind,
                                  resource_code=codes["cma" if s.kind == "rain" else "water"],
                                  district=s.district, lat=s.lat, lon=s.lon)
    ema = _org(ctx, "ema")
    incidents.create_plan(ctx, operator, PlanIn(
        code="flood-iv", name="苏州市防汛IV级应急响应预案", command_code=ema.code,
        lines=[{"org_code": _org(ctx, key).code, "task": task, "resources": res,
                "respond_minutes": minutes} for key, task, res, minutes in PLAN_LINES]))
    for rule in demo_rules(codes["cma"], codes["water"], _org(ctx, "cma").code,
                           _org(ctx, "water").code, ema.code):
        rulebook.create_rule(ctx, operator, rule)
    return {"rain": codes["cma"], "levels": codes["water"], "stations": len(STATIONS),
            "rules": 4, "plan": "flood-iv"}


def demo_rules(rain: str, levels: str, cma: str, water: str, ema: str) -> list[dict[str, Any]]:
    window = {"dataset": rain, "field": "rainfall_mm", "agg": "sum", "window_minutes": 180,
              "op": ">", "value": 50}
    near = {"dataset": levels, "field": "water_level_m", "op": ">=",
            "ref_field": "warning_level_m", "offset": 0.5}
    # Every rule proposes the 防汛预案 (so 应急管理局 commands the incidents they open); only
    # the join dispatches it at once.
    common = {"hold_down_minutes": 360, "category": "Met", "certainty": "Likely",
              "plan": "flood-iv"}
    return [
        {**common, "code": "rain-3h-50", "name": "3小时降雨量超过50毫米", "issuer_code": cma,
         "when": [window], "event": "暴雨", "urgency": "Expected", "severity": "Severe",
         "headline": "暴雨橙色预警：3小时降雨量已超过50毫米",
         "instruction": "请减少外出，远离低洼地带、地下空间和河道，注意防范城乡积涝。"},
        {**common, "code": "level-rise-fast", "name": "水位1小时上涨超过0.3米",
         "issuer_code": water, "category": "Geo", "when": [{
             "dataset": levels, "field": "water_level_m", "agg": "rise", "window_minutes": 60,
             "op": ">=", "value": 0.3}], "event": "水位快速上涨", "urgency": "Expected",
         "severity": "Moderate", "headline": "河湖水位快速上涨",
         "instruction": "沿河沿湖单位加强巡查，做好闸站调度准备。"},
        {**common, "code": "level-at-warning", "name": "水位达到警戒水位",
         "issuer_code": water, "category": "Geo", "when": [{
             "dataset": levels, "field": "water_level_m", "op": ">=",
             "ref_field": "warning_level_m", "offset": 0}], "event": "超警戒水位",
         "urgency": "Immediate", "severity": "Severe", "certainty": "Observed",
         "headline": "河湖水位超过警戒水位",
         "instruction": "启动堤防巡查，沿河低洼地区人员做好转移准备。"},
        {**common, "code": "rain-and-river", "name": "强降雨且河湖水位逼近警戒",
         "issuer_code": ema, "category": "Met", "when": [window, near], "join_minutes": 180,
         "event": "洪涝", "urgency": "Immediate", "severity": "Severe",
         "headline": "洪涝风险预警：强降雨叠加河湖高水位",
         "instruction": "立即启动防汛IV级应急响应，低洼地区人员转移至应急避难场所。",
         "plan": "flood-iv", "auto_dispatch": True},
    ]


# -- the recorded storm ---------------------------------------------------------------------


def storm(seed: int, start: datetime = STORM_START) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, row) of every reading of the 48-hour storm, in arrival order."""
    rnd = random.Random(seed)  # noqa: S311 - demo data, reproducible from the seed
    steps = STORM_HOURS * 60 // STEP_MINUTES
    heavy = {"320508": 1.0, "320506": 0.9, "320507": 0.95, "320505": 0.8, "320509": 0.7}
    rain_of: dict[str, list[float]] = {}
    for s in STATIONS:
        if s.kind != "rain":
            continue
        peak = 14 + 14 * (s.lat - 30.85) / 1.05 + 4 * (s.lon - 120.4) / 0.9 + rnd.uniform(-1, 1)
        amplitude = heavy.get(s.district, 0.45) * rnd.uniform(2.2, 3.2)
        rain_of[s.code] = [
            round(max(0.0, amplitude * math.exp(-(((i * STEP_MINUTES / 60) - peak) / 2.4) ** 2)
                      + rnd.uniform(-0.15, 0.15)), 1) for i in range(steps)]
    by_district: dict[str, list[list[float]]] = {}
    for s in STATIONS:
        if s.kind == "rain":
            by_district.setdefault(s.district, []).append(rain_of[s.code])
    levels: dict[str, list[float]] = {}
    for s in STATIONS:
        if s.kind == "rain":
            continue
        series = by_district.get(s.district) or [next(iter(rain_of.values()))]
        gain = 0.011 if s.kind == "river" else 0.006
        level, out = s.base, []
        for i in range(steps):
            inflow = sum(r[max(0, i - 6)] for r in series) / len(series)  # 30-minute lag
            level = s.base + (level - s.base) * 0.995 + gain * inflow
            out.append(round(level + rnd.uniform(-0.005, 0.005), 2))
        levels[s.code] = out
    late: list[tuple[int, str, dict[str, Any]]] = []
    for i in range(steps):
        at = (start + timedelta(minutes=i * STEP_MINUTES)).isoformat()
        for j, s in enumerate(STATIONS):
            if s.kind == "rain":
                row = {"station_code": s.code, "observed_at": at, "rainfall_mm": rain_of[s.code][i]}
            else:
                row = {"station_code": s.code, "observed_at": at,
                       "water_level_m": levels[s.code][i], "warning_level_m": s.warning}
            kind = "rain" if s.kind == "rain" else "levels"
            if (i * len(STATIONS) + j) % 40 == 39:
                late.append((i + 4, kind, row))  # arrives four readings (20 minutes) later
                continue
            yield kind, row
        while late and late[0][0] <= i:
            _, kind, row = late.pop(0)
            yield kind, row
    for _, kind, row in late:
        yield kind, row


@dataclass
class ReplayReport:
    readings: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    alerts: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    dispatched_departments: int = 0


def replay(rt: Runtime, seed: int, *, start: datetime = STORM_START,
           on_batch: Callable[[int], None] | None = None) -> ReplayReport:
    """Feed the storm through the stream store in micro-batches, the rules after each."""
    with rt.context() as ctx:
        facts = json.loads(get_fact(ctx.db, FACT) or "null")
    if not facts:
        raise LookupError("the 防汛 scenario is not loaded: run `govbridge demo` first")
    topo = Topology()
    subjects = {"rain": topo.subject(facts["rain"]), "levels": topo.subject(facts["levels"])}
    report = ReplayReport()
    batch: list[tuple[str, bytes]] = []

    def flush() -> None:
        for o in process_messages(rt, batch, topology=topo):
            if o.status == "stored":
                report.stored += 1
            elif o.status == "duplicate":
                report.duplicates += 1
            else:
                report.rejected += 1
        report.alerts.extend(evaluate_pending(rt).alerts)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for kind, row in storm(seed, start):
        report.readings += 1
        batch.append((subjects[kind], json.dumps(row, sort_keys=True, separators=(",", ":"))
                      .encode()))
        if len(batch) >= MICRO_BATCH:
            flush()
    if batch:
        flush()
    with rt.context() as ctx:
        report.incidents = list(ctx.db.scalars(select(Incident.code).order_by(Incident.id)))
        report.dispatched_departments = len(set(ctx.db.scalars(
            select(Dispatch.organization_id))))
    return report

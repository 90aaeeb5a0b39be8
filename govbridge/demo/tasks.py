"""The demo city's campaigns (专项工作 / 督办), played through the real use cases so every
page of flow 6 has something to show:

- 创建全国文明城市 (WMCS), led by the city government's general office (苏州市人民政府办公室,
  created here with two accounts: `leader.office`, the campaign's leader, and
  `officer.office`, who reports the office's own tasks; both with the demo password):
  38 tasks in five groups over 14 departments, finish-to-start dependencies with lags,
  started 40 working days ago: most early tasks accepted, one submitted and awaiting
  acceptance, one returned, one blocked, three late (and escalated by a reminder round
  run at the end), several at risk, the rest not yet started. Its links point at the
  city's Jitsi, Matrix and Nextcloud, and a registered meeting-room integration has
  posted "会议纪要已上传" into a task's timeline through a signed webhook.
- 防汛准备 (FXZB), led by the emergency management bureau (created by `officer.ema`;
  the city office's `leader.office` accepts, as 防汛指挥部's office would): 8 tasks.

Dates are counted from the day the demo is loaded on the bureau's calendar, so the
picture (done, late, at risk) is the same whenever it is loaded. Idempotent: a fact
records that it ran; a second load adds nothing. About 2 s on 2 busy vCPUs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from govbridge.agreements.workdays import Calendar, add_working_days
from govbridge.core.identifiers import make_credit_code
from govbridge.core.permissions import Role
from govbridge.demo.accounts import DEMO_PASSWORD
from govbridge.demo.departments import CITY_DIVISION, department
from govbridge.demo.load import _staff_actor
from govbridge.identity import organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization, User
from govbridge.identity.schemas import OrganizationCreate, UserCreate
from govbridge.notifications import rules as webhook_rules
from govbridge.runtime import Ctx, Runtime
from govbridge.services.usecases import calendar as bureau_calendar
from govbridge.storage.meta import get_fact, set_fact
from govbridge.tasks import hooks, plan, remind, rules, usecases
from govbridge.tasks.models import CampaignTask
from govbridge.tasks.schemas import CampaignIn, IntegrationIn, ReasonIn, ReportIn, TaskIn
from govbridge.tasks.views import today_of

FACT = "demo.tasks"
OFFICE_KEY = "office"
OFFICE_NAME = "苏州市人民政府办公室"
OFFICE_CODE = make_credit_code("11", CITY_DIVISION, "MB1J0115")
STARTED_AGO = 40  # working days before the load


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    dept: str
    title: str
    offset: int  # working days after the campaign's start (before dependencies)
    days: int
    after: tuple[str, ...] = ()
    lag: int = 0
    parent: str | None = None
    weight: int = 1
    # How it stands: None (by the calendar: done when past, paced when running),
    # "late" (left behind at `pct`), "at_risk" (running behind at `pct`), "submitted",
    # "returned", "blocked".
    story: str | None = None
    pct: int = 0


WMCS: tuple[Row, ...] = (
    Row("g1", OFFICE_KEY, "组织领导与宣传动员", 0, 60, weight=2),
    Row("g2", "housing", "城市环境综合整治", 0, 120, weight=4),
    Row("g3", "amr", "市场与公共秩序整治", 0, 120, weight=3),
    Row("g4", "health", "公共服务与文明素养提升", 0, 120, weight=3),
    Row("g5", OFFICE_KEY, "迎检准备", 52, 40, weight=2),
    Row("t1", OFFICE_KEY, "制定创建工作实施方案", 0, 5, parent="g1"),
    Row("t2", OFFICE_KEY, "召开全市创建动员大会", 0, 2, ("t1",), parent="g1"),
    Row("t3", "bureau", "建立督查考核机制", 0, 5, ("t1",), parent="g1"),
    Row("t4", "bureau", "创建测评数据看板上线", 0, 8, ("t3",), parent="g1", story="submitted"),
    Row("t5", "housing", "背街小巷环境摸底", 3, 8, parent="g2"),
    Row("t6", "housing", "背街小巷整治提升", 0, 25, ("t5",), parent="g2", weight=3,
        story="late", pct=85),
    Row("t7", "housing", "老旧小区改造", 0, 40, ("t5",), lag=2, parent="g2", weight=3,
        story="at_risk", pct=20),
    Row("t8", "eco", "建筑工地扬尘治理", 5, 20, parent="g2"),
    Row("t9", "eco", "河道水环境整治", 8, 45, parent="g2", weight=2),
    Row("t10", "housing", "垃圾分类示范小区创建", 10, 25, parent="g2"),
    Row("t11", "nrp", "违法建设拆除", 6, 20, parent="g2", story="returned", pct=100),
    Row("t12", "nrp", "城市绿化补植", 0, 15, ("t11",), parent="g2"),
    Row("t13", "amr", "农贸市场规范化改造", 4, 30, parent="g3", weight=2),
    Row("t14", "amr", "食品安全专项检查", 8, 20, parent="g3"),
    Row("t15", "amr", "占道经营整治", 0, 10, ("t14",), lag=1, parent="g3", story="late",
        pct=60),
    Row("t16", "psb", "交通秩序综合整治", 5, 25, parent="g3"),
    Row("t17", "transport", "非机动车停放规范", 0, 15, ("t16",), parent="g3"),
    Row("t18", "transport", "公交站台文明设施改造", 30, 25, parent="g3", story="at_risk",
        pct=5),
    Row("t19", "psb", "治安防控网络完善", 20, 35, parent="g3"),
    Row("t20", "health", "医疗机构文明服务提升", 6, 20, parent="g4"),
    Row("t21", "health", "爱国卫生运动月", 30, 20, parent="g4"),
    Row("t22", "edu", "未成年人思想道德建设", 5, 50, parent="g4", weight=2),
    Row("t23", "edu", "校园周边环境整治", 12, 20, parent="g4", story="late", pct=70),
    Row("t24", "mca", "志愿服务站点建设", 8, 25, parent="g4"),
    Row("t25", "mca", "社区新时代文明实践站全覆盖", 0, 40, ("t24",), parent="g4"),
    Row("t26", "mca", "公共场所无障碍设施改造", 36, 30, parent="g4", story="blocked"),
    Row("t27", "hrss", "就业服务窗口文明规范", 10, 15, parent="g4"),
    Row("t28", "fire", "消防安全隐患排查", 10, 20, parent="g2"),
    Row("t29", "ema", "安全生产大检查", 25, 25, parent="g2"),
    Row("t30", OFFICE_KEY, "全市创建自查自评", 0, 10, ("t7", "t9", "t19", "t22"), parent="g5"),
    Row("t31", OFFICE_KEY, "问题整改清零", 0, 15, ("t30",), parent="g5"),
    Row("t32", "bureau", "测评材料汇编", 0, 10, ("t30",), lag=2, parent="g5"),
    Row("t33", OFFICE_KEY, "迎接国家实地测评", 0, 5, ("t31", "t32"), parent="g5", weight=2),
)
# Tasks that carry their own links (the campaign's are on the campaign).
TASK_LINKS = {
    "t2": {"meeting_url": "https://meet.suzhou.gov.cn/wmcs-2026-mobilisation"},
    "t32": {"docs_url": "https://cloud.suzhou.gov.cn/s/wmcs2026-evaluation-pack"},
    "f5": {"chat_url": "https://matrix.to/#/#fxzb-2026-rescue:matrix.suzhou.gov.cn"},
}
FXZB: tuple[Row, ...] = (
    Row("f1", "ema", "修订防汛应急预案", 30, 8),
    Row("f2", "nrp", "地质灾害隐患点巡查", 32, 10),
    Row("f3", "housing", "城市排水管网清淤", 30, 15, story="at_risk", pct=10),
    Row("f4", "transport", "下穿通道积水监测", 35, 12),
    Row("f5", "fire", "抢险救援队伍集结演练", 0, 5, ("f1",), lag=2),
    Row("f6", "health", "汛期卫生防疫物资储备", 38, 10),
    Row("f7", "edu", "学校汛期安全排查", 36, 8),
    Row("f8", "ema", "防汛物资仓库盘点", 0, 6, ("f1",)),
)


def load_demo_tasks(rt: Runtime, seed: int) -> dict[str, int]:
    """Load the two campaigns once; what was loaded (empty when it had been)."""
    started = time.perf_counter()
    with rt.context() as ctx:
        if get_fact(ctx.db, FACT) is not None:
            return {}
        _office(ctx, seed)
    with rt.context() as ctx:
        leader = _staff_actor(ctx, "leader.office", Role.DATA_OFFICER)
        ema = _staff_actor(ctx, "officer.ema", Role.DATA_OFFICER)
        cal = bureau_calendar(ctx)
        today = today_of(ctx)
        start = _working_days_before(today, STARTED_AGO, cal)
        usecases.create_campaign(ctx, leader, CampaignIn(
            code="WMCS-2026", title="创建全国文明城市", lead_organization_code=OFFICE_CODE,
            leader="leader.office", deadline=add_working_days(start, 200, cal),
            description="对照《全国文明城市测评体系》，分解到各部门，按月调度、逐项销号。",
            meeting_url="https://meet.suzhou.gov.cn/wmcs-2026-weekly",
            chat_url="https://matrix.to/#/#wmcs-2026:matrix.suzhou.gov.cn",
            docs_url="https://cloud.suzhou.gov.cn/s/wmcs2026-ledger"))
        usecases.create_campaign(ctx, ema, CampaignIn(
            code="FXZB-2026", title="防汛准备", lead_organization_code=department("ema").code,
            leader="leader.office", deadline=add_working_days(start, 90, cal),
            description="入汛前完成预案修订、隐患排查、队伍和物资准备。",
            meeting_url="https://meet.suzhou.gov.cn/fxzb-2026"))
    ids = {}
    for code, rows, lead in (("WMCS-2026", WMCS, "leader.office"),
                             ("FXZB-2026", FXZB, "leader.office")):
        ids.update(_play(rt, code, rows, lead, start))
    with rt.context() as ctx:
        _minutes_posted(ctx, leader, ids["t2"])
        report = remind.remind_round(ctx)
        set_fact(ctx.db, FACT, json.dumps({
            "tasks": len(ids), "escalations": report.due + report.overdue,
            "seconds": round(time.perf_counter() - started, 2)}))
    return {"tasks": len(ids), "escalated": report.due + report.overdue}


def _office(ctx: Ctx, seed: int) -> None:
    operator = Actor.operator("demo-loader")
    if ctx.db.scalar(select(Organization.id).where(Organization.code == OFFICE_CODE)) is None:
        organizations.create_organization(ctx, operator, OrganizationCreate(
            code=OFFICE_CODE, name=OFFICE_NAME, name_en="General Office of Suzhou Municipal "
            "People's Government", level="city", division_code=CITY_DIVISION))
    for username, title in (("leader.office", "创文办主任"), ("officer.office", "创文办联络员")):
        if ctx.db.scalar(select(User.id).where(User.username == username)) is None:
            users.create_user(ctx, operator, UserCreate(
                username=username, display_name=f"{title}（市政府办公室）",
                password=DEMO_PASSWORD, roles=[Role.DATA_OFFICER],
                organization_code=OFFICE_CODE))


def _working_days_before(day: date, n: int, cal: Calendar) -> date:
    while n:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


def _org_code(key: str) -> str:
    return OFFICE_CODE if key == OFFICE_KEY else department(key).code


def _reporter(key: str) -> str:
    return f"officer.{key}"


def _play(rt: Runtime, code: str, rows: tuple[Row, ...], lead: str, start: date
          ) -> dict[str, int]:
    """Create the campaign's tasks, then move each as its story says, in table order."""
    ids: dict[str, int] = {}
    with rt.context() as ctx:
        leader = _staff_actor(ctx, lead, Role.DATA_OFFICER)
        cal = bureau_calendar(ctx)
        today = today_of(ctx)
        dues: dict[str, date] = {}
        for r in rows:
            begin = plan.first_working_day(add_working_days(start, r.offset, cal), cal)
            for k in r.after:
                begin = max(begin, plan.earliest_start_after(dues[k], r.lag, cal))
            out = usecases.create_task(ctx, leader, TaskIn(
                campaign=code, title=r.title, organization_code=_org_code(r.dept),
                parent=ids[r.parent] if r.parent else None, start=begin, working_days=r.days,
                weight=r.weight, depends_on=[{"task": ids[k], "lag": r.lag} for k in r.after],
                **TASK_LINKS.get(r.key, {})))
            ids[r.key], dues[r.key] = out.id, out.due
        parents = {r.parent for r in rows if r.parent}
        for r in rows:
            if r.key in parents:
                continue  # a group's progress is its tasks' roll-up
            t = ctx.db.get_one(CampaignTask, ids[r.key])
            if t.start > today:
                continue
            officer = _staff_actor(ctx, _reporter(r.dept), Role.DATA_OFFICER)
            waiting = [k for k in r.after
                       if ctx.db.get_one(CampaignTask, ids[k]).state != rules.ACCEPTED]
            if waiting:
                continue
            _story(ctx, r, ids[r.key], officer, leader, t.start, t.due, today, cal)
    return ids


def _story(ctx: Ctx, r: Row, task_id: int, officer: Actor, leader: Actor, start: date,
           due: date, today: date, cal: Calendar) -> None:
    """Move one task as its row's story says (see `Row.story`)."""
    report = usecases.report_progress
    if r.story in ("late", "at_risk"):
        report(ctx, officer, task_id, ReportIn(percent=r.pct,
                                               text="按计划推进中，部分点位进度滞后"))
    elif r.story == "blocked":
        report(ctx, officer, task_id, ReportIn(percent=5, text="已完成现场踏勘"))
        usecases.act(ctx, officer, task_id, rules.BLOCK,
                     ReasonIn(reason="等待住建部门完成人行道改造设计"))
    elif r.story in ("submitted", "returned") or due < today:
        report(ctx, officer, task_id, ReportIn(percent=100, text="已完成，台账已上传共享文件夹",
                                               submit=True))
        if r.story == "returned":
            usecases.act(ctx, leader, task_id, rules.RETURN,
                         ReasonIn(reason="拆除点位照片不全，请补充前后对比照片"))
        elif r.story != "submitted":
            usecases.act(ctx, leader, task_id, rules.ACCEPT)
    else:
        elapsed = rules.working_days_elapsed(start, today, cal)
        pct = min(95, max(5, round(100 * elapsed / max(r.days, 1) / 5) * 5))
        report(ctx, officer, task_id, ReportIn(percent=pct, text="按计划推进"))


def _minutes_posted(ctx: Ctx, leader: Actor, task_id: int) -> None:
    """The meeting room's integration posts "minutes uploaded" as a signed webhook would."""
    made = hooks.add_integration(ctx, leader, IntegrationIn(
        campaign="WMCS-2026", name="创文视频会议室 (Jitsi)", kind="meeting"))
    body = json.dumps({"task": task_id, "text": "会议纪要已上传",
                       "link": "https://cloud.suzhou.gov.cn/s/wmcs2026-minutes-01"},
                      ensure_ascii=False).encode()
    stamp = int(ctx.now().timestamp())
    headers = {"webhook-id": "msg_demo_minutes_01", "webhook-timestamp": str(stamp),
               "webhook-signature": webhook_rules.sign(made.secret, "msg_demo_minutes_01",
                                                       stamp, body)}
    hooks.receive(ctx, made.id, headers, body)

"""A campaign from creation to acceptance: dates, dependencies, reports, notifications,
roll-ups, attachments, and the reminder round sending each stage once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from case_helpers import tiny_png
from sqlalchemy import func, select
from tasks.conftest import NOW

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import Conflict, InvalidInput
from govbridge.notifications.models import InboxItem, Notification
from govbridge.services.models import Holiday
from govbridge.tasks import remind, usecases
from govbridge.tasks.models import TaskEscalation
from govbridge.tasks.schemas import ReasonIn, ReportIn
from govbridge.tasks.usecases import Upload

PNG = tiny_png()


def inbox_of(rt, username):
    from tasks.conftest import actor_of

    uid = actor_of(rt, username).user_id
    with rt.context() as ctx:
        return list(ctx.db.scalars(select(Notification).join(
            InboxItem, InboxItem.notification_id == Notification.id)
            .where(InboxItem.user_id == uid).order_by(Notification.id)))


def test_dates_follow_dependencies_and_the_holiday_calendar(city):
    with city.rt.context() as ctx:  # the bureau's calendar: Fri 6 March off
        ctx.db.add(Holiday(day=date(2026, 3, 6), kind="holiday", name="调休",
                           created_by="test"))
    code = city.campaign()
    a = city.task(code, city.dept_a, "摸底排查", days=5)  # Mon 2 .. Mon 9 (6th off)
    b = city.task(code, city.dept_b, "整改", days=2, depends_on=[{"task": a, "lag": 1}])
    with city.rt.context() as ctx:
        ta, tb = usecases.list_tasks(ctx, city.leader, campaign=code)
    assert (ta.start, ta.due) == (date(2026, 3, 2), date(2026, 3, 9))
    assert (tb.start, tb.due) == (date(2026, 3, 11), date(2026, 3, 12))
    assert tb.depends_on[0].task == a and tb.depends_on[0].lag == 1
    with city.rt.context() as ctx, pytest.raises(InvalidInput, match="earliest"):
        usecases.create_task(ctx, city.leader, {  # type: ignore[arg-type]
            "campaign": code, "title": "太早", "organization_code": city.dept_b,
            "working_days": 1, "start": "2026-03-05", "depends_on": [{"task": a}]})
    with city.rt.context() as ctx, pytest.raises(InvalidInput, match="deadline"):
        usecases.create_task(ctx, city.leader, {  # type: ignore[arg-type]
            "campaign": code, "title": "太长", "organization_code": city.dept_b,
            "working_days": 700})
    with city.rt.context() as ctx:
        detail = usecases.show_campaign(ctx, city.leader, code)
    assert detail.critical_path == [a, b] and detail.projected_finish == date(2026, 3, 12)


def test_report_submit_return_accept_with_notifications_and_rollup(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "背街小巷整治", weight=3)
    b = city.task(code, city.dept_b, "河道保洁", weight=1, depends_on=[{"task": a}])
    with city.rt.context() as ctx, pytest.raises(Conflict, match=f"waits for task {a}"):
        usecases.report_progress(ctx, city.officer_b, b, ReportIn(percent=10))
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=40, text="完成两条街"),
                                 [Upload("台账.png", PNG)])
        detail = usecases.show_task(ctx, city.officer_a, a)
    assert detail.state == "in_progress" and detail.progress == 40
    assert detail.timeline[-1].attachments[0].media_type == "image/png"
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=100, submit=True))
    assert inbox_of(city.rt, "leader")[-1].kind == "task.submitted"
    with city.rt.context() as ctx, pytest.raises(InvalidInput, match="reason"):
        usecases.act(ctx, city.leader, a, "return")
    with city.rt.context() as ctx:
        usecases.act(ctx, city.leader, a, "return", ReasonIn(reason="缺少照片"))
    note = inbox_of(city.rt, "officer-a")[-1]
    assert note.kind == "task.return" and "缺少照片" in note.body
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=100, submit=True))
        usecases.act(ctx, city.leader, a, "accept")
        usecases.report_progress(ctx, city.officer_b, b, ReportIn(percent=20))
        camp = usecases.show_campaign(ctx, city.leader, code)
    assert camp.progress == pytest.approx((100 * 3 + 20) / 4, abs=0.1)
    assert {d.department: d.progress for d in camp.departments} == {
        city.dept_a: 100, city.dept_b: 20}
    with city.rt.context() as ctx:
        actions = [e.action for e in ctx.db.scalars(
            select(AuditEvent).where(AuditEvent.target_type == "task"))]
    assert actions.count("task.accept") == 1 and actions.count("task.return") == 1


def test_attachments_are_checked_whole(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "台账")
    for bad, why in [(b"<html><script>", "not a"), (PNG[:30], "PNG"),
                     (b"%PDF-1.7\n" + b"x" * (6 * 1024 * 1024), "MiB")]:
        with city.rt.context() as ctx, pytest.raises(InvalidInput, match=why):
            usecases.report_progress(ctx, city.officer_a, a, ReportIn(percent=5),
                                     [Upload("x.png", bad)])
    with city.rt.context() as ctx:
        assert usecases.show_task(ctx, city.officer_a, a).progress == 0


def test_blocked_and_cancelled(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "拆违")
    with city.rt.context() as ctx, pytest.raises(InvalidInput):
        usecases.act(ctx, city.officer_a, a, "block")
    with city.rt.context() as ctx:
        assert usecases.act(ctx, city.officer_a, a, "block",
                            ReasonIn(reason="等待规划许可")).reason == "等待规划许可"
    assert "等待规划许可" in inbox_of(city.rt, "leader")[-1].body
    with city.rt.context() as ctx:
        assert usecases.act(ctx, city.officer_a, a, "unblock").state == "in_progress"
        assert usecases.act(ctx, city.leader, a, "cancel",
                            ReasonIn(reason="并入其他任务")).state == "cancelled"
    with city.rt.context() as ctx, pytest.raises(Conflict, match="cancelled"):
        usecases.act(ctx, city.officer_a, a, "start")


def _round(city, day: datetime):
    city.rt.clock = lambda: day
    with city.rt.context() as ctx:
        return remind.remind_round(ctx)


def test_reminders_and_escalations_once_each(city):
    code = city.campaign()
    a = city.task(code, city.dept_a, "创建台账", days=5)  # Mon 2 .. Fri 6 March
    b = city.task(code, city.dept_b, "河道保洁", days=5)
    done = city.task(code, city.dept_b, "已完成", days=5)
    with city.rt.context() as ctx:
        usecases.report_progress(ctx, city.officer_b, done, ReportIn(percent=100, submit=True))
        usecases.act(ctx, city.leader, done, "accept")
    assert _round(city, NOW).examined == 0  # Mon: 4 working days left
    r = _round(city, NOW + timedelta(days=2))  # Wed: 2 left
    assert (r.before, r.due, r.overdue) == (2, 0, 0)
    assert _round(city, NOW + timedelta(days=2)).before == 0  # once
    r = _round(city, NOW + timedelta(days=4))  # Fri: due
    assert (r.before, r.due, r.overdue) == (0, 2, 0)
    with city.rt.context() as ctx:
        usecases.act(ctx, city.leader, b, "cancel", ReasonIn(reason="取消"))
    r = _round(city, NOW + timedelta(days=7))  # next Mon: overdue, only a
    assert (r.before, r.due, r.overdue) == (0, 0, 1)
    for _ in range(2):
        r = _round(city, NOW + timedelta(days=8))
        assert (r.before, r.due, r.overdue) == (0, 0, 0)
    leader_notes = [n for n in inbox_of(city.rt, "leader") if n.kind == "task.overdue"]
    assert len(leader_notes) == 1 and leader_notes[0].urgent
    assert f"#{a} 创建台账" in leader_notes[0].body
    kinds = [n.kind for n in inbox_of(city.rt, "officer-a")]
    assert kinds.count("task.reminder") == 1 and kinds.count("task.due") == 1
    with city.rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(TaskEscalation)) == 5
        assert ctx.db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.escalation")) == 3
        assert usecases.show_task(ctx, city.leader, a).late
    _ = UTC


def test_the_server_thread_runs_the_same_round(city):
    code = city.campaign()
    city.task(code, city.dept_a, "到期任务", days=1)  # due today (Mon 2 March)
    scheduler = remind.TaskScheduler(city.rt, 0).start()  # 0: no thread, by hand only
    try:
        first, again = scheduler.run_once(), scheduler.run_once()
    finally:
        scheduler.stop()
    assert (first.before, first.due, first.overdue) == (0, 1, 0)
    assert (again.before, again.due, again.overdue) == (0, 0, 0)


def test_two_rounds_at_once_send_each_reminder_once(city):
    import threading

    code = city.campaign()
    for i in range(6):
        city.task(code, city.dept_a if i % 2 else city.dept_b, f"任务{i}", days=1)
    results, errors = [], []
    gate = threading.Barrier(2)

    def one_round() -> None:
        try:
            gate.wait(timeout=10)
            with city.rt.context() as ctx:
                results.append(remind.remind_round(ctx))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one_round) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(r.due for r in results) == [0, 6]
    with city.rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(TaskEscalation)) == 6

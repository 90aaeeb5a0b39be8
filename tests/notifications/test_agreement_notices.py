"""The first producer: a sharing request tells the provider's data officers, the answer
tells the requester — each in the agreement's own transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.core.errors import DomainError
from govbridge.core.permissions import Role
from govbridge.notifications import usecases
from govbridge.notifications.models import Notification
from tests.notifications.conftest import actor_of


@pytest.fixture
def parties(rt, make_org, make_user, provider, entry, publish, clock):
    make_user("amr.alice", [Role.DATA_OFFICER], org=provider["code"])
    make_user("amr.bob", [Role.DATA_OFFICER], org=provider["code"])
    make_user("amr.clerk", [Role.CLERK], org=provider["code"])
    consumer = make_org(name="苏州市人力资源和社会保障局")
    make_user("hrss.zoe", [Role.DATA_OFFICER], org=consumer)
    make_user("hrss.yan", [Role.DATA_OFFICER], org=consumer)
    conditional = publish(entry(name="企业法定代表人信息", share_type="conditional",
                                share_condition="仅用于政务服务事项办理"))
    forbidden = publish(entry(name="企业内部核查信息", share_type="none",
                              legal_basis="《某某条例》第十条"))
    return {"consumer": consumer, "conditional": conditional.resource_code,
            "none": forbidden.resource_code,
            **{n: actor_of(rt, n) for n in ("amr.alice", "amr.bob", "amr.clerk", "hrss.zoe",
                                            "hrss.yan")}}


def _request(code: str) -> AgreementRequestIn:
    return AgreementRequestIn(resource_code=code, fields=["credit_code", "legal_rep"],
                              purpose_kind="service_item", purpose_code="320500-SI-0001",
                              purpose_text="企业职工参保登记", valid_until=date(2027, 12, 31))


def _subjects(rt, actor) -> list[str]:
    with rt.context() as ctx:
        return [i.subject for i in usecases.inbox(ctx, actor)]


def test_request_tells_the_providers_officers_and_the_answer_the_requester(rt, parties):
    with rt.context() as ctx:
        agr = agreements.request_agreement(ctx, parties["hrss.zoe"],
                                           _request(parties["conditional"]))
    for officer in ("amr.alice", "amr.bob"):
        [subject] = _subjects(rt, parties[officer])
        assert agr.code in subject and "企业法定代表人信息" in subject
    assert _subjects(rt, parties["amr.clerk"]) == []
    assert _subjects(rt, parties["hrss.zoe"]) == []
    with rt.context() as ctx:
        [item] = usecases.inbox(ctx, parties["amr.alice"])
        assert item.kind == "agreement.requested" and item.link == f"/agreements/{agr.code}"
        assert "请于" in item.body  # the answer deadline
        agreements.decide(ctx, parties["amr.alice"], agr.code, refuse_reason="用途与数据无关")
    with rt.context() as ctx:
        [answer] = usecases.inbox(ctx, parties["hrss.zoe"])
    assert answer.kind == "agreement.refused" and "用途与数据无关" in answer.body
    assert _subjects(rt, parties["hrss.yan"]) == []  # the requester, not the whole department


def test_a_refused_request_notifies_nobody(rt, parties):
    with pytest.raises(DomainError), rt.context() as ctx:
        agreements.request_agreement(ctx, parties["hrss.zoe"], _request(parties["none"]))
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(Notification)) == 0


def test_an_unanswered_request_past_its_deadline_is_reminded_once_and_urgently(
        rt, parties, clock):
    with rt.context() as ctx:
        agr = agreements.request_agreement(ctx, parties["hrss.zoe"],
                                           _request(parties["conditional"]))
        assert agreements.remind_overdue(ctx) == []  # not due yet
    clock.advance(30 * 86400)  # well past the working days allowed to answer
    with rt.context() as ctx:
        assert agreements.remind_overdue(ctx) == [agr.code]
    with rt.context() as ctx:
        assert agreements.remind_overdue(ctx) == []  # once
        reminder = usecases.inbox(ctx, parties["amr.alice"])[0]
    assert reminder.kind == "agreement.overdue" and reminder.urgent
    assert agr.code in reminder.subject and "已超期" in reminder.body
    assert _subjects(rt, parties["hrss.zoe"]) == []  # the requester is not chased
    with rt.context() as ctx:
        note = ctx.db.scalar(select(Notification).where(Notification.kind == "agreement.overdue"))
        assert note is not None and note.link == f"/agreements/{agr.code}"


def test_an_answered_request_is_never_reminded(rt, parties, clock):
    with rt.context() as ctx:
        agr = agreements.request_agreement(ctx, parties["hrss.zoe"],
                                           _request(parties["conditional"]))
        agreements.decide(ctx, parties["amr.alice"], agr.code, refuse_reason="用途与数据无关")
    clock.advance(30 * 86400)
    with rt.context() as ctx:
        assert agreements.remind_overdue(ctx) == []


def test_the_servers_scheduler_reminds_overdue_requests(rt, parties, clock, caplog):
    from govbridge.agreements.schedule import AgreementScheduler

    with rt.context() as ctx:
        agreements.request_agreement(ctx, parties["hrss.zoe"], _request(parties["conditional"]))
    clock.advance(30 * 86400)
    scheduler = AgreementScheduler(rt, 0).start()  # no thread: rounds by hand
    with caplog.at_level("INFO", logger="govbridge.agreements.schedule"):
        scheduler.run_once()
    assert "1 overdue requests reminded" in caplog.text


def test_agreement_remind_by_hand_from_the_cli(rt, settings, parties):
    import json
    from datetime import timedelta

    from typer.testing import CliRunner

    from govbridge.agreements.models import Agreement
    from govbridge.cli.main import app

    with rt.context() as ctx:
        agr = agreements.request_agreement(ctx, parties["hrss.zoe"],
                                           _request(parties["conditional"]))
        row = ctx.db.scalar(select(Agreement).where(Agreement.code == agr.code))
        row.answer_due = date.today() - timedelta(days=10)
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url}
    first = CliRunner().invoke(app, ["agreement", "remind", "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"reminded": [agr.code]}
    again = CliRunner().invoke(app, ["agreement", "remind", "--json"], env=env)
    assert json.loads(again.stdout) == {"reminded": []}

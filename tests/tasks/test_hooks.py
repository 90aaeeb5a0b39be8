"""Inbound webhooks from Jitsi / Matrix / Nextcloud: verified with the Standard Webhooks
signature (signed here by the `standardwebhooks` package), forged and replayed refused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from tasks.conftest import NOW

from govbridge.core.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from govbridge.tasks import hooks, usecases
from govbridge.tasks.models import TaskEvent
from govbridge.tasks.schemas import IntegrationIn


@pytest.fixture
def hooked(city):
    code = city.campaign()
    task = city.task(code, city.dept_a, "周例会")
    other = city.campaign("FXZB-2026")
    foreign = city.task(other, city.dept_b, "防汛物资")
    with city.rt.context() as ctx:
        made = hooks.add_integration(ctx, city.leader, IntegrationIn(
            campaign=code, name="创文会议室", kind="meeting"))
    return city, made, task, foreign


def _signed(secret, msg_id, payload, when=NOW):
    body = json.dumps(payload, ensure_ascii=False).encode()
    sig = Webhook(secret).sign(msg_id, when, body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": sig}, body


def _receive(city, integration_id, headers, body):
    with city.rt.context() as ctx:
        return hooks.receive(ctx, integration_id, headers, body)


def test_a_signed_entry_lands_in_the_timeline_once(hooked):
    city, made, task, _foreign = hooked
    headers, body = _signed(made.secret, "msg_1", {
        "task": task, "text": "会议纪要已上传", "link": "https://cloud.suzhou.gov.cn/s/abc"})
    assert _receive(city, made.id, headers, body).task == task
    with city.rt.context() as ctx:
        timeline = usecases.show_task(ctx, city.officer_a, task).timeline
    assert timeline[-1].kind == "external" and timeline[-1].actor == "integration:创文会议室"
    assert "会议纪要已上传" in timeline[-1].text
    with pytest.raises(Conflict, match="received already"):
        _receive(city, made.id, headers, body)  # the same message again: a replay


def test_forgeries_are_one_vague_refusal(hooked):
    city, made, task, _foreign = hooked
    payload = {"task": task, "text": "伪造"}
    headers, body = _signed(made.secret, "msg_2", payload)
    wrong_key, _ = _signed("whsec_" + "QUJD" * 8, "msg_2", payload)
    stale, _ = _signed(made.secret, "msg_2", payload, NOW.replace(hour=NOW.hour - 1))
    cases = [
        ({**headers, "webhook-signature": wrong_key["webhook-signature"]}, body, made.id),
        (headers, body.replace("伪造".encode(), "篡改".encode()), made.id),  # tampered body
        ({**stale}, body, made.id),  # signed an hour ago
        ({k: v for k, v in headers.items() if k != "webhook-signature"}, body, made.id),
        ({**headers, "webhook-id": "msg_3"}, body, made.id),  # id not the one signed
        (headers, body, made.id + 99),  # no such integration
        ({**headers, "webhook-signature": "v1,%%%, v1"}, body, made.id),
    ]
    for h, b, iid in cases:
        with pytest.raises(AuthenticationFailed) as err:
            _receive(city, iid, h, b)
        assert str(err.value) == "the webhook could not be verified"
        assert made.secret not in str(err.value)
    with city.rt.context() as ctx:
        assert not ctx.db.scalar(select(TaskEvent.id).where(TaskEvent.kind == "external"))


def test_a_verified_message_still_stays_in_its_campaign_and_rules(hooked):
    city, made, _task, foreign = hooked
    headers, body = _signed(made.secret, "msg_4", {"task": foreign, "text": "越权"})
    with pytest.raises(NotFound):
        _receive(city, made.id, headers, body)
    headers, body = _signed(made.secret, "msg_5", {"task": _task, "text": "x",
                                                    "link": "https://a:b@evil.example/"})
    with pytest.raises(InvalidInput, match="link refused"):
        _receive(city, made.id, headers, body)


def test_only_the_leader_or_bureau_adds_integrations(hooked):
    city, _made, _task, _foreign = hooked
    from govbridge.core.errors import PermissionDenied

    with city.rt.context() as ctx, pytest.raises(PermissionDenied):
        hooks.add_integration(ctx, city.officer_a, IntegrationIn(
            campaign="WMCS-2026", name="x", kind="chat"))

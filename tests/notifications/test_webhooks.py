"""Signed webhooks against a real local HTTP receiver, verified with the `standardwebhooks`
package: registered by a department's data officer, secret shown once, retried while the
receiver is down or failing, never sent to a removed endpoint."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.notifications import rules, usecases
from govbridge.notifications.dispatcher import deliver_round
from govbridge.notifications.models import Delivery, WebhookEndpoint
from govbridge.notifications.outbox import notify
from govbridge.notifications.schemas import WebhookIn
from tests.notifications.conftest import actor_of


def _register(rt, dept, receiver) -> str:
    with rt.context() as ctx:
        return usecases.add_webhook(ctx, dept["alice"], WebhookIn(
            url=receiver.url, description="值班群机器人")).secret


def test_signed_per_standard_webhooks_and_delivered_once(rt, dept, receiver, clock):
    receiver.start()
    secret = _register(rt, dept, receiver)
    with rt.context() as ctx:
        note = notify(ctx, [dept["alice"].user_id], "agreement.requested", "新的共享申请",
                      "请处理", link="/agreements/AGR-2026-000001")
        assert note is not None
        note_id = note.id
    assert deliver_round(rt).sent == 1
    clock.advance(86400)
    assert deliver_round(rt).taken == 0
    [req] = receiver.requests
    assert req["path"] == "/hooks/govbridge?token=im-robot-token-123"
    payload = Webhook(secret).verify(req["body"], req["headers"])
    assert req["headers"]["webhook-id"] == f"ntf_{note_id}_webhook_1"
    assert payload["type"] == "agreement.requested"
    assert payload["data"] == {
        "id": note_id, "subject": "新的共享申请", "body": "请处理",
        "link": "http://localhost:8000/agreements/AGR-2026-000001", "urgent": False,
        "department": dept["code"], "recipients": ["alice"]}


def test_receiver_down_then_up_gets_it_later(rt, dept, receiver, clock):
    _register(rt, dept, receiver)
    with rt.context() as ctx:
        notify(ctx, [dept["bob"].user_id], "test.hello", "稍后", "正文")
    assert deliver_round(rt).retried == 1  # nothing listens yet
    receiver.start()
    receiver.status = 503  # up, but failing
    clock.advance(31)
    assert deliver_round(rt).retried == 1
    with rt.context() as ctx:
        row = ctx.db.scalar(select(Delivery))
        assert (row.attempts, row.last_error) == (2, "HTTP 503")
        assert row.next_attempt_at == clock.now + rules.backoff(2, 30, 3600)
    receiver.status = 200
    clock.advance(61)
    assert deliver_round(rt).sent == 1
    assert len(receiver.requests) == 2
    # The same message each time: one webhook-id for the receiver to deduplicate on.
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1


def test_removed_endpoint_gets_nothing_more(rt, dept, receiver):
    receiver.start()
    _register(rt, dept, receiver)
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "发出前被删", "正文")
        endpoint_id = ctx.db.scalar(select(WebhookEndpoint.id))
        usecases.remove_webhook(ctx, dept["alice"], endpoint_id)
    assert deliver_round(rt).dead == 1
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "删除之后", "正文")
    assert deliver_round(rt).taken == 0
    assert receiver.requests == []


def test_registered_only_by_the_departments_officer_at_listed_hosts(rt, dept, channels,
                                                                    make_org, make_user):
    other = make_org(name="苏州市教育局")
    make_user("dave", [Role.DATA_OFFICER], org=other)
    dave = actor_of(rt, "dave")
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):  # another department's officer
            usecases.add_webhook(ctx, dave, WebhookIn(organization_code=dept["code"],
                                                      url="http://127.0.0.1:9/x"))
        with pytest.raises(PermissionDenied):  # a clerk
            usecases.add_webhook(ctx, dept["carol"], WebhookIn(url="http://127.0.0.1:9/x"))
        with pytest.raises(InvalidInput) as caught:
            usecases.add_webhook(ctx, dept["alice"], WebhookIn(url="http://10.0.0.8/x"))
        assert caught.value.problems[0].code == "forbidden"
        with pytest.raises(InvalidInput):
            usecases.add_webhook(ctx, dept["alice"], WebhookIn(url="file:///etc/passwd"))
        with pytest.raises(InvalidInput):
            usecases.add_webhook(ctx, dept["alice"], WebhookIn(url="http://u:pw@127.0.0.1/x"))


def test_secret_shown_once_and_in_no_list_log_or_audit(rt, dept, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    receiver.start()
    secret = _register(rt, dept, receiver)
    with rt.context() as ctx:
        listed = usecases.list_webhooks(ctx, dept["alice"])
        notify(ctx, [dept["alice"].user_id], "test.hello", "x", "y")
        audit = json.dumps([a.details for a in ctx.db.scalars(select(AuditEvent))],
                           ensure_ascii=False, default=str)
        stored = ctx.db.scalar(select(WebhookEndpoint.secret_enc))
    deliver_round(rt)
    shown = json.dumps([w.model_dump(mode="json") for w in listed])
    assert listed[0].url.endswith("/hooks/govbridge?…")
    for text in (shown, caplog.text, audit):
        assert secret not in text and rules.secret_bytes(secret).hex() not in text
        assert "im-robot-token-123" not in text
    assert secret.encode() not in stored  # sealed at rest


def test_two_dispatchers_at_once_send_each_row_once(rt, dept, receiver):
    receiver.start()
    _register(rt, dept, receiver)
    with rt.context() as ctx:
        for n in range(20):
            notify(ctx, [dept["alice"].user_id], "test.hello", f"第 {n} 条", "正文")
    reports = []
    workers = [threading.Thread(target=lambda: reports.append(deliver_round(rt)))
               for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert sum(r.sent for r in reports) == 20
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(ids) == 20 and len(set(ids)) == 20

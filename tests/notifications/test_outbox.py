"""The outbox: written in the caller's transaction (rolled back: nothing at all), the inbox
and its unread count, preferences (muted non-urgent not sent, urgent sent anyway)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.core.errors import NotFound, PermissionDenied
from govbridge.identity.actor import Actor
from govbridge.notifications import usecases
from govbridge.notifications.dispatcher import deliver_round
from govbridge.notifications.models import Delivery, InboxItem, Notification
from govbridge.notifications.outbox import notify, officers_of
from govbridge.notifications.schemas import PreferencesIn, WebhookIn


def _count(rt, model) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model)) or 0


def test_officers_of_names_the_departments_data_officers_only(rt, dept):
    with rt.context() as ctx:
        assert officers_of(ctx, dept["id"]) == [dept["alice"].user_id, dept["bob"].user_id]


def test_inbox_unread_count_and_mark_read(rt, dept):
    alice, bob = dept["alice"], dept["bob"]
    with rt.context() as ctx:
        notify(ctx, [alice.user_id, bob.user_id], "test.hello", "第一条", "正文一")
        notify(ctx, [alice.user_id], "test.hello", "第二条", "正文二", link="/agreements")
    with rt.context() as ctx:
        items = usecases.inbox(ctx, alice)
        assert [i.subject for i in items] == ["第二条", "第一条"]
        assert usecases.unread_count(ctx, alice) == 2
        assert usecases.unread_count(ctx, bob) == 1
        usecases.mark_read(ctx, alice, items[0].id)
    with rt.context() as ctx:
        assert usecases.unread_count(ctx, alice) == 1
        assert [i.subject for i in usecases.inbox(ctx, alice, unread_only=True)] == ["第一条"]
        with pytest.raises(NotFound):  # bob cannot mark alice's notification
            usecases.mark_read(ctx, bob, items[1].id)
        assert usecases.mark_all_read(ctx, alice) == 1
        assert usecases.unread_count(ctx, alice) == 0


def test_another_users_inbox_needs_user_manage(rt, dept):
    with rt.context() as ctx:
        notify(ctx, [dept["bob"].user_id], "test.hello", "给 bob", "正文")
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            usecases.inbox(ctx, dept["alice"], user="bob")
        assert [i.subject for i in usecases.inbox(ctx, Actor.operator("ops"), user="bob")] \
            == ["给 bob"]
        with pytest.raises(PermissionDenied):  # the operator has no inbox of its own
            usecases.inbox(ctx, Actor.operator("ops"))


def test_a_rolled_back_change_writes_and_sends_nothing(rt, dept, channels, receiver):
    receiver.start()
    with rt.context() as ctx:
        usecases.add_webhook(ctx, dept["alice"], WebhookIn(url=receiver.url))
    with pytest.raises(RuntimeError), rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "不该出现", "正文")
        raise RuntimeError("the change that caused it fails")
    assert _count(rt, Notification) == 0
    assert _count(rt, InboxItem) == 0
    assert _count(rt, Delivery) == 0
    assert deliver_round(rt).taken == 0
    assert receiver.requests == []


def test_nobody_to_tell_writes_nothing(rt, dept):
    with rt.context() as ctx:
        assert notify(ctx, [], "test.hello", "无人", "正文") is None
        assert notify(ctx, [987654], "test.hello", "无此人", "正文") is None
    assert _count(rt, Notification) == 0


def test_muted_non_urgent_is_not_sent_urgent_is(rt, dept, smtp, receiver):
    smtp.start()
    receiver.start()
    alice = dept["alice"]
    with rt.context() as ctx:
        usecases.add_webhook(ctx, alice, WebhookIn(url=receiver.url))
        prefs = usecases.set_preferences(ctx, alice, PreferencesIn(
            email=False, webhook=False, email_address="alice@amr.suzhou.gov.cn"))
        assert (prefs.inapp, prefs.email, prefs.webhook) == (True, False, False)
    with rt.context() as ctx:
        notify(ctx, [alice.user_id], "test.routine", "例行", "不紧急")
        notify(ctx, [alice.user_id], "agreement.overdue", "逾期", "紧急", urgent=True)
    report = deliver_round(rt)
    assert (report.taken, report.sent) == (2, 2)  # the urgent one, by e-mail and webhook
    assert [e.rcpt_tos for e in smtp.box.messages] == [["alice@amr.suzhou.gov.cn"]]
    assert smtp.box.parsed()[0]["Subject"] == "逾期"
    assert len(receiver.requests) == 1 and "逾期".encode() in receiver.requests[0]["body"]
    with rt.context() as ctx:  # both are in the inbox: the in-app channel cannot be muted
        assert {i.subject for i in usecases.inbox(ctx, alice)} == {"例行", "逾期"}


def test_webhook_goes_once_per_department_and_only_if_someone_wants_it(rt, dept, channels,
                                                                      receiver):
    receiver.start()
    alice, bob = dept["alice"], dept["bob"]
    with rt.context() as ctx:
        usecases.add_webhook(ctx, alice, WebhookIn(url=receiver.url))
        usecases.set_preferences(ctx, alice, PreferencesIn(webhook=False))
    with rt.context() as ctx:
        notify(ctx, [alice.user_id, bob.user_id], "test.hello", "两人", "正文")
        notify(ctx, [alice.user_id], "test.hello", "只有 alice", "正文")
    assert deliver_round(rt).sent == 1
    assert len(receiver.requests) == 1
    assert b'"recipients":["alice","bob"]' in receiver.requests[0]["body"]


def test_preferences_refuse_a_bad_address(rt, dept):
    from govbridge.core.errors import InvalidInput

    with rt.context() as ctx, pytest.raises(InvalidInput) as caught:
        usecases.set_preferences(ctx, dept["alice"], {"email_address": "not an address"})
    assert caught.value.problems[0].field == "email_address"

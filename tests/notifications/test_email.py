"""E-mail against a real SMTP server (aiosmtpd): delivered once, retried while the server
is down and delivered when it is up, the password in no log line."""

from __future__ import annotations

import logging

from pydantic import SecretStr
from sqlalchemy import select

from govbridge.notifications import rules, usecases
from govbridge.notifications.dispatcher import deliver_round
from govbridge.notifications.models import Delivery
from govbridge.notifications.outbox import notify
from govbridge.notifications.schemas import PreferencesIn
from tests.notifications.conftest import SMTP_PASSWORD, SMTP_USER


def _with_address(rt, actor, address: str) -> None:
    with rt.context() as ctx:
        usecases.set_preferences(ctx, actor, PreferencesIn(email_address=address))


def _delivery(rt) -> Delivery:
    with rt.context() as ctx:
        row = ctx.db.scalar(select(Delivery).where(Delivery.channel == rules.EMAIL))
        assert row is not None
        ctx.db.expunge(row)
        return row


def test_delivered_once_with_its_key_as_message_id(rt, dept, smtp, clock):
    smtp.start()
    _with_address(rt, dept["alice"], "alice@amr.suzhou.gov.cn")
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "新的共享申请", "请处理",
               link="/agreements/AGR-2026-000001")
    assert deliver_round(rt).sent == 1
    clock.advance(3600)
    assert deliver_round(rt).taken == 0  # sent is sent: never again
    [msg] = smtp.box.parsed()
    key = _delivery(rt).idempotency_key
    assert msg["Message-ID"] == f"<{key}@govbridge>"
    assert msg["To"] == "alice@amr.suzhou.gov.cn" and msg["Subject"] == "新的共享申请"
    assert "http://localhost:8000/agreements/AGR-2026-000001" in msg.get_content()


def test_no_address_no_email_and_no_smtp_no_email(rt, dept, smtp):
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "无地址", "正文")
    rt.settings.smtp_host = None
    _with_address(rt, dept["bob"], "bob@amr.suzhou.gov.cn")
    with rt.context() as ctx:
        notify(ctx, [dept["bob"].user_id], "test.hello", "未配置", "正文")
        assert ctx.db.scalar(select(Delivery)) is None


def test_retried_while_the_server_is_down_then_delivered(rt, dept, smtp, clock):
    _with_address(rt, dept["alice"], "alice@amr.suzhou.gov.cn")
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "稍后送达", "正文")
    report = deliver_round(rt)  # nobody listens on the port
    assert (report.taken, report.sent, report.retried) == (1, 0, 1)
    row = _delivery(rt)
    assert row.state == rules.PENDING and row.attempts == 1
    assert row.next_attempt_at == clock.now + rules.backoff(1, 30, 3600)
    assert "ConnectionRefusedError" in (row.last_error or "")
    assert deliver_round(rt).taken == 0  # not due before its back-off
    smtp.start()
    clock.advance(31)
    assert deliver_round(rt).sent == 1
    assert len(smtp.box.messages) == 1
    row = _delivery(rt)
    assert (row.state, row.attempts, row.last_error) == (rules.SENT, 2, None)


def test_given_up_after_the_last_attempt(rt, dept, smtp, clock):
    rt.settings.notify_max_attempts = 2
    _with_address(rt, dept["alice"], "alice@amr.suzhou.gov.cn")
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "送不到", "正文")
    assert deliver_round(rt).retried == 1
    clock.advance(3600)
    assert deliver_round(rt).dead == 1
    clock.advance(86400)
    assert deliver_round(rt).taken == 0
    assert _delivery(rt).state == rules.DEAD


def test_login_with_the_password_which_no_log_holds(rt, dept, smtp, clock, caplog):
    smtp.with_auth = True
    smtp.start()
    rt.settings.smtp_username = SMTP_USER
    rt.settings.smtp_password = SecretStr("a-wrong-password-also-secret")
    _with_address(rt, dept["alice"], "alice@amr.suzhou.gov.cn")
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "需要登录", "正文")
    caplog.set_level(logging.DEBUG)
    assert deliver_round(rt).retried == 1  # refused login: retried, not lost
    assert "SMTPAuthenticationError" in (_delivery(rt).last_error or "")
    rt.settings.smtp_password = SecretStr(SMTP_PASSWORD)
    clock.advance(31)
    assert deliver_round(rt).sent == 1
    assert smtp.logins[-1] == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
    assert len(smtp.box.messages) == 1
    for secret in (SMTP_PASSWORD, "a-wrong-password-also-secret"):
        assert secret not in caplog.text
        assert secret not in (_delivery(rt).last_error or "")
        assert secret not in repr(rt.settings)

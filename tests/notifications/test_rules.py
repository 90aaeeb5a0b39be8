"""notifications/rules.py: back-off, muting, keys, the Standard Webhooks signature (checked
with the `standardwebhooks` package), and how a URL is shown."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from govbridge.notifications import rules

T0 = datetime(2026, 12, 6, tzinfo=UTC)


def test_backoff_doubles_from_the_base_up_to_the_cap():
    waits = [rules.backoff(n, 30, 3600).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert rules.backoff(10_000, 30, 3600) == timedelta(hours=1)  # no overflow


def test_next_state_retries_until_the_last_attempt_then_gives_up():
    assert rules.next_state(1, 3, T0, 30, 3600) == (rules.PENDING, T0 + timedelta(seconds=30))
    assert rules.next_state(2, 3, T0, 30, 3600) == (rules.PENDING, T0 + timedelta(seconds=60))
    assert rules.next_state(3, 3, T0, 30, 3600) == (rules.DEAD, T0)


@pytest.mark.parametrize(("enabled", "urgent", "sent"), [
    (None, False, True), (True, False, True), (False, False, False),
    (None, True, True), (True, True, True), (False, True, True),
])
def test_urgent_cannot_be_muted(enabled, urgent, sent):
    assert rules.wants(enabled, urgent) is sent


def test_idempotency_key_is_one_per_notification_channel_and_target():
    keys = {rules.idempotency_key(n, c, t) for n in (1, 2) for c in ("email", "webhook")
            for t in (1, 2)}
    assert len(keys) == 8
    assert rules.idempotency_key(7, "webhook", 3) == "ntf_7_webhook_3"


def test_lease_outlasts_a_send_that_runs_to_its_timeout():
    assert rules.lease(10) > timedelta(seconds=10)


def test_signature_verifies_with_the_standardwebhooks_package():
    secret = rules.new_secret()
    assert secret.startswith("whsec_") and len(rules.secret_bytes(secret)) == rules.SECRET_BYTES
    body = json.dumps({"type": "agreement.requested", "data": {"subject": "共享申请"}},
                      ensure_ascii=False).encode()
    ts = int(time.time())
    headers = {"webhook-id": "ntf_1_webhook_1", "webhook-timestamp": str(ts),
               "webhook-signature": rules.sign(secret, "ntf_1_webhook_1", ts, body)}
    assert Webhook(secret).verify(body, headers)["data"]["subject"] == "共享申请"
    with pytest.raises(WebhookVerificationError):
        Webhook(rules.new_secret()).verify(body, headers)  # another secret
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)  # a changed body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "ntf_2_webhook_1"})


@pytest.mark.parametrize(("url", "shown"), [
    ("https://im.example.gov.cn/robot/send?access_token=abc", "https://im.example.gov.cn/robot/send?…"),
    ("https://u:p@hooks.example.gov.cn:8443/x#frag", "https://hooks.example.gov.cn:8443/x?…"),
    ("http://127.0.0.1:9000/hook", "http://127.0.0.1:9000/hook"),
])
def test_shown_url_hides_tokens_and_user_info(url, shown):
    assert rules.shown_url(url) == shown

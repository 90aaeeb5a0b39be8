"""Nothing is lost when the dispatcher is killed: a `govbridge notify deliver` process is
killed (SIGKILL) while its webhook is on the wire, after the commit of the change and of
its lease but before the delivery is marked; the row is sent again when the lease ends,
with the same `webhook-id`, and then never again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

from sqlalchemy import select
from standardwebhooks import Webhook

from govbridge.notifications import rules, usecases
from govbridge.notifications.dispatcher import deliver_round
from govbridge.notifications.models import Delivery
from govbridge.notifications.outbox import notify
from govbridge.notifications.schemas import WebhookIn

TIMEOUT = 20


def test_killed_dispatcher_loses_nothing_and_redelivers_with_the_same_id(
        rt, settings, dept, receiver, clock):
    receiver.hold = threading.Event()  # the receiver takes the request and keeps it
    receiver.start()
    with rt.context() as ctx:
        secret = usecases.add_webhook(ctx, dept["alice"], WebhookIn(url=receiver.url)).secret
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "agreement.requested", "杀不丢", "正文")
    env = {**os.environ, "GOVBRIDGE_HOME": str(settings.home),
           "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "GOVBRIDGE_WEBHOOK_HOSTS": json.dumps(["127.0.0.1"]),
           "GOVBRIDGE_NOTIFY_TIMEOUT_SECONDS": str(TIMEOUT)}
    proc = subprocess.Popen([sys.executable, "-m", "govbridge", "notify", "deliver"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert receiver.arrived.wait(60), proc.stderr.read() if proc.poll() is not None else ""
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    with rt.context() as ctx:
        row = ctx.db.scalar(select(Delivery))
        assert (row.state, row.attempts, row.sent_at) == (rules.PENDING, 1, None)
    # Leased by the dead process: not due until the lease ends, then due again.
    assert deliver_round(rt).taken == 0
    receiver.hold.set()
    receiver.hold = None
    clock.advance(rules.lease(TIMEOUT).total_seconds() + 60)
    report = deliver_round(rt)
    assert (report.taken, report.sent) == (1, 1)
    clock.advance(86400)
    assert deliver_round(rt).taken == 0
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    for request in (first, second):
        assert Webhook(secret).verify(request["body"], request["headers"])["data"]["subject"] \
            == "杀不丢"
    with rt.context() as ctx:
        row = ctx.db.scalar(select(Delivery))
        assert (row.state, row.attempts) == (rules.SENT, 2)

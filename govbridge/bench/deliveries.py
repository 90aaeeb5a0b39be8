"""Bench leg: notifications delivered per second to a local webhook receiver, against a
bare sender of the same signed messages in the same run (part of `govbridge bench tasks`,
as issue 14 asks: the reminders a round writes leave through these deliveries).

Ours: N notifications (`notify`, one transaction) to a user whose department has one
webhook endpoint on a receiver this bench starts on 127.0.0.1 (answers 204); then
dispatcher rounds (`deliver_round`, as the server runs them) until none is due: each row
leased in its own transaction, sent outside any transaction (Standard Webhooks signature),
marked sent in another. Baseline: `channels.send_webhook` of the same N messages (same
signing, same http.client connection per message), no database. The ratio is ours per
second over the baseline's: what the durable outbox (lease, mark, idempotency key) costs
on top of the wire.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select

from govbridge.runtime import Runtime


class _Receiver(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with _Receiver.lock:
            _Receiver.count += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def delivery_leg(rt: Runtime, notices: int) -> dict[str, Any]:
    """Deliver `notices` webhook notifications through the dispatcher, then send the same
    count bare; rt.settings.webhook_hosts must admit 127.0.0.1."""
    from govbridge.identity.actor import Actor
    from govbridge.identity.models import Organization, User
    from govbridge.notifications import usecases
    from govbridge.notifications.channels import send_webhook, webhook_body
    from govbridge.notifications.dispatcher import deliver_round
    from govbridge.notifications.outbox import notify
    from govbridge.notifications.schemas import WebhookIn

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, name="bench-receiver", daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with rt.context() as ctx:
            user = ctx.db.scalar(select(User).order_by(User.id))
            assert user is not None and user.organization_id is not None
            org = ctx.db.get(Organization, user.organization_id)
            assert org is not None
            secret = usecases.add_webhook(ctx, Actor.operator("bench"), WebhookIn(
                organization_code=org.code, url=url, description="bench")).secret
            for i in range(notices):
                notify(ctx, [user.id], "bench.delivery", f"基准通知 {i}",
                       f"任务 {i} 临近到期，请及时报告进度。", link=f"/campaign-tasks/{i}")
        _Receiver.count = 0
        started = time.perf_counter()
        sent = 0
        while True:
            report = deliver_round(rt, limit=1_000)
            sent += report.sent
            if report.taken == 0:
                break
        ours_s = time.perf_counter() - started
        received = _Receiver.count
        body = webhook_body({"type": "bench.delivery", "subject": "基准通知 0",
                             "body": "任务 0 临近到期，请及时报告进度。",
                             "link": "/campaign-tasks/0", "urgent": False})
        started = time.perf_counter()
        for i in range(notices):
            send_webhook(url, secret, msg_id=f"bench-{i}", body=body, timeout=10)
        bare_s = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()

    def per_s(n: int, s: float) -> float:
        return round(n / s, 1) if s else 0.0

    return {"notifications": notices, "sent": sent, "received": received,
            "seconds": round(ours_s, 3), "per_second": per_s(sent, ours_s),
            "bare_seconds": round(bare_s, 3), "bare_per_second": per_s(notices, bare_s),
            "ratio": round(bare_s / ours_s, 3) if ours_s else 0.0}

"""Pure rules of notification delivery (no I/O): channels, who gets what, back-off,
idempotency keys, the Standard Webhooks signature, and how a webhook URL is shown.

Back-off: attempt n (1-based) failed → wait base × 2^(n-1), at most `cap`; with the
defaults (30 s, 1 h, 12 attempts) the waits are 30 s, 1, 2, 4, 8, 16, 32 min, then 1 h
each: the 12 attempts span ~5 h (18,210 s), so a receiver down that long still gets it.
A lease (a dispatcher holding a row while it sends) is 3 × the send timeout + 30 s: a
killed dispatcher's rows are due again after it, and a live one never loses its lease
while a send can still be running.

Standard Webhooks (https://www.standardwebhooks.com): the signed content is
`{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 with the secret's bytes (the
base64 after `whsec_`), sent as `webhook-signature: v1,<base64>`; HMAC-SHA256 on 200 B
is ~650k/s here, so signing never limits delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

INAPP, EMAIL, WEBHOOK = "inapp", "email", "webhook"
# Channels a user may turn off (non-urgent only); the in-app inbox is the record and
# always holds every notification.
MUTABLE_CHANNELS = (EMAIL, WEBHOOK)
CHANNELS = (INAPP, *MUTABLE_CHANNELS)

PENDING, SENT, DEAD = "pending", "sent", "dead"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 24


def wants(enabled: bool | None, urgent: bool) -> bool:
    """Whether a recipient gets a notification on a channel: urgent ones cannot be
    muted; a channel without a stated preference is on."""
    return urgent or enabled is None or enabled


def backoff(attempt: int, base: float, cap: float) -> timedelta:
    """The wait after failed attempt `attempt` (1-based): base × 2^(attempt-1), ≤ cap."""
    exponent = min(max(attempt - 1, 0), 40)
    return timedelta(seconds=min(base * (2 ** exponent), cap))


def lease(timeout: float) -> timedelta:
    return timedelta(seconds=3 * timeout + 30)


def next_state(attempt: int, max_attempts: int, failed_at: datetime, base: float,
               cap: float) -> tuple[str, datetime]:
    """After failed attempt `attempt`: still pending (when next) or dead (given up)."""
    if attempt >= max_attempts:
        return DEAD, failed_at
    return PENDING, failed_at + backoff(attempt, base, cap)


def idempotency_key(notification_id: int, channel: str, target: int) -> str:
    """One key per notification × channel × target (user for e-mail, endpoint for
    webhooks); also the `webhook-id` and the e-mail's Message-ID, so a receiver sees a
    redelivery as the same message."""
    return f"ntf_{notification_id}_{channel}_{target}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one message."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def shown_url(url: str) -> str:
    """A webhook URL as lists and logs show it: no user info, no query or fragment
    (IM robot URLs carry their access token there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    hidden = "…" if parts.query or parts.fragment else ""
    return urlunsplit((parts.scheme, host, parts.path, "", "")) + (f"?{hidden}" if hidden else "")

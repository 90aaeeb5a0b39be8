"""The two outward channels, each one send of one message (I/O, no database):

- e-mail through SMTP (smtplib; STARTTLS unless turned off; login when a user name is
  set). The Message-ID is the delivery's idempotency key, so a mail client can tell a
  redelivery from a new message.
- webhooks signed per the Standard Webhooks specification (`webhook-id`,
  `webhook-timestamp`, `webhook-signature`), POSTed as JSON; any 2xx is delivered.

A failure raises `SendFailed` with a reason fit for the delivery row and the log: the
exception's class and the server's answer, never a URL (IM robot URLs carry tokens), a
password or a secret.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import ssl
import time
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from govbridge.config import Settings
from govbridge.notifications import rules

REASON_MAX = 300
# What is read of a receiver's answer (only its status counts).
RESPONSE_READ_MAX = 65_536


class SendFailed(Exception):
    """A send that did not happen (or whose outcome is unknown); retried later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason[:REASON_MAX])
        self.reason = reason[:REASON_MAX]


def send_email(settings: Settings, *, key: str, to: str, subject: str, body: str) -> None:
    if not settings.smtp_host:
        raise SendFailed("e-mail is not configured (GOVBRIDGE_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{key}@govbridge>"
    msg["X-Govbridge-Notification"] = key
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=settings.notify_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() \
                    if settings.smtp_password else ""
                smtp.login(settings.smtp_username, password)
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        raise SendFailed(f"{type(exc).__name__}: {exc.smtp_code} {text}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed(f"{type(exc).__name__}: {_plain_reason(exc)}") from None


def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def send_webhook(url: str, secret: str, *, msg_id: str, body: bytes, timeout: float) -> None:
    """POST one signed message. http.client, not httpx: httpx logs every request's full
    URL at INFO, and an IM robot's URL holds its token; redirects are not followed."""
    timestamp = int(time.time())  # the receiver checks it against its own clock
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": rules.sign(secret, msg_id, timestamp, body),
        "user-agent": "govbridge-webhooks",
    }
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(RESPONSE_READ_MAX)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise SendFailed(f"{type(exc).__name__}: {_plain_reason(exc, url)}") from None
    finally:
        conn.close()
    if not 200 <= status < 300:
        raise SendFailed(f"HTTP {status}")


def _plain_reason(exc: BaseException, url: str | None = None) -> str:
    text = str(exc)
    if url:
        text = text.replace(url, rules.shown_url(url))
    return text[:200]

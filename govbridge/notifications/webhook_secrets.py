"""Webhook signing secrets at rest: sealed with the installation key under their own
purpose (security/at_rest.py), opened only by the dispatcher to sign."""

from __future__ import annotations

from govbridge.config import Settings
from govbridge.security import at_rest

PURPOSE = "notifications.webhook-secret"


def seal_secret(settings: Settings, secret: str) -> bytes:
    return at_rest.seal(settings.secret_key, PURPOSE, secret.encode())


def open_secret(settings: Settings, blob: bytes) -> str:
    return at_rest.unseal(settings.secret_key, PURPOSE, blob).decode()

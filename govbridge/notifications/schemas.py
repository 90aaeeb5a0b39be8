"""Typed inputs and results of the notification use cases (API and CLI share them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS

# An address as RFC 5321 bounds it (254), one @, no spaces or angle brackets; whether it
# exists is the mail server's business.
EMAIL_PATTERN = r"^(|[^@\s<>,;]{1,64}@[^@\s<>,;]{1,253}\.[^@\s<>,;.]{1,63})$"


class InboxItemOut(BaseModel):
    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    urgent: bool
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int


class PreferencesIn(BaseModel):
    """Turn a channel on or off (left out: unchanged), and set the e-mail address."""

    model_config = ConfigDict(extra="forbid")

    email: bool | None = None
    webhook: bool | None = None
    email_address: Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)] | None = Field(
        default=None, description="where e-mail notifications go; empty string: none")


class PreferencesOut(BaseModel):
    inapp: bool = Field(description="always on: the inbox keeps every notification")
    email: bool
    webhook: bool
    email_address: str | None
    note: str = "urgent notifications are sent on every channel even when it is off"


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_code: str | None = Field(
        default=None, description="the department; default: your own")
    url: str = Field(min_length=8, max_length=2000)
    description: Annotated[str, Field(max_length=200), NO_CONTROLS] = ""


class WebhookOut(BaseModel):
    id: int
    organization_code: str
    url: str = Field(description="without query, fragment or user info (they may hold tokens)")
    description: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the whsec_ signing secret: shown this once, never again")


class DeliveryReport(BaseModel):
    """One dispatcher round: rows it took, sent, rescheduled, given up."""

    taken: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0

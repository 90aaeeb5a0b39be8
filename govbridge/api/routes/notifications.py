"""Notification routes: the caller's inbox (list, unread count, mark read), their
preferences per channel, and a department's webhook endpoints (secret returned once)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from govbridge.api.bodies import Id
from govbridge.api.deps import acting
from govbridge.notifications import usecases
from govbridge.notifications.schemas import (
    InboxItemOut,
    MarkedOut,
    PreferencesIn,
    PreferencesOut,
    UnreadOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=list[InboxItemOut], summary="Your notifications, newest first")
def inbox(request: Request, unread: bool = False,
          limit: int = Query(100, ge=1, le=usecases.INBOX_MAX)) -> list[InboxItemOut]:
    with acting(request) as (ctx, actor):
        return usecases.inbox(ctx, actor, unread_only=unread, limit=limit)


@router.get("/unread-count", response_model=UnreadOut, summary="How many are unread")
def unread_count(request: Request) -> UnreadOut:
    with acting(request) as (ctx, actor):
        return UnreadOut(unread=usecases.unread_count(ctx, actor))


@router.post("/read-all", response_model=MarkedOut, summary="Mark every notification read")
def mark_all_read(request: Request) -> MarkedOut:
    with acting(request) as (ctx, actor):
        return MarkedOut(marked=usecases.mark_all_read(ctx, actor))


@router.get("/preferences", response_model=PreferencesOut,
            summary="Your channels (in-app always on) and e-mail address")
def preferences(request: Request) -> PreferencesOut:
    with acting(request) as (ctx, actor):
        return usecases.preferences(ctx, actor)


@router.put("/preferences", response_model=PreferencesOut,
            summary="Turn e-mail or webhook on or off; urgent ones come anyway")
def set_preferences(body: PreferencesIn, request: Request) -> PreferencesOut:
    with acting(request) as (ctx, actor):
        return usecases.set_preferences(ctx, actor, body)


@router.get("/webhooks", response_model=list[WebhookOut],
            summary="A department's webhook endpoints (default: yours)")
def list_webhooks(request: Request, organization_code: str | None = Query(
        None, max_length=18)) -> list[WebhookOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_webhooks(ctx, actor, organization_code)


@router.post("/webhooks", response_model=WebhookCreated, status_code=201,
             summary="Register a signed webhook endpoint; the secret is shown this once")
def add_webhook(body: WebhookIn, request: Request) -> WebhookCreated:
    with acting(request) as (ctx, actor):
        return usecases.add_webhook(ctx, actor, body)


@router.post("/webhooks/{endpoint_id}/remove", response_model=WebhookOut,
             summary="Deactivate an endpoint")
def remove_webhook(endpoint_id: Id, request: Request) -> WebhookOut:
    with acting(request) as (ctx, actor):
        return usecases.remove_webhook(ctx, actor, endpoint_id)


@router.post("/{item_id}/read", response_model=InboxItemOut, summary="Mark one read")
def mark_read(item_id: Id, request: Request) -> InboxItemOut:
    with acting(request) as (ctx, actor):
        return usecases.mark_read(ctx, actor, item_id)

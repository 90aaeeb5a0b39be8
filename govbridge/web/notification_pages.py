"""The notification inbox page (通知): every signed-in user's notifications, newest first,
with the urgent ones marked; mark one or all read; and the user's channel preferences
(e-mail on or off and its address, webhook on or off — urgent notices come anyway).

The header shows the unread count on every page (`Viewer.unread`). The notification use
cases decide everything (whose inbox, what may be muted); this module only shows and
posts their forms through `frame.submit`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.notifications import usecases as notifications
from govbridge.notifications.schemas import PreferencesIn
from govbridge.runtime import Ctx
from govbridge.web import session
from govbridge.web.forms import FormError
from govbridge.web.frame import Viewer, redirect, submit, viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
SHOWN = 200


def _inbox_page(request: Request, lang: str, *, unread_only: bool = False,
                errors: list[FormError] | None = None, status: int = 200,
                email_address: str | None = None) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        items = notifications.inbox(ctx, viewer.actor, unread_only=unread_only, limit=SHOWN)
        prefs = notifications.preferences(ctx, viewer.actor)
    return render(request, "notifications/inbox.html", lang, status=status, viewer=viewer,
                  items=items, prefs=prefs, unread_only=unread_only, errors=errors or [],
                  email_address=prefs.email_address if email_address is None
                  else email_address)


@router.get("/notifications")
@web_page
def inbox_page(request: Request, unread: bool = False) -> Response:
    return _inbox_page(request, session.language(request), unread_only=unread)


@router.post("/notifications/read-all")
@web_page
def read_all(request: Request, csrf_token: FormStr = "") -> Response:
    return submit(request, lambda ctx, viewer: notifications.mark_all_read(ctx, viewer.actor),
                  csrf_token=csrf_token, done=lambda _n: redirect("/notifications"))


@router.post("/notifications/{item_id}/read")
@web_page
def read_one(item_id: int, request: Request, csrf_token: FormStr = "",
             next: FormStr = "") -> Response:
    def mark(ctx: Ctx, viewer: Viewer) -> str:
        item = notifications.mark_read(ctx, viewer.actor, item_id)
        # "Open" marks the notice read and goes where it points (a path of our own only).
        return session.safe_next(item.link) if next == "open" and item.link else "/notifications"

    return submit(request, mark, csrf_token=csrf_token, done=redirect)


@router.post("/notifications/preferences")
@web_page
def save_preferences(request: Request, email: FormStr = "", webhook: FormStr = "",
                     email_address: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)

    def save(ctx: Ctx, viewer: Viewer) -> object:
        data = PreferencesIn(email=email == "on", webhook=webhook == "on",
                             email_address=email_address.strip())
        return notifications.set_preferences(ctx, viewer.actor, data)

    return submit(request, save, csrf_token=csrf_token,
                  done=lambda _p: redirect("/notifications?saved=1"),
                  again=lambda errors, status: _inbox_page(
                      request, lang, errors=errors, status=status,
                      email_address=email_address))

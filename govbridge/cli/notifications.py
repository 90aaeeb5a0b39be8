"""`govbridge notify ...`: a user's inbox, one dispatcher round by hand, and departments'
webhook endpoints (the secret printed once, at `webhook add`)."""

from __future__ import annotations

import typer

from govbridge.cli.common import JsonOpt, emit, err, fail, out, settings, use_case
from govbridge.notifications import usecases
from govbridge.notifications.dispatcher import deliver_round
from govbridge.notifications.schemas import WebhookIn
from govbridge.runtime import Runtime
from govbridge.storage.migrate import current_revision, head_revision

notify_app = typer.Typer(help="Notifications (消息通知): inbox, delivery, webhooks.",
                         no_args_is_help=True)
webhook_app = typer.Typer(help="A department's signed webhook endpoints.", no_args_is_help=True)
notify_app.add_typer(webhook_app, name="webhook")

INBOX_COLUMNS = ["id", "created_at", "kind", "urgent", "subject", "read_at"]
WEBHOOK_COLUMNS = ["id", "organization_code", "url", "description", "active", "created_at"]


@notify_app.command("inbox")
def inbox_cmd(
    user: str | None = typer.Option(None, "--user", "-u", help="Whose inbox (user name)"),
    unread: bool = typer.Option(False, "--unread", help="Only unread notifications"),
    limit: int = typer.Option(100, min=1, max=usecases.INBOX_MAX, help="At most this many"),
    as_json: bool = JsonOpt,
) -> None:
    """A user's notifications, newest first, with the unread count."""
    with use_case() as (ctx, actor):
        items = usecases.inbox(ctx, actor, user=user, unread_only=unread, limit=limit)
        count = usecases.unread_count(ctx, actor, user=user)
    if as_json:
        emit({"unread": count, "items": [i.model_dump(mode="json") for i in items]}, True)
        return
    emit(items, False, INBOX_COLUMNS, title=f"Inbox ({count} unread)")


@notify_app.command("deliver")
def deliver_cmd(as_json: bool = JsonOpt) -> None:
    """Run one dispatcher round: send what is due by e-mail and webhook."""
    rt = Runtime(settings())
    try:
        if current_revision(rt.engine) != head_revision(rt.engine):
            raise fail("the database is not initialised or not up to date; run "
                       "`govbridge init` (or `govbridge db upgrade`)")
        report = deliver_round(rt)
    finally:
        rt.dispose()
    if as_json:
        emit(report, True)
    else:
        out.print(f"{report.taken} due: {report.sent} sent, {report.retried} to retry, "
                  f"{report.dead} given up")


@webhook_app.command("add")
def webhook_add_cmd(
    url: str = typer.Argument(..., help="The receiver's http(s) URL"),
    org: str | None = typer.Option(None, "--org", help="The department's credit code"),
    description: str = typer.Option("", help="What receives it (e.g. the duty group's IM)"),
    as_json: bool = JsonOpt,
) -> None:
    """Register a department's endpoint; prints its signing secret this once."""
    with use_case() as (ctx, actor):
        created = usecases.add_webhook(ctx, actor, WebhookIn(organization_code=org, url=url,
                                                             description=description))
    if as_json:
        emit(created, True)
        return
    emit(created, False, WEBHOOK_COLUMNS)
    err.print("signing secret (shown once; give it to the receiver to verify signatures):")
    typer.echo(created.secret)


@webhook_app.command("list")
def webhook_list_cmd(
    org: str | None = typer.Option(None, "--org", help="The department's credit code"),
    as_json: bool = JsonOpt,
) -> None:
    """A department's endpoints (URLs without query or user info; no secrets)."""
    with use_case() as (ctx, actor):
        rows = usecases.list_webhooks(ctx, actor, org)
    emit(rows, as_json, WEBHOOK_COLUMNS, title="Webhooks")


@webhook_app.command("remove")
def webhook_remove_cmd(endpoint_id: int, as_json: bool = JsonOpt) -> None:
    """Deactivate an endpoint; nothing more is sent to it."""
    with use_case() as (ctx, actor):
        row = usecases.remove_webhook(ctx, actor, endpoint_id)
    emit(row, as_json, WEBHOOK_COLUMNS)

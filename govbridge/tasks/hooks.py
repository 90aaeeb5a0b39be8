"""Inbound webhooks from the tools departments already run (Jitsi, Matrix, Nextcloud /
OnlyOffice): a tool registered for a campaign posts an entry into one of its tasks'
timelines ("minutes uploaded", "meeting ended"), signed as Standard Webhooks messages.

- Registration (`add_integration`, the campaign's leader or the bureau): a new `whsec_`
  secret, shown once, sealed at rest under its own purpose (security/at_rest.py), as the
  outbound webhook secrets are (notifications/webhook_secrets.py).
- Receipt (`receive`): the signature `v1,<base64 HMAC-SHA256 of id.timestamp.body>` is
  checked in constant time against each one offered (notifications/rules.sign, the
  same code that signs outbound ones; the tests sign with the `standardwebhooks`
  package); the timestamp must be within TOLERANCE seconds of now (5 minutes, the
  specification's usual window), and a `webhook-id` already received is refused (a
  replay within the window). Anything unverifiable is one vague 401, so a prober learns
  nothing about which part failed or whether the integration exists; a verified but
  wrong body is a 422 naming the field; a task outside the integration's campaign is a
  404. The body's text and link are checked as any user's (no control characters, the
  link by `links.checked_link`), and nothing of the secret is ever logged or echoed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

from sqlalchemy import select

from govbridge.audit.record import record
from govbridge.core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.actor import Actor
from govbridge.notifications import rules as webhook_rules
from govbridge.runtime import Ctx
from govbridge.security import at_rest
from govbridge.tasks import access, links
from govbridge.tasks.models import CampaignTask, TaskEvent, TaskHookReceipt, TaskIntegration
from govbridge.tasks.schemas import (
    ID_MAX,
    HookAccepted,
    HookEntryIn,
    IntegrationCreated,
    IntegrationIn,
    IntegrationOut,
)
from govbridge.tasks.usecases import find_campaign

PURPOSE = "tasks.hook-secret"
TOLERANCE = 300  # seconds either side of now
BODY_MAX = 16 * 1024
MSG_ID_MAX = 100
_VAGUE = "the webhook could not be verified"
# One reason code for every refusal: a "malformed" for an unknown id beside a
# "credentials" for a wrong signature told a prober which integration ids exist.
_VAGUE_REASON = "credentials"


def hook_path(integration_id: int) -> str:
    return f"/api/v1/task-hooks/{integration_id}"


def _out(i: TaskIntegration, code: str) -> IntegrationOut:
    return IntegrationOut(id=i.id, campaign=code, name=i.name, kind=i.kind, active=i.active,
                          hook_path=hook_path(i.id))


def add_integration(ctx: Ctx, actor: Actor, data: IntegrationIn) -> IntegrationCreated:
    """Register a tool for a campaign; its signing secret is in the result, this once."""
    data = checked(IntegrationIn, data)
    c = find_campaign(ctx, actor, data.campaign)
    if not access.can_plan(actor, c):
        raise PermissionDenied(Permission.TASK_LEAD.value,
                               "only the campaign's leader or the bureau adds integrations")
    secret = webhook_rules.new_secret()
    row = TaskIntegration(campaign_id=c.id, name=data.name.strip(), kind=data.kind,
                          secret_enc=at_rest.seal(ctx.settings.secret_key, PURPOSE,
                                                  secret.encode()),
                          active=True, created_by=actor.label, created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    record(ctx, actor, "task.integration.add", "campaign", c.code,
           {"integration": row.id, "name": row.name, "kind": row.kind})
    return IntegrationCreated(**_out(row, c.code).model_dump(), secret=secret)


def list_integrations(ctx: Ctx, actor: Actor, code: str) -> list[IntegrationOut]:
    c = find_campaign(ctx, actor, code)
    if not access.can_plan(actor, c):
        raise PermissionDenied(Permission.TASK_LEAD.value, "only the leader or the bureau")
    return [_out(i, c.code) for i in ctx.db.scalars(
        select(TaskIntegration).where(TaskIntegration.campaign_id == c.id)
        .order_by(TaskIntegration.id))]


def _verified(ctx: Ctx, integration: TaskIntegration | None, headers: Mapping[str, str],
              body: bytes) -> str:
    """The message id when the signature and timestamp hold; the one vague 401 otherwise."""
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, offered = (h.get("webhook-id", ""), h.get("webhook-timestamp", ""),
                              h.get("webhook-signature", ""))
    if (integration is None or not integration.active or not msg_id or len(msg_id) > MSG_ID_MAX
            or not msg_id.isprintable() or not (stamp.isascii() and stamp.isdigit())
            or len(stamp) > 12
            or not offered or len(offered) > 2000 or len(body) > BODY_MAX):
        raise AuthenticationFailed(_VAGUE, _VAGUE_REASON)
    if abs(int(ctx.now().timestamp()) - int(stamp)) > TOLERANCE:
        raise AuthenticationFailed(_VAGUE, _VAGUE_REASON)
    secret = at_rest.unseal(ctx.settings.secret_key, PURPOSE, integration.secret_enc).decode()
    expected = webhook_rules.sign(secret, msg_id, int(stamp), body).encode()
    if not any(hmac.compare_digest(expected, sig.encode()) for sig in offered.split(" ")
               if sig.isascii()):
        raise AuthenticationFailed(_VAGUE, _VAGUE_REASON)
    return msg_id


def receive(ctx: Ctx, integration_id: int, headers: Mapping[str, str], body: bytes
            ) -> HookAccepted:
    """Verify a tool's message and add its entry to the task's timeline (once per id)."""
    integration = (ctx.db.get(TaskIntegration, integration_id)
                   if 0 < integration_id <= ID_MAX else None)
    msg_id = _verified(ctx, integration, headers, body)
    assert integration is not None
    if ctx.db.get(TaskHookReceipt, (integration.id, msg_id)) is not None:
        raise Conflict("this webhook-id was received already; nothing was added",
                       "webhook-id", msg_id)
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput.one("body", "not JSON", None, "json") from None
    except RecursionError:  # thousands of nested brackets fit in BODY_MAX
        raise InvalidInput.one("body", "JSON nested too deeply", None, "json") from None
    entry = checked(HookEntryIn, raw if isinstance(raw, dict) else {"": raw})
    task = ctx.db.get(CampaignTask, entry.task)
    if task is None or task.campaign_id != integration.campaign_id:
        raise NotFound("task", entry.task)
    try:
        link = links.checked_link(entry.link)
    except links.LinkRefused as exc:
        raise InvalidInput.one("link", f"link refused: {exc}", None, "link") from None
    ctx.db.add(TaskHookReceipt(integration_id=integration.id, message_id=msg_id,
                               received_at=ctx.now()))
    # TaskEvent.actor holds 100 characters; a tool's name may take all of them.
    source = f"integration:{integration.name}"[:100]
    ctx.db.add(TaskEvent(task_id=task.id, at=ctx.now(), kind="external", actor=source,
                         percent=None, text=entry.text.strip() + (f"\n{link}" if link else "")))
    record(ctx, Actor(kind="client", name=f"integration-{integration.id}"), "task.hook",
           "task", task.id, {"integration": integration.id, "webhook_id": msg_id[:MSG_ID_MAX]})
    return HookAccepted(task=task.id)

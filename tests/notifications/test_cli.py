"""`govbridge notify ...`: inbox, deliver, webhook add/list/remove (secret printed once)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.notifications.outbox import notify

runner = CliRunner()


def _env(settings, receiver) -> dict[str, str]:
    return {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
            "GOVBRIDGE_WEBHOOK_HOSTS": json.dumps(["127.0.0.1"]), "COLUMNS": "200"}


def test_webhook_add_list_deliver_inbox(rt, settings, dept, receiver):
    receiver.start()
    env = _env(settings, receiver)
    added = runner.invoke(app, ["notify", "webhook", "add", receiver.url, "--org", dept["code"],
                                "--description", "值班群", "--json"], env=env)
    assert added.exit_code == 0, added.output
    created = json.loads(added.stdout)
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["url"].endswith("?…")
    listed = runner.invoke(app, ["notify", "webhook", "list", "--org", dept["code"], "--json"],
                           env=env)
    assert listed.exit_code == 0
    assert [w["id"] for w in json.loads(listed.stdout)] == [created["id"]]
    assert secret not in listed.output and "im-robot-token-123" not in listed.output
    with rt.context() as ctx:
        notify(ctx, [dept["alice"].user_id], "test.hello", "命令行", "正文")
    delivered = runner.invoke(app, ["notify", "deliver", "--json"], env=env)
    assert delivered.exit_code == 0, delivered.output
    assert json.loads(delivered.stdout) == {"taken": 1, "sent": 1, "retried": 0, "dead": 0}
    assert len(receiver.requests) == 1
    assert secret not in delivered.output
    inbox = runner.invoke(app, ["notify", "inbox", "--user", "alice", "--json"], env=env)
    assert inbox.exit_code == 0, inbox.output
    shown = json.loads(inbox.stdout)
    assert shown["unread"] == 1 and shown["items"][0]["subject"] == "命令行"
    table = runner.invoke(app, ["notify", "inbox", "--user", "alice"], env=env)
    assert "1 unread" in table.stdout and "命令行" in table.stdout
    removed = runner.invoke(app, ["notify", "webhook", "remove", str(created["id"])], env=env)
    assert removed.exit_code == 0


def test_errors_are_messages_not_tracebacks(rt, settings, dept, receiver):
    env = _env(settings, receiver)
    unknown = runner.invoke(app, ["notify", "inbox", "--user", "nobody"], env=env)
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    no_user = runner.invoke(app, ["notify", "inbox"], env=env)
    assert no_user.exit_code == 1 and "user account" in no_user.output
    bad = runner.invoke(app, ["notify", "webhook", "add", "http://10.0.0.1/x", "--org",
                              dept["code"]], env=env)
    assert bad.exit_code == 1 and "GOVBRIDGE_WEBHOOK_HOSTS" in bad.output

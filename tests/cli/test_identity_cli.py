"""`govbridge user list` masks applicants' identifiers unless `--reveal` (audited);
`govbridge client list` shows who made each key and whether they are still active."""

from __future__ import annotations

import json

from support import ORG_CODES, PASSWORD

CITIZEN = "320505199001019251"


def test_user_list_masks_until_revealed_and_the_reveal_is_audited(gb, rt):
    made = gb("user", "create", "zhang.san", "--name", "张三", "--role", "applicant",
              "--subject-id", CITIZEN, "--password-stdin", input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    masked = gb("user", "list", "--json")
    assert CITIZEN not in masked.stdout
    assert json.loads(masked.stdout)[0]["subject_id"] == "320505********9251"
    assert CITIZEN not in gb("user", "list").stdout
    revealed = gb("user", "list", "--reveal", "--json")
    assert json.loads(revealed.stdout)[0]["subject_id"] == CITIZEN
    from sqlalchemy import select

    from govbridge.audit.models import AuditEvent
    with rt.context() as ctx:
        event = ctx.db.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.reveal_subject_ids"))
    assert event is not None and event.details["usernames"] == ["zhang.san"]


def test_client_list_shows_creator_and_whether_active(gb):
    gb("org", "create", ORG_CODES[0], "苏州市公安局")
    assert gb("client", "create", "--org", ORG_CODES[0], "--name", "户籍系统").exit_code == 0
    row = json.loads(gb("client", "list", "--json").stdout)[0]
    assert row["created_by"].startswith("operator:") and row["created_by_active"] is None

"""The command line meets the schemas' limits: a reason or comment that is empty, longer than
its schema allows or holds a control character is refused with the field, the rule and exit
code 1, and nothing is stored (no state change, no ledger entry, no audit event) — the same
rules the API's 422 problem names."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from govbridge.agreements.models import Agreement
from govbridge.agreements.schemas import REASON_MAX
from govbridge.audit.models import AuditEvent
from govbridge.catalog.models import Dataset
from govbridge.ledger.models import LedgerEntry, LedgerSubjectKey
from govbridge.seals.models import SealKey
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from support import ORG_CODES

CREDIT = next(e.code for e in BUILTIN_ELEMENTS if e.validator == "credit_code")
PROVIDER, CONSUMER = ORG_CODES[0], ORG_CODES[1]
MEGABYTE = "长" * (1 << 20)


def _bad_reasons(limit: int) -> list[tuple[str, str]]:
    """(reason, what the message must say) for each way a reason is refused."""
    return [
        ("x" * (limit + 1), f"at most {limit} characters"),
        (MEGABYTE, f"at most {limit} characters"),
        ("stop\x00here", "control character U+0000"),
        ("\x1b[2Jcleared", "control character U+001B"),
    ]


def _stored(rt) -> tuple[int, int]:
    with rt.context() as ctx:
        return (ctx.db.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
                ctx.db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _refused(result, field: str, says: str) -> None:
    assert result.exit_code == 1, result.output
    assert f"{field}: " in result.stderr and says in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr) < 2000, "the refused value is not echoed whole"


@pytest.fixture
def published(gb, tmp_path) -> str:
    assert gb("org", "create", PROVIDER, "苏州市市场监督管理局").exit_code == 0
    assert gb("org", "create", CONSUMER, "苏州市人力资源和社会保障局").exit_code == 0
    spec = {
        "name": "企业登记信息", "abstract": "企业登记信息的登记信息。", "provider_code": PROVIDER,
        "share_type": "conditional", "share_condition": "仅限政务服务",
        "subject_type": "enterprise", "subject_field": "credit_code",
        "fields": [{"name": "credit_code", "title": "统一社会信用代码", "element": CREDIT,
                    "required": True, "grade": "general-1"}],
    }
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    made = gb("catalog", "create", str(path), "--json")
    assert made.exit_code == 0, made.output
    code = json.loads(made.stdout)["resource_code"]
    assert gb("catalog", "submit", code).exit_code == 0
    assert gb("catalog", "review", code, "--approve").exit_code == 0
    return code


@pytest.fixture
def requested(gb, published) -> str:
    made = gb("agreement", "request", published, "--consumer", CONSUMER,
              "--field", "credit_code", "--purpose-code", "320500-SI-0001",
              "--purpose-text", "企业职工参保登记", "--valid-until", "2099-12-31", "--json")
    assert made.exit_code == 0, made.output
    return json.loads(made.stdout)["code"]


def _agreement(rt, code: str) -> Agreement:
    with rt.context() as ctx:
        agr = ctx.db.scalar(select(Agreement).where(Agreement.code == code))
        assert agr is not None
        ctx.db.expunge(agr)
        return agr


@pytest.mark.parametrize("command", ["refuse", "revoke"])
def test_agreement_reason_limits(gb, rt, requested, command):
    before = _stored(rt)
    blank = gb("agreement", command, requested, "--reason", "   ")
    _refused(blank, "reason", "say why")
    for reason, says in _bad_reasons(REASON_MAX):
        _refused(gb("agreement", command, requested, "--reason", reason), "reason", says)
    agr = _agreement(rt, requested)
    assert agr.state == "requested" and agr.decision_reason is None
    assert agr.revoked_reason is None
    assert _stored(rt) == before
    # At the limit, with a line break and a tab, the reason is taken whole.
    fine = "第一行\n\t" + "x" * (REASON_MAX - 5)
    done = gb("agreement", command, requested, "--reason", fine, "--json")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert (shown["decision_reason"] if command == "refuse" else shown["revoked_reason"]) \
        == fine.strip()


def test_agreement_approve_names_at_most_the_schema_s_fields(gb, rt, requested):
    before = _stored(rt)
    args = ["agreement", "approve", requested]
    for i in range(301):
        args += ["--field", f"f{i}"]
    _refused(gb(*args), "fields", "at most 300 items")
    assert _agreement(rt, requested).state == "requested" and _stored(rt) == before


def test_agreement_request_purpose_text_limits(gb, rt, published):
    base = ["agreement", "request", published, "--consumer", CONSUMER, "--field",
            "credit_code", "--purpose-code", "320500-SI-0001", "--valid-until", "2099-12-31"]
    for text, says in _bad_reasons(2000):
        result = gb(*base, "--purpose-text", text)
        assert result.exit_code == 2, result.output
        assert "purpose_text" in result.stderr and says in result.stderr, result.stderr
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(Agreement)) == 0


def test_catalog_review_comment_and_retire_reason_limits(gb, rt, tmp_path, published):
    before = _stored(rt)
    for reason, says in _bad_reasons(2000):
        _refused(gb("catalog", "retire", published, "--reason", reason), "reason", says)
    with rt.context() as ctx:
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == published))
        assert ds is not None and ds.status == "published"
    assert _stored(rt) == before
    # A second version awaiting review: a return with a bad comment leaves it submitted.
    other = gb("catalog", "list", "--json")
    assert other.exit_code == 0
    spec = {
        "name": "企业年报信息", "abstract": "企业年报信息的登记信息。", "provider_code": PROVIDER,
        "share_type": "unconditional", "subject_type": "enterprise",
        "subject_field": "credit_code",
        "fields": [{"name": "credit_code", "title": "统一社会信用代码", "element": CREDIT,
                    "required": True, "grade": "general-1"}],
    }
    path = tmp_path / "second.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    code = json.loads(gb("catalog", "create", str(path), "--json").stdout)["resource_code"]
    assert gb("catalog", "submit", code).exit_code == 0
    before = _stored(rt)
    for comment, says in _bad_reasons(2000):
        _refused(gb("catalog", "review", code, "--return", "--comment", comment), "comment",
                 says)
    with rt.context() as ctx:
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == code))
        assert ds is not None and ds.status == "submitted"
    assert _stored(rt) == before


def test_seal_revoke_reason_limits(gb, rt):
    assert gb("org", "create", PROVIDER, "苏州市公安局").exit_code == 0
    issued = gb("seal", "issue", PROVIDER, "--json")
    assert issued.exit_code == 0, issued.output
    kid = json.loads(issued.stdout)["kid"]
    before = _stored(rt)
    for reason, says in _bad_reasons(500):
        _refused(gb("seal", "revoke", kid, "--reason", reason), "reason", says)
    with rt.context() as ctx:
        key = ctx.db.scalar(select(SealKey).where(SealKey.kid == kid))
        assert key is not None and key.status == "active" and key.revoke_reason is None
    assert _stored(rt) == before


def test_subject_key_rotation_reason_limits(gb, rt):
    with rt.context() as ctx:
        epochs = ctx.db.scalar(select(func.count()).select_from(LedgerSubjectKey))
    before = _stored(rt)
    _refused(gb("ledger", "rotate-subject-key", "--reason", " "), "reason", "say why")
    for reason, says in _bad_reasons(500):
        _refused(gb("ledger", "rotate-subject-key", "--reason", reason), "reason", says)
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(LedgerSubjectKey)) == epochs
    assert _stored(rt) == before


def _count(rt, model) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model)) or 0


def test_identity_names_meet_their_schemas(gb, rt):
    from govbridge.identity.models import ApiClient, Organization, User
    from support import PASSWORD

    for name, says in [("局", "at least 2 characters"), ("局" * 201, "at most 200 characters"),
                       ("公安\x00局", "control character U+0000")]:
        _refused(gb("org", "create", PROVIDER, name), "name", says)
    assert _count(rt, Organization) == 0
    assert gb("org", "create", PROVIDER, "苏州市公安局").exit_code == 0
    for name, says in [("户", "at least 2 characters"), ("户" * 101, "at most 100 characters"),
                       ("户籍\x1b[2J系统", "control character U+001B")]:
        _refused(gb("client", "create", "--org", PROVIDER, "--name", name), "name", says)
    assert _count(rt, ApiClient) == 0
    users = _count(rt, User)
    for name, says in [("张" * 101, "at most 100 characters"), ("张\x07三", "U+0007")]:
        result = gb("user", "create", "zhang.san", "--name", name, "--role", "auditor",
                    "--password-stdin", input=PASSWORD + "\n")
        _refused(result, "display_name", says)
        assert PASSWORD not in result.output
    _refused(gb("user", "create", "zs", "--name", "张三", "--role", "auditor",
                "--password-stdin", input=PASSWORD + "\n"), "username", "at least 3")
    assert _count(rt, User) == users

"""`govbridge agreement ...`: the command-line contract."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from support import ORG_CODES

runner = CliRunner()
CREDIT = next(e.code for e in BUILTIN_ELEMENTS if e.validator == "credit_code")
NAME = next(e.code for e in BUILTIN_ELEMENTS if e.name_zh == "市场主体名称")
PROVIDER, CONSUMER = ORG_CODES[0], ORG_CODES[1]


def _spec(name: str, share_type: str) -> dict:
    extra = {"share_condition": "仅限政务服务"} if share_type == "conditional" else {}
    return {
        "name": name,
        "abstract": f"{name}的登记信息。",
        "provider_code": PROVIDER,
        "share_type": share_type,
        "subject_type": "enterprise",
        "subject_field": "credit_code",
        **extra,
        "fields": [
            {"name": "credit_code", "title": "统一社会信用代码", "element": CREDIT,
             "required": True, "grade": "general-1"},
            {"name": "entity_name", "title": "市场主体名称", "element": NAME,
             "grade": "general-1"},
        ],
    }


def test_request_approve_refuse_revoke(rt, settings, tmp_path):
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}

    def gb(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert gb("init").exit_code == 0
    assert gb("org", "create", PROVIDER, "苏州市市场监督管理局").exit_code == 0
    assert gb("org", "create", CONSUMER, "苏州市人力资源和社会保障局").exit_code == 0
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(_spec("企业登记信息", "conditional"), ensure_ascii=False),
                    encoding="utf-8")
    made = gb("catalog", "create", str(path), "--json")
    assert made.exit_code == 0, made.output
    dataset = json.loads(made.stdout)["resource_code"]
    assert gb("catalog", "submit", dataset).exit_code == 0
    assert gb("catalog", "review", dataset, "--approve").exit_code == 0

    def ask(*fields: str):
        args = ["agreement", "request", dataset, "--consumer", CONSUMER,
                "--purpose-code", "320500-SI-0001", "--purpose-text", "企业职工参保登记",
                "--valid-until", "2099-12-31", "--json"]
        for f in fields:
            args += ["--field", f]
        return gb(*args)

    first = ask("credit_code", "entity_name")
    assert first.exit_code == 0, first.output
    agr = json.loads(first.stdout)
    assert agr["state"] == "requested" and agr["consumer_code"] == CONSUMER
    code = agr["code"]

    approved = gb("agreement", "approve", code, "--field", "credit_code",
                  "--mask", "credit_code=hash", "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["state"] == "partially_approved"
    assert json.loads(approved.stdout)["grants"] == {"credit_code": "hash"}

    # JSON: a table's column width depends on the terminal the console was created for.
    shown = gb("agreement", "show", code, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["state"] == "partially_approved"
    assert json.loads(shown.stdout)["grants"] == {"credit_code": "hash"}

    second = json.loads(ask("entity_name").stdout)["code"]
    no_reason = gb("agreement", "refuse", second)
    assert no_reason.exit_code == 1 and "reason" in no_reason.stderr
    refused = gb("agreement", "refuse", second, "--reason", "用途不符", "--json")
    assert json.loads(refused.stdout)["state"] == "refused"

    listed = json.loads(gb("agreement", "list", "--json").stdout)
    assert [a["code"] for a in listed] == [second, code]
    only = json.loads(gb("agreement", "list", "--state", "refused", "--json").stdout)
    assert [a["code"] for a in only] == [second]

    revoked = gb("agreement", "revoke", code, "--reason", "项目结束", "--json")
    assert json.loads(revoked.stdout)["state"] == "revoked"
    assert json.loads(gb("agreement", "overdue", "--json").stdout) == []
    assert "no overdue requests" in gb("agreement", "overdue").stdout

    # errors
    unknown = ask("salary")
    assert unknown.exit_code == 1 and "salary" in unknown.stderr
    bad_mask = gb("agreement", "approve", second, "--mask", "credit_code")
    assert bad_mask.exit_code == 2
    bad_date = gb("agreement", "request", dataset, "--field", "credit_code",
                  "--purpose-text", "x" * 3, "--valid-until", "31/12/2099")
    assert bad_date.exit_code == 2 and "--valid-until" in bad_date.stderr
    missing = gb("agreement", "show", "AGR-2026-999999")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr

"""`govbridge catalog`: the command-line contract scripts and auditors rely on."""

from __future__ import annotations

import json

from rdflib import Graph
from rdflib.namespace import DCAT, RDF
from typer.testing import CliRunner

from govbridge.cli.main import app
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from support import ORG_CODES

runner = CliRunner()
CREDIT = next(e.code for e in BUILTIN_ELEMENTS if e.validator == "credit_code")
NAME = next(e.code for e in BUILTIN_ELEMENTS if e.name_zh == "市场主体名称")


def _spec(name: str, keywords: list[str]) -> dict:
    return {
        "name": name,
        "abstract": f"{name}的登记信息。",
        "provider_code": ORG_CODES[0],
        "share_type": "unconditional",
        "subject_type": "enterprise",
        "subject_field": "credit_code",
        "keywords": keywords,
        "fields": [
            {
                "name": "credit_code",
                "title": "统一社会信用代码",
                "element": CREDIT,
                "required": True,
                "grade": "general-1",
            },
            {"name": "entity_name", "title": "市场主体名称", "element": NAME, "grade": "general-1"},
        ],
    }


def test_create_review_search_and_export(rt, settings, tmp_path):
    env = {
        "GOVBRIDGE_HOME": str(settings.home),
        "GOVBRIDGE_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
    }

    def gb(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert gb("init").exit_code == 0
    assert gb("org", "create", ORG_CODES[0], "苏州市市场监督管理局").exit_code == 0
    codes = []
    for name, kw in (("企业营业执照信息", ["营业执照"]), ("个体工商户登记信息", ["个体户"])):
        path = tmp_path / f"{len(codes)}.json"
        path.write_text(json.dumps(_spec(name, kw), ensure_ascii=False), encoding="utf-8")
        made = gb("catalog", "create", str(path), "--json")
        assert made.exit_code == 0, made.output
        code = json.loads(made.stdout)["resource_code"]
        assert gb("catalog", "submit", code).exit_code == 0
        assert gb("catalog", "review", code, "--approve").exit_code == 0
        codes.append(code)

    hits = json.loads(gb("catalog", "search", "营业执照", "--json").stdout)
    assert [h["resource_code"] for h in hits] == [codes[0]]
    assert hits[0]["name"] == "企业营业执照信息"
    everything = json.loads(gb("catalog", "search", "登记", "--json").stdout)
    assert {h["resource_code"] for h in everything} == set(codes)

    out = tmp_path / "catalog.ttl"
    assert gb("catalog", "export-dcat", "--format", "turtle", str(out)).exit_code == 0
    graph = Graph().parse(out, format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 2
    assert gb("catalog", "export-dcat", "--format", "rdfxml", str(out)).exit_code == 2

    returned = gb("catalog", "review", codes[0], "--return")
    assert returned.exit_code == 1  # already published: nothing to review
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**_spec("x数据", []), "share_type": "none"}), encoding="utf-8")
    refused = gb("catalog", "create", str(bad))
    assert refused.exit_code == 1 and "legal_basis" in refused.stderr

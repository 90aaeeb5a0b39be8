"""The certificate co-occurrence graph: the worked example of the pure builder, filters,
the deterministic layout and SVG, the use case on recorded cases recounted with plain SQL,
who may read it, the CLI JSON contract, and no personal identifier anywhere."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from govbridge.analytics import cooccurrence, graph
from govbridge.analytics.cooccurrence import ItemMaterials
from govbridge.core.errors import PermissionDenied

ITEMS = [
    ItemMaterials("X", "事项X", "D1", (("lic", "营业执照", "P1", "certificate"),
                                     ("id", "居民身份证", "P2", "certificate"),
                                     ("title", "不动产权证书", "P3", "certificate"),
                                     ("form", "申请表", None, "form"))),
    ItemMaterials("Y", "事项Y", "D2", (("lic", "营业执照", "P1", "certificate"),
                                     ("id", "居民身份证", "P2", "certificate"))),
]


def test_worked_example_of_the_docstring():
    g = cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {("X", "title"): 30, ("Y", "id"): 5})
    edges = {(e.source, e.target): e.weight for e in g.edges}
    assert edges == {("id", "lic"): 140, ("lic", "title"): 100, ("id", "title"): 100}
    nodes = {n.key: n for n in g.nodes}
    assert "form" not in nodes
    assert nodes["lic"].demand == 140 and nodes["title"].demand == 100
    assert nodes["lic"].items == ["X", "Y"] and nodes["lic"].departments == ["D1", "D2"]
    # Ranked by submissions saved, then demand.
    assert [n.key for n in g.nodes] == ["title", "id", "lic"]


def test_filters():
    by_provider = cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {}, department="P3")
    assert {n.key for n in by_provider.nodes} == {"lic", "id", "title"}
    assert cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {}, department="D2").edges[0].weight \
        == 40
    assert [e.weight for e in cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {},
                                                 min_weight=120).edges] == [140]
    assert cooccurrence.build(ITEMS, {}, {}, item="nope").nodes == []


def test_layout_and_svg_are_deterministic_and_parse():
    g = cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {})
    a = cooccurrence.svg(g, "图", "空", {"P1": "市场监管局"})
    assert a == cooccurrence.svg(cooccurrence.build(ITEMS, {"X": 100, "Y": 40}, {}), "图", "空",
                                 {"P1": "市场监管局"})
    root = ET.fromstring(a)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}circle")) == 3 and len(root.findall(f"{ns}line")) == 3
    pos = cooccurrence.circle_layout(["a", "b", "c", "d"], 200, 20)
    assert pos["a"] == pytest.approx((100, 20)) and pos["b"] == pytest.approx((180, 100))
    assert "空" in cooccurrence.svg(cooccurrence.Graph([], []), "图", "空", {})


def test_the_graph_of_recorded_cases_matches_a_recount(rt, gov):
    with rt.context() as ctx:
        result = graph.certificate_graph(ctx, gov.bureau)
        cases = ctx.db.execute(text("SELECT count(*) FROM cases WHERE item_code = :i"),
                               {"i": gov.item}).scalar()
        uploaded = dict(ctx.db.execute(text(
            "SELECT m.key, count(*) FROM case_materials m JOIN cases c ON c.id = m.case_id "
            "WHERE m.status = 'uploaded' AND c.item_code = :i GROUP BY m.key"),
            {"i": gov.item}).all())
    nodes = {n.key: n for n in result.nodes}
    assert set(nodes) == {"3205/000001", "3205/000005"}
    assert nodes["3205/000001"].demand == cases and nodes["3205/000001"].name == "数据集1"
    assert nodes["3205/000001"].saves == uploaded.get("id_card", 0) > 0
    assert nodes["3205/000005"].saves == uploaded.get("licence", 0) > 0
    assert nodes["3205/000005"].provider == gov.codes["B"]
    [edge] = result.edges
    assert edge.weight == cases and edge.items == [gov.item]


def test_who_may_read_it_and_nothing_personal(rt, gov):
    with rt.context() as ctx:
        for actor in (gov.applicant, gov.clerk("A")):
            with pytest.raises(PermissionDenied):
                graph.certificate_graph(ctx, actor)
        officer = graph.certificate_graph(ctx, gov.officer("B"))
        svg = graph.certificate_graph_svg(ctx, gov.bureau)
        personal = {v for r in ctx.db.execute(text(
            "SELECT applicant_id, applicant_name FROM cases")) for v in r}
    assert officer.nodes
    shown = svg + officer.model_dump_json()
    assert not any(p in shown for p in personal)


def test_cli_contract(rt, gov, settings):
    from govbridge.cli.main import app

    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["analytics", "certificates", "--json"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    for node in doc["nodes"]:
        assert {"name", "provider", "items", "demand"} <= set(node)
    assert all("weight" in e for e in doc["edges"]) and doc["edges"]

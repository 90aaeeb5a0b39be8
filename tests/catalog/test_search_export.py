"""Search (Chinese substrings, English, facets, relevance) and DCAT-AP export."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF

from govbridge.catalog import dcat, search
from govbridge.catalog.terms import query_terms, tokens


def test_tokens_bigrams_and_words():
    assert tokens("企业营业执照信息") == ["企业", "业营", "营业", "业执", "执照", "照信", "信息"]
    assert tokens("Business Licence 2024") == ["business", "licence", "2024"]
    assert query_terms("营业执照") == ["营业", "业执", "执照"]
    assert tokens("证") == ["证"]


@pytest.fixture
def catalog(entry, publish, elements):
    licence = publish(entry())
    birth = publish(
        entry(
            name="出生医学证明",
            name_en="Birth medical certificate",
            abstract="新生儿出生医学证明信息，含营业执照无关内容。",
            keywords=["出生", "新生儿"],
            subject_type="person",
            subject_field="child_id",
            share_type="conditional",
            share_condition="办理户籍登记时使用",
            fields=[
                {
                    "name": "child_id",
                    "title": "新生儿公民身份号码",
                    "element": elements["citizen_id"],
                    "grade": "important",
                },
                {
                    "name": "child_name",
                    "title": "新生儿姓名",
                    "element": elements["name"],
                    "grade": "general-3",
                },
            ],
        )
    )
    return {"licence": licence.resource_code, "birth": birth.resource_code}


def test_chinese_substring_finds_the_entry(rt, catalog, provider):
    with rt.context() as ctx:
        result = search.search(ctx, provider["officer"], "营业执照")
    codes = [h.resource_code for h in result.hits]
    # The licence is named for it; the birth certificate only mentions it in its abstract.
    assert codes == [catalog["licence"], catalog["birth"]]
    assert result.hits[0].score > result.hits[1].score


def test_english_and_field_titles(rt, catalog, provider):
    with rt.context() as ctx:
        assert [
            h.resource_code
            for h in search.search(ctx, provider["officer"], "birth certificate").hits
        ] == [catalog["birth"]]
        assert [
            h.resource_code for h in search.search(ctx, provider["officer"], "新生儿姓名").hits
        ] == [catalog["birth"]]
        assert search.search(ctx, provider["officer"], "不动产").total == 0


def test_filters_and_facets(rt, catalog, provider):
    with rt.context() as ctx:
        everything = search.search(ctx, provider["officer"], "")
        conditional = search.search(
            ctx, provider["officer"], "", filters={"share_type": "conditional"}
        )
    assert everything.total == 2
    assert everything.facets["share_type"] == {"conditional": 1, "unconditional": 1}
    assert everything.facets["subject_type"] == {"enterprise": 1, "person": 1}
    assert [h.resource_code for h in conditional.hits] == [catalog["birth"]]
    # A facet's own filter does not hide its other values.
    assert conditional.facets["share_type"] == {"conditional": 1, "unconditional": 1}
    assert conditional.facets["grade"] == {"important": 1}


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_dcat_export_parses_and_names_every_dataset(rt, catalog, provider, fmt):
    with rt.context() as ctx:
        text = dcat.export_catalog(ctx, provider["officer"], fmt, "https://data.example.gov")
    graph = Graph().parse(data=text, format=fmt)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    identifiers = {str(graph.value(d, DCTERMS.identifier)) for d in datasets}
    assert identifiers == set(catalog.values())
    titles = {str(t) for d in datasets for t in graph.objects(d, DCTERMS.title)}
    assert "出生医学证明" in titles and "Birth medical certificate" in titles
    if fmt == "json-ld":
        json.loads(text)


def test_hits_and_facets_name_their_provider(rt, catalog, provider):
    with rt.context() as ctx:
        result = search.search(ctx, provider["officer"], "营业执照")
    assert {h.provider_code for h in result.hits} == {provider["code"]}
    assert set(result.facets["provider"]) == set(result.provider_names)
    assert result.provider_names[provider["code"]] == "苏州市市场监督管理局"

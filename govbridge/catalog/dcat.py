"""Export the published catalog as DCAT-AP (RDF via rdflib): Turtle or JSON-LD."""

from __future__ import annotations

from typing import Literal

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD
from sqlalchemy import select

from govbridge.catalog.models import Dataset
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx

EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FILE = Namespace("http://publications.europa.eu/resource/authority/file-type/")

FREQUENCY = {
    "realtime": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
ACCESS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "none": "NON_PUBLIC"}
MEDIA = {"database": "JSON", "api": "JSON", "stream": "JSON", "spreadsheet": "XLSX", "file": "CSV"}


def catalog_graph(ctx: Ctx, actor: Actor, base_url: str, *, open_only: bool = False) -> Graph:
    require(actor, Permission.CATALOG_READ)
    base = base_url.rstrip("/")
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    catalog = URIRef(f"{base}/catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, RDFLiteral("政务信息资源目录", lang="zh")))
    g.add(
        (catalog, DCTERMS.title, RDFLiteral("Government information resource catalog", lang="en"))
    )
    stmt = select(Dataset).where(Dataset.status == "published").order_by(Dataset.resource_code)
    if open_only:
        stmt = stmt.where(Dataset.open_to_public.is_(True))
    publishers: dict[str, URIRef] = {}
    for ds in ctx.db.scalars(stmt):
        node = URIRef(f"{base}/catalog/{ds.resource_code}")
        g.add((catalog, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, RDFLiteral(ds.resource_code)))
        g.add((node, DCTERMS.title, RDFLiteral(ds.name, lang="zh")))
        if ds.name_en:
            g.add((node, DCTERMS.title, RDFLiteral(ds.name_en, lang="en")))
        g.add((node, DCTERMS.description, RDFLiteral(ds.abstract, lang="zh")))
        for kw in ds.keywords:
            g.add((node, DCAT.keyword, RDFLiteral(kw, lang="zh")))
        if ds.published_at:
            g.add(
                (
                    node,
                    DCTERMS.issued,
                    RDFLiteral(ds.published_at.date().isoformat(), datatype=XSD.date),
                )
            )
        g.add(
            (
                node,
                DCTERMS.modified,
                RDFLiteral(ds.updated_at.date().isoformat(), datatype=XSD.date),
            )
        )
        g.add((node, DCTERMS.accrualPeriodicity, EU_FREQ[FREQUENCY[ds.update_frequency]]))
        g.add((node, DCTERMS.accessRights, EU_ACCESS[ACCESS[ds.share_type]]))
        g.add(
            (
                node,
                URIRef("http://www.w3.org/2002/07/owl#versionInfo"),
                RDFLiteral(str(ds.published_version)),
            )
        )
        publisher = publishers.get(ds.provider.code)
        if publisher is None:
            publisher = URIRef(f"{base}/organizations/{ds.provider.code}")
            publishers[ds.provider.code] = publisher
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, RDFLiteral(ds.provider.name, lang="zh")))
            g.add((publisher, DCTERMS.identifier, RDFLiteral(ds.provider.code)))
        g.add((node, DCTERMS.publisher, publisher))
        for related in ds.related_codes:
            g.add((node, DCTERMS.relation, URIRef(f"{base}/catalog/{related}")))
        dist = BNode()
        g.add((node, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.format, EU_FILE[MEDIA[ds.format]]))
        g.add((dist, DCAT.accessURL, URIRef(f"{base}/api/v1/catalog/{ds.resource_code}")))
    return g


def export_catalog(
    ctx: Ctx,
    actor: Actor,
    fmt: Literal["turtle", "json-ld"],
    base_url: str,
    *,
    open_only: bool = False,
) -> str:
    graph = catalog_graph(ctx, actor, base_url, open_only=open_only)
    return graph.serialize(format=fmt, **({"auto_compact": True} if fmt == "json-ld" else {}))

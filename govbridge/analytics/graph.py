"""Use cases of the certificate co-occurrence graph: the graph as data and as SVG.

Reads the service items' required materials (with the provider of each bound certificate
type or dataset), the number of cases per item and the uploads per item and material
(three grouped queries, whatever the number of cases), and lets `analytics.cooccurrence`
(pure) build, rank and draw the graph. Aggregates by item only: no case, applicant or
count per person reaches it. Who: `analytics.read` (the bureau, auditors, departments'
data officers).
"""

from __future__ import annotations

from sqlalchemy import func, select

from govbridge.analytics import cooccurrence
from govbridge.analytics.schemas import GraphEdge, GraphNode, GraphOut
from govbridge.cases.models import Case, CaseMaterial
from govbridge.catalog.models import Dataset
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx
from govbridge.services.models import ServiceItem

MAX_MIN_WEIGHT = 10**9


def _node_key(material: dict) -> str:
    return material.get("resource_code") or f"name:{material['name']}"


KeyMap = dict[tuple[str, str], str]  # (item code, material key) -> node key


def item_materials(ctx: Ctx) -> tuple[list[cooccurrence.ItemMaterials], KeyMap]:
    """Every item not retired, with its materials named by node key and provider."""
    catalog = {code: (name, provider) for code, name, provider in ctx.db.execute(
        select(Dataset.resource_code, Dataset.name, Organization.code)
        .join(Organization, Organization.id == Dataset.provider_id))}
    leads = dict(ctx.db.execute(select(Organization.id, Organization.code)).all())
    out = []
    keymap: KeyMap = {}
    for item in ctx.db.scalars(select(ServiceItem).where(ServiceItem.status != "retired")
                               .order_by(ServiceItem.code)):
        mats = []
        for m in item.materials or []:
            keymap[(item.code, m["key"])] = _node_key(m)
            # A bound material is named as its catalog entry (居民身份证, whoever's it is).
            name, provider = catalog.get(m.get("resource_code") or "", (m["name"], None))
            mats.append((_node_key(m), name, provider, m["kind"]))
        out.append(cooccurrence.ItemMaterials(item.code, item.name, leads[item.lead_org_id],
                                              tuple(mats)))
    return out, keymap


def volumes(ctx: Ctx) -> dict[str, int]:
    """Cases per item code (every case: each was a submission)."""
    return {code: int(n) for code, n in ctx.db.execute(
        select(Case.item_code, func.count(Case.id)).group_by(Case.item_code))}


def uploads(ctx: Ctx, keymap: KeyMap) -> dict[tuple[str, str], int]:
    """Uploaded materials per (item code, node key)."""
    out: dict[tuple[str, str], int] = {}
    for item_code, key, n in ctx.db.execute(
            select(Case.item_code, CaseMaterial.key, func.count(CaseMaterial.id))
            .join(Case, Case.id == CaseMaterial.case_id)
            .where(CaseMaterial.status == "uploaded")
            .group_by(Case.item_code, CaseMaterial.key)):
        node = keymap.get((item_code, key))
        if node is not None:
            out[(item_code, node)] = out.get((item_code, node), 0) + int(n)
    return out


def _graph(ctx: Ctx, actor: Actor, department: str | None, item: str | None,
           min_weight: int) -> cooccurrence.Graph:
    require(actor, Permission.ANALYTICS_READ)
    if not 0 <= min_weight <= MAX_MIN_WEIGHT:
        raise InvalidInput.one("min_weight", "must be 0 or more", min_weight, "range")
    items, keymap = item_materials(ctx)
    return cooccurrence.build(items, volumes(ctx), uploads(ctx, keymap),
                              department=(department or "").strip().upper() or None,
                              item=item or None, min_weight=min_weight)


def certificate_graph(ctx: Ctx, actor: Actor, department: str | None = None,
                      item: str | None = None, min_weight: int = 0) -> GraphOut:
    """Which certificates the items require together, weighted by cases, ranked by the
    submissions sharing each would remove."""
    g = _graph(ctx, actor, department, item, min_weight)
    names = dict(ctx.db.execute(select(Organization.code, Organization.name)).all())
    return GraphOut(
        nodes=[GraphNode(key=n.key, name=n.name, provider=n.provider,
                         provider_name=names.get(n.provider or ""), kind=n.kind,
                         items=n.items, departments=n.departments, demand=n.demand,
                         saves=n.saves, rank=i) for i, n in enumerate(g.nodes, start=1)],
        edges=[GraphEdge(source=e.source, target=e.target, weight=e.weight, items=e.items)
               for e in g.edges])


WORDS = {"zh": ("证照共现图谱", "暂无事项材料"),
         "en": ("Certificate co-occurrence graph", "No item materials yet")}


def certificate_graph_svg(ctx: Ctx, actor: Actor, department: str | None = None,
                          item: str | None = None, min_weight: int = 0,
                          lang: str = "zh") -> str:
    g = _graph(ctx, actor, department, item, min_weight)
    names = dict(ctx.db.execute(select(Organization.code, Organization.name)).all())
    title, empty = WORDS["en" if lang == "en" else "zh"]
    return cooccurrence.svg(g, title, empty, names)

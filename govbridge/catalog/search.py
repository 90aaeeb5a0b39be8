"""Catalog search: relevance-ranked hits over published datasets, filters and facet counts."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from govbridge.catalog.models import Dataset, SearchTerm
from govbridge.catalog.schemas import SearchHit, SearchResult
from govbridge.catalog.terms import query_terms
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx

FACETS = ("provider", "share_type", "grade", "format", "subject_type")


def _rows(ctx: Ctx, ids: list[int] | None) -> list[dict[str, Any]]:
    stmt = (
        select(
            Dataset.id,
            Dataset.resource_code,
            Dataset.name,
            Dataset.name_en,
            Dataset.abstract,
            Dataset.share_type,
            Dataset.grade,
            Dataset.format,
            Dataset.subject_type,
            Organization.name.label("provider_name"),
            Organization.code.label("provider"),
        )
        .join(Organization, Organization.id == Dataset.provider_id)
        .where(Dataset.status == "published")
    )
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(Dataset.id.in_(ids))
    return [dict(r._mapping) for r in ctx.db.execute(stmt)]


def _scores(ctx: Ctx, terms: list[str]) -> dict[int, float]:
    published = (
        ctx.db.scalar(
            select(func.count()).select_from(Dataset).where(Dataset.status == "published")
        )
        or 0
    )
    df = dict(
        ctx.db.execute(
            select(SearchTerm.term, func.count())
            .where(SearchTerm.term.in_(terms))
            .group_by(SearchTerm.term)
        ).all()
    )
    idf = {t: math.log(1 + published / df[t]) for t in df}
    matched: dict[int, set[str]] = defaultdict(set)
    score: dict[int, float] = defaultdict(float)
    for dataset_id, term, weight in ctx.db.execute(
        select(SearchTerm.dataset_id, SearchTerm.term, SearchTerm.weight).where(
            SearchTerm.term.in_(terms)
        )
    ):
        matched[dataset_id].add(term)
        score[dataset_id] += weight * idf[term]
    everything = {d: s for d, s in score.items() if len(matched[d]) == len(terms)}
    if everything or len(terms) == 1:
        return everything
    # No entry has every term: rank partial matches by how much of the query they cover.
    return {
        d: s * len(matched[d]) / len(terms)
        for d, s in score.items()
        if len(matched[d]) * 2 >= len(terms)
    }


def search(
    ctx: Ctx,
    actor: Actor,
    query: str,
    *,
    filters: dict[str, str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    require(actor, Permission.CATALOG_READ)
    filters = {k: v for k, v in (filters or {}).items() if v and k in FACETS}
    terms = query_terms(query)
    if terms:
        scores = _scores(ctx, terms)
        rows = _rows(ctx, list(scores))
    else:
        scores = {}
        rows = _rows(ctx, None)

    def keep(row: dict[str, Any], skip: str | None = None) -> bool:
        return all(row[k] == v for k, v in filters.items() if k != skip)

    facets: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            if keep(row, skip=facet):
                counts[row[facet]] += 1
        facets[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    selected = [r for r in rows if keep(r)]
    selected.sort(key=lambda r: (-scores.get(r["id"], 0.0), r["resource_code"]))
    page = selected[offset : offset + max(1, min(limit, 200))]
    hits = [
        SearchHit(
            resource_code=r["resource_code"],
            name=r["name"],
            name_en=r["name_en"],
            provider_code=r["provider"],
            provider_name=r["provider_name"],
            share_type=r["share_type"],
            grade=r["grade"],
            format=r["format"],
            subject_type=r["subject_type"],
            abstract=r["abstract"][:200],
            score=round(scores.get(r["id"], 0.0), 4),
        )
        for r in page
    ]
    names = {r["provider"]: r["provider_name"] for r in rows}
    return SearchResult(query=query, total=len(selected), hits=hits, facets=facets,
                        provider_names=names)

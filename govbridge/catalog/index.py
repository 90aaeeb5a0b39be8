"""Maintain the search index of published datasets (storage side of catalog search)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert

from govbridge.catalog.models import Dataset, SearchTerm
from govbridge.catalog.terms import weighted_terms
from govbridge.runtime import Ctx

# How much a match counts by where it is found.
WEIGHTS = {
    "name": 3.0,
    "keywords": 2.5,
    "name_en": 2.0,
    "field_titles": 1.5,
    "field_names": 1.0,
    "abstract": 1.0,
    "provider": 0.5,
}


def terms_of(ds: Dataset, fields: list[dict[str, Any]]) -> dict[str, float]:
    return weighted_terms(
        [
            (ds.name, WEIGHTS["name"]),
            (" ".join(ds.keywords), WEIGHTS["keywords"]),
            (ds.name_en or "", WEIGHTS["name_en"]),
            (" ".join(f["title"] for f in fields), WEIGHTS["field_titles"]),
            (" ".join(f["name"] for f in fields), WEIGHTS["field_names"]),
            (ds.abstract, WEIGHTS["abstract"]),
            (ds.provider.name, WEIGHTS["provider"]),
        ]
    )


def reindex(ctx: Ctx, ds: Dataset, fields: list[dict[str, Any]]) -> None:
    drop(ctx, ds)
    rows = [{"dataset_id": ds.id, "term": t, "weight": w} for t, w in terms_of(ds, fields).items()]
    if rows:
        ctx.db.execute(insert(SearchTerm), rows)


def drop(ctx: Ctx, ds: Dataset) -> None:
    ctx.db.execute(delete(SearchTerm).where(SearchTerm.dataset_id == ds.id))

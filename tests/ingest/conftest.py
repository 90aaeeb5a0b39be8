"""Ingest fixtures: a published business-licence dataset to feed."""

from __future__ import annotations

import pytest

from govbridge.catalog.schemas import DatasetOut


@pytest.fixture
def licences(publish, entry) -> DatasetOut:
    """营业执照 keyed by credit code, published."""
    return publish(entry())

"""The demo's dataset table is data: the same 64 definitions and catalog entries as the
table that was written in Python, to the byte (the hashes are of that table's canonical
JSON, taken before it moved to `govbridge/demo/data/datasets.toml`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from govbridge.demo.datasets import DATA_FILE, DATASETS, catalog_entry, load_table

TABLE_SHA256 = "0b4c589f1214b186071041c9c039e487cc0a7c5e90ca848a9e6dba6459996ff5"
ENTRIES_SHA256 = "a48c5895628117f25379af28366b54901f185de19c6b9ecd55f45d43c27af4b7"


def _sha256(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_table_holds_the_same_definitions() -> None:
    assert len(DATASETS) == 64
    assert _sha256([dataclasses.asdict(d) for d in DATASETS]) == TABLE_SHA256


def test_the_catalog_entries_are_the_same() -> None:
    assert _sha256([catalog_entry(d) for d in DATASETS]) == ENTRIES_SHA256


def test_a_typo_in_the_table_is_named(tmp_path: Path) -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    typo = tmp_path / "datasets.toml"
    typo.write_text(text.replace("since = 1994", "sinse = 1994", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="'business_licence': unknown keys \\['sinse'\\]"):
        load_table(typo)
    typo.write_text(text.replace('    "LEGAL_REP",', '    "LEGAL_REPP",', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="no shared field 'LEGAL_REPP'"):
        load_table(typo)

"""The demo departments: valid, unique codes; a sound hierarchy; the ones the demo needs."""

from __future__ import annotations

import re

import pytest
from stdnum.cn import uscc

from govbridge.core.identifiers import (
    current_counties,
    organization_code,
    validate_credit_code,
    validate_division_code,
)
from govbridge.demo.departments import (
    DEPARTMENTS,
    DEPARTMENTS_BY_KEY,
    credit_code,
    department,
)

LEVEL_RANK = {"province": 3, "city": 2, "district": 1}
REQUIRED = {
    "amr": "苏州市市场监督管理局",
    "tax": "国家税务总局苏州市税务局",
    "psb": "苏州市公安局",
    "mca": "苏州市民政局",
    "hrss": "苏州市人力资源和社会保障局",
    "housing": "苏州市住房和城乡建设局",
    "nrp": "苏州市自然资源和规划局",
    "eco": "苏州市生态环境局",
    "health": "苏州市卫生健康委员会",
    "ema": "苏州市应急管理局",
    "fire": "苏州市消防救援支队",
    "bureau": "苏州市大数据管理局",
    "hsa": "苏州市医疗保障局",
    "edu": "苏州市教育局",
    "transport": "苏州市交通运输局",
}
GB11714_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def gb11714_ok(code: str) -> bool:
    """An independent check of a 9-character organisation code (GB 11714)."""
    total = sum(GB11714_VALUES[c] * w for c, w in zip(code[:8], (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


def test_enough_departments_with_the_required_ones():
    assert len(DEPARTMENTS) >= 16
    for key, name in REQUIRED.items():
        assert DEPARTMENTS_BY_KEY[key].name == name
        assert DEPARTMENTS_BY_KEY[key].level == "city"
        assert DEPARTMENTS_BY_KEY[key].division_code == "320500"
    assert department("bureau") is DEPARTMENTS_BY_KEY["bureau"]
    with pytest.raises(KeyError):
        department("nope")


def test_keys_are_short_ascii_slugs_and_unique():
    keys = [d.key for d in DEPARTMENTS]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert re.fullmatch(r"[a-z][a-z0-9_]{1,30}", key), key


def test_codes_are_valid_unique_and_built_from_their_parts():
    codes = [d.code for d in DEPARTMENTS]
    assert len(set(codes)) == len(codes)
    org_codes = [c[8:17] for c in codes]
    assert len(set(org_codes)) == len(org_codes)
    for d in DEPARTMENTS:
        assert uscc.validate(d.code) == d.code
        assert validate_credit_code(d.code) == d.code
        assert d.code[:2] in {"11", "12"}  # 机关, 事业单位
        assert d.code[2:8] == d.division_code
        assert gb11714_ok(d.code[8:17]), d.code


def test_government_organs_use_category_11():
    assert {d.key for d in DEPARTMENTS if d.code[:2] == "12"} == {"js_bigdata"}


def test_organization_code_matches_real_examples():
    # From the credit codes 91110000600037341L and 91350100M000100Y43.
    assert organization_code("60003734") == "600037341"
    assert organization_code("M000100Y") == "M000100Y4"
    assert credit_code("91", "110000", "60003734") == "91110000600037341L"
    with pytest.raises(ValueError):
        organization_code("6000373")
    with pytest.raises(ValueError):
        organization_code("I0003734")


def test_divisions_and_levels():
    suzhou_counties = set(current_counties("3205"))
    for d in DEPARTMENTS:
        validate_division_code(d.division_code)
        if d.level == "province":
            assert d.division_code == "320000"
        elif d.level == "city":
            assert d.division_code == "320500"
        else:
            assert d.level == "district"
            assert d.division_code in suzhou_counties
    assert sum(d.level == "province" for d in DEPARTMENTS) >= 1
    districts = [d for d in DEPARTMENTS if d.level == "district"]
    assert len(districts) >= 2
    assert DEPARTMENTS_BY_KEY["gusu_approval"].division_code == "320508"


def test_parents_exist_outrank_their_children_and_form_no_cycle():
    for d in DEPARTMENTS:
        seen = {d.key}
        node = d
        while node.parent_key is not None:
            parent = DEPARTMENTS_BY_KEY[node.parent_key]
            assert LEVEL_RANK[parent.level] >= LEVEL_RANK[node.level]
            assert parent.key not in seen
            seen.add(parent.key)
            node = parent
    for d in DEPARTMENTS:
        if d.level == "district":
            assert DEPARTMENTS_BY_KEY[d.parent_key].level == "city"
        if d.level == "province":
            assert d.parent_key is None


def test_vertically_managed_are_tax_and_fire():
    assert {d.key for d in DEPARTMENTS if d.vertically_managed} == {"tax", "fire"}


def test_names_fit_their_columns():
    for d in DEPARTMENTS:
        assert 2 <= len(d.name) <= 200
        assert d.name_en and len(d.name_en) <= 200 and d.name_en.isascii()

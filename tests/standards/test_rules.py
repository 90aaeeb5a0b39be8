"""Data elements: code tables, builtin elements, compiled value rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.core.errors import InvalidInput
from govbridge.core.grading import is_grade
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.code_tables import all_tables, code_table
from govbridge.standards.schemas import ElementIn
from govbridge.standards.spec import CODE, MASK, ElementSpec
from govbridge.standards.validation import RuleViolation, check_value, compile_element

BY_NAME = {e.name_zh: e for e in BUILTIN_ELEMENTS}


def test_code_tables_are_well_formed():
    tables = all_tables()
    assert {t.name for t in tables} >= {
        "sex",
        "ethnicity",
        "marital",
        "education",
        "nationality",
        "enterprise_type",
        "industry",
    }
    for table in tables:
        assert table.entries, table.name
    assert len(code_table("ethnicity").entries) == 58  # 56 groups + 97 + 98
    assert code_table("ethnicity").entries["01"] == "汉族"
    assert code_table("nationality").entries["CHN"] == "中国"


def test_at_least_forty_builtin_elements_all_valid():
    assert len(BUILTIN_ELEMENTS) >= 40
    assert len({e.code for e in BUILTIN_ELEMENTS}) == len(BUILTIN_ELEMENTS)
    categories = {e.category for e in BUILTIN_ELEMENTS}
    assert {
        "person",
        "enterprise",
        "address",
        "contact",
        "certificate",
        "date",
        "money",
    } <= categories
    for e in BUILTIN_ELEMENTS:
        assert CODE.match(e.code)
        assert e.default_mask is None or MASK.match(e.default_mask), e.code
        assert e.suggested_grade is None or is_grade(e.suggested_grade)
        assert (
            ElementIn(**{k: v for k, v in e.__dict__.items() if k != "version"}).problems() == []
        ), e.code
        compile_element(e)


def _rule(element: ElementSpec, raw: object) -> str:
    with pytest.raises(RuleViolation) as exc:
        compile_element(element)(raw)
    return exc.value.rule


@pytest.mark.parametrize(
    "name, good, canonical",
    [
        ("公民身份号码", "11010519491231002x", "11010519491231002X"),
        ("统一社会信用代码", "91350100M000100Y43", "91350100M000100Y43"),
        ("性别", "1", "1"),
        ("民族", 1, "01"),
        ("出生日期", "19491231", date(1949, 12, 31)),
        ("出生日期", "1949/12/31", date(1949, 12, 31)),
        ("金额（元）", "1,234.50", Decimal("1234.50")),
        ("移动电话号码", "+86 139-1234-5678", "13912345678"),
        ("电子邮箱", "li@szgov.cn", "li@szgov.cn"),
        ("参保状态", "是", True),
        ("缴费月数", 12.0, 12),
        ("行政区划代码", "320508", "320508"),
    ],
)
def test_good_values_are_canonicalised(name, good, canonical):
    assert compile_element(BY_NAME[name])(good) == canonical


@pytest.mark.parametrize(
    "name, bad, rule",
    [
        ("公民身份号码", "110105194912310021", "citizen_id"),
        ("统一社会信用代码", "91350100M000100Y44", "credit_code"),
        ("性别", "3", "code_table"),
        ("出生日期", "2023-02-30", "type"),
        ("出生日期", "1850-01-01", "range"),
        ("姓名", "张" * 51, "length"),
        ("金额（元）", "-5", "range"),
        ("金额（元）", "abc", "type"),
        ("电子邮箱", "li@", "email"),
        ("移动电话号码", "12012345678", "mobile"),
        ("邮政编码", "2150A0", "pattern"),
        ("参保状态", "maybe", "type"),
        ("缴费月数", "1.5", "type"),
        ("行政区划代码", "329999", "division"),
    ],
)
def test_bad_values_break_the_named_rule(name, bad, rule):
    assert _rule(BY_NAME[name], bad) == rule


def test_empty_is_none_and_check_value_names_field_and_row():
    checker = compile_element(BY_NAME["公民身份号码"])
    assert checker("") is None and checker(None) is None and checker("  ") is None
    with pytest.raises(InvalidInput) as exc:
        check_value(BY_NAME["性别"], "7", "sex", row=12)
    p = exc.value.problems[0]
    assert (p.field, p.value, p.code, p.row) == ("sex", "7", "code_table", 12)


ETHNIC = sorted(code_table("ethnicity").entries)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ETHNIC))
def test_every_code_of_a_table_passes(code):
    assert compile_element(BY_NAME["民族"])(code) == code


@settings(max_examples=200, deadline=None)
@given(
    st.text(min_size=1, max_size=4).filter(
        lambda s: s.strip() and s.strip().zfill(2) not in ETHNIC and s.strip() not in ETHNIC
    )
)
def test_anything_else_fails(text):
    with pytest.raises(RuleViolation):
        compile_element(BY_NAME["民族"])(text)


def test_element_input_problems_name_their_fields():
    bad = ElementIn(
        code="X1",
        name_zh="测试",
        name_en="Test",
        data_type="blob",
        code_table="nosuch",
        validator="regex",
        default_mask="keep",
    )
    fields = {p.field: p for p in bad.problems()}
    assert fields["code"].value == "X1"
    assert fields["data_type"].value == "blob"
    assert fields["code_table"].value == "nosuch" and fields["code_table"].code == "unknown"
    assert fields["pattern"].code == "required"
    assert fields["default_mask"].code == "format"

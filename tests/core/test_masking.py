"""Masking operators and the rule choosing one per field."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.core.errors import InvalidInput
from govbridge.core.masking import (
    COMPOUND_SURNAMES,
    REDACTED,
    District,
    Hash,
    Keep,
    Null,
    Redact,
    Surname,
    Year,
    district,
    field_mask,
    grant_text,
    is_operator,
    keep,
    keyed_hash,
    mask,
    parse_operator,
    resolve_grant,
    surname,
    year,
)
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.spec import MASK

KEY = b"k" * 32
ALL_OPS = [
    Redact(),
    Keep(6, 4),
    Keep(3, 4),
    Keep(0, 0),
    Surname(),
    Year(),
    District(),
    Hash(),
    Null(),
]


# ---- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("redact", Redact()),
        ("surname", Surname()),
        ("year", Year()),
        ("district", District()),
        ("hash", Hash()),
        ("null", Null()),
        ("keep:6:4", Keep(6, 4)),
        ("keep:0:0", Keep(0, 0)),
        ("keep:12:99", Keep(12, 99)),
        (" Redact ", Redact()),
    ],
)
def test_parse_known_operators(text, op):
    assert parse_operator(text) == op
    assert parse_operator(str(op)) == op
    assert is_operator(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "raw",
        "blur",
        "keep",
        "keep:1",
        "keep:a:b",
        "keep:100:1",
        "keep:-1:2",
        "hash:sha1",
        "redact;drop",
    ],
)
def test_unknown_operator_is_a_clear_error(text):
    with pytest.raises(InvalidInput) as exc:
        parse_operator(text, field="masks.name")
    problem = exc.value.problems[0]
    assert problem.field == "masks.name"
    assert problem.code == "unknown_mask"
    assert "redact" in problem.reason and "keep:<first>:<last>" in problem.reason
    assert not is_operator(text)


def test_every_builtin_default_mask_parses_and_matches_the_spec_regex():
    defaults = {e.default_mask for e in BUILTIN_ELEMENTS if e.default_mask}
    assert defaults  # the builtin elements do carry defaults
    for text in defaults:
        op = parse_operator(text)
        assert MASK.match(str(op))


# ---- operators -------------------------------------------------------------------------


def test_citizen_id_keeps_first_six_and_last_four():
    assert mask(Keep(6, 4), "11010519491231002X", hmac_key=KEY) == "110105********002X"


def test_mobile_keeps_three_and_four():
    assert mask(Keep(3, 4), "13812345678", hmac_key=KEY) == "138****5678"


def test_keep_on_integer_and_on_short_values():
    assert mask(Keep(3, 4), 13812345678, hmac_key=KEY) == "138****5678"
    assert keep("1234567", 3, 4) == "*******"  # exactly F+L: everything masked
    assert keep("12", 3, 4) == "**"
    assert keep("12345678", 3, 4) == "123*5678"
    assert keep("abc@example.cn", 2, 0) == "ab" + "*" * 12
    assert keep("", 2, 2) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("上官婉儿", "上官**"),
        ("皇甫嵩", "皇甫*"),
        ("东方朔", "东方*"),
        ("欧阳", "欧*"),  # a compound surname alone is a two-character name
        ("张", "*"),
        (" 李四 ", "李*"),
        ("", ""),
    ],
)
def test_surname(name, expected):
    assert surname(name) == expected


def test_compound_list_is_two_character_surnames():
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)
    assert {"欧阳", "司马", "诸葛", "上官", "皇甫", "东方"} <= COMPOUND_SURNAMES


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1949-12-31", "1949"),
        ("1949-12", "1949"),
        ("19491231", "1949"),
        ("2026-11-30T09:52:27+00:00", "2026"),
        ("2026-11-30 09:52", "2026"),
        (date(1990, 5, 1), "1990"),
        (datetime(2001, 2, 3, 4, 5), "2001"),
        ("1949-13-01", REDACTED),
        ("not a date", REDACTED),
        ("2026", REDACTED),
        (20260101, "2026"),
    ],
)
def test_year(value, expected):
    assert mask(Year(), value, hmac_key=KEY) == expected


def test_year_function_on_text():
    assert year("2020-02-29") == "2020"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("江苏省苏州市姑苏区观前街123号", "江苏省苏州市姑苏区"),
        ("苏州市工业园区星湖街328号", "苏州市工业园区"),
        ("江苏省苏州市昆山市玉山镇前进路1号", "江苏省苏州市昆山市"),
        ("北京市海淀区中关村大街1号", "北京市海淀区"),
        ("上海市浦东新区世纪大道100号", "上海市浦东新区"),
        ("新疆维吾尔自治区伊犁哈萨克自治州伊宁县某路", "新疆维吾尔自治区伊犁哈萨克自治州伊宁县"),
        ("江苏省苏州市观前街与人民路交叉口东北角大楼", "江苏省苏州市"),  # no district token near
        ("北京市海淀区", "北京市"),  # already district level: coarsen to the city
        ("苏州市", REDACTED),
        ("观前街123号", REDACTED),
        ("", REDACTED),
    ],
)
def test_district(address, expected):
    assert district(address) == expected


def test_hash_is_stable_per_key_and_links():
    a = mask(Hash(), "11010519491231002X", hmac_key=KEY)
    assert a == mask(Hash(), "11010519491231002X", hmac_key=KEY)
    assert a.startswith("h:") and len(a) == 2 + 26
    assert a != mask(Hash(), "11010519491231002X", hmac_key=b"other key")
    assert a != mask(Hash(), "110105194912310011", hmac_key=KEY)
    assert mask(Hash(), 42, hmac_key=KEY) == mask(Hash(), "42", hmac_key=KEY)


def test_hash_needs_a_key():
    with pytest.raises(ValueError, match="key"):
        keyed_hash("x", b"")


def test_redact_and_null():
    assert mask(Redact(), "anything at all", hmac_key=KEY) == "***"
    assert mask(Redact(), 12345, hmac_key=KEY) == "***"
    assert mask(Null(), "anything", hmac_key=KEY) is None


@pytest.mark.parametrize("op", ALL_OPS)
def test_none_stays_none(op):
    assert mask(op, None, hmac_key=KEY) is None


# ---- properties ------------------------------------------------------------------------

# No '*' in generated values: a value made of mask characters would trivially "survive".
_TEXT = st.text(
    alphabet=st.characters(exclude_characters="*", exclude_categories=("Cs",)),
    min_size=12,
    max_size=60,
)
_OPS = st.one_of(
    st.sampled_from([Redact(), Surname(), Year(), District(), Hash(), Null()]),
    st.builds(Keep, st.integers(0, 99), st.integers(0, 99)),
)


@settings(max_examples=400, deadline=None)
@given(op=_OPS, value=_TEXT)
def test_masked_output_never_contains_the_raw_value(op, value):
    out = mask(op, value, hmac_key=KEY)
    assert out is None or value not in out
    assert out == mask(op, value, hmac_key=KEY)  # deterministic


@settings(max_examples=200, deadline=None)
@given(value=st.text(alphabet="0123456789", min_size=12, max_size=40))
def test_hash_of_digits_shares_no_six_digit_run(value):
    out = mask(Hash(), value, hmac_key=KEY)
    assert all(value[i : i + 6] not in out for i in range(len(value) - 5))


@settings(max_examples=200, deadline=None)
@given(value=_TEXT)
def test_district_is_a_strict_prefix_or_redacted(value):
    out = district(value)
    assert out == REDACTED or (value.strip().startswith(out) and len(out) < len(value.strip()))


@settings(max_examples=200, deadline=None)
@given(value=st.text(min_size=0, max_size=40), first=st.integers(0, 20), last=st.integers(0, 20))
def test_keep_preserves_length_and_ends(value, first, last):
    out = keep(value, first, last)
    assert len(out) == len(value)
    if len(value) > first + last:
        assert out.startswith(value[:first])
        assert out.endswith(value[len(value) - last :])
        assert out[first : len(value) - last] == "*" * (len(value) - first - last)
    else:
        assert out == "*" * len(value)


# ---- which operator applies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "default", "grant", "expected"),
    [
        # core: never raw
        ("core", "keep:6:4", "raw", Keep(6, 4)),
        ("core", None, "raw", Redact()),
        ("core", "keep:6:4", None, Keep(6, 4)),
        ("core", None, None, Redact()),
        ("core", "keep:6:4", "hash", Hash()),
        # important
        ("important", "keep:6:4", None, Keep(6, 4)),
        ("important", None, None, Redact()),
        ("important", "keep:6:4", "raw", None),
        ("important", "keep:6:4", "null", Null()),
        # general levels
        ("general-4", "surname", None, None),
        ("general-3", "surname", "raw", None),
        ("general-2", "surname", "surname", Surname()),
        ("general-1", None, "redact", Redact()),
        ("general-1", None, "RAW", None),
    ],
)
def test_field_mask_rule(grade, default, grant, expected):
    assert field_mask(grade, default, grant) == expected


def test_field_mask_rejects_unknown_grade_and_operator():
    with pytest.raises(InvalidInput, match="grade"):
        field_mask("secret", None, "raw")
    with pytest.raises(InvalidInput, match="grant"):
        field_mask("general-1", None, "blur")
    with pytest.raises(InvalidInput, match="default_mask"):
        field_mask("important", "blur", None)


def test_grant_text_and_resolve():
    assert grant_text(None) == "raw"
    assert grant_text(Keep(3, 4)) == "keep:3:4"
    assert resolve_grant("important", "keep:6:4", None) == "keep:6:4"
    assert resolve_grant("general-2", "keep:6:4", None) == "raw"
    assert resolve_grant("core", None, "raw") == "redact"


def test_an_id_kept_beside_a_birth_date_in_clear_becomes_a_pseudonym():
    from govbridge.core.masking import Hash, Keep, Year, beside_birth_dates

    ops = {"id": Keep(6, 4), "guardian_id": Keep(6, 4), "born": None, "name": None}
    shown = beside_birth_dates(ops, {"id", "guardian_id"}, {"born"})
    assert shown == {"id": Hash(), "guardian_id": Hash(), "born": None, "name": None}
    masked_birth = {**ops, "born": Year()}
    assert beside_birth_dates(masked_birth, {"id", "guardian_id"}, {"born"}) == masked_birth
    assert beside_birth_dates({"id": Keep(6, 4)}, {"id"}, {"born"}) == {"id": Keep(6, 4)}
